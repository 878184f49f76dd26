//! `vigil-aggregator`: collects operators' signed checkpoints, aggregates them by stake and submits certificates. Thin by design: everything is in the library
//! `vigil_aggregator`.

fn main() -> std::process::ExitCode {
    vigil_service::cli::service_main::<vigil_aggregator::Aggregator>()
}
