//! `vigil-slasher`: detects equivocation in every signature it sees and submits the evidence. Thin by design: everything is in the library
//! `vigil_slasher`.

fn main() -> std::process::ExitCode {
    vigil_service::cli::service_main::<vigil_slasher::Slasher>()
}
