//! The whole aggregator process, wired from an [`AggregatorConfig`]: database, chain view,
//! intake and aggregation, certificate submission, the HTTP API and the metrics endpoint.

use std::{future::Future, time::Duration};

use vigil_types::redact::redact;

use crate::{
    api::{self, ApiLimits, ApiState},
    config::AggregatorConfig,
    engine::EngineConfig,
    metrics,
    service::{Aggregator, IntakeLimits},
    store::Store,
    submit::{CertificateSubmitter, Outcome},
};

use vigil_service::tasks::TaskManager;
pub use vigil_service::{Listening, RunError};

/// How long the tasks get to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Runs the aggregator until `shutdown` resolves. `on_listening` is told the bound addresses
/// (useful with port 0).
pub async fn run(
    config: &AggregatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(Listening),
) -> Result<(), RunError> {
    let (deployment, reader) = config.chain.open()?;
    let domain = deployment.domain();
    let wallet = config.submitter.key().wallet()?;
    config.chain.check_chain(&reader, &deployment).await?;
    vigil_chain::log_eigenlayer(&reader, deployment.eigenlayer.allocation_manager, "aggregator")
        .await;

    let store = Store::open(&config.database.url)
        .await
        .map_err(|e| RunError::start("database", redact(&e)))?;
    let aggregator = Aggregator::new(
        reader.clone(),
        domain,
        store.clone(),
        EngineConfig {
            window: Duration::from_millis(config.aggregation.window_ms),
            compressed_certificates: false,
        },
        config.database.ingest_batch,
        IntakeLimits {
            source_failure_rate: config.api.per_source_failure_rate,
            source_failure_burst: config.api.per_source_failure_burst,
            key_snapshot_rate: config.api.per_key_l1_block_rate,
            key_snapshot_burst: config.api.per_key_l1_block_burst,
            ..IntakeLimits::default()
        },
    )
    .await
    .map_err(|e| RunError::start("aggregation engine", e))?;
    let restored = aggregator.restore().await.map_err(|e| RunError::start("restore", e))?;
    metrics::init(&[]);
    tracing::info!(target: "vigil::aggregator", restored, backend = store.backend().as_str(), verifier = %domain.verifier, "aggregator starting");

    let (api_listener, metrics_listener, listening) =
        vigil_service::http::bind_pair(&config.api.address, &config.metrics.address).await?;
    on_listening(listening);

    let mut tasks = TaskManager::new("aggregator");
    let stop = tasks.stop();

    let limits = ApiLimits {
        max_body_bytes: config.api.max_body_bytes,
        per_key_rate: config.api.per_key_rate,
        per_key_burst: config.api.per_key_burst,
        feed_page: config.api.feed_page,
        ..ApiLimits::default()
    };
    let state = ApiState::new(aggregator.clone(), store.clone(), aggregator.feed_head(), limits)
        .closing_on(stop.watch())
        .with_domain(domain);
    let limits = vigil_service::http::ServerLimits {
        max_connections: config.api.max_connections,
        request_timeout: Duration::from_millis(config.api.request_timeout_ms),
        header_read_timeout: Duration::from_millis(config.api.header_read_timeout_ms),
        idle_timeout: Duration::from_millis(config.api.idle_timeout_ms),
        tls: vigil_service::http::tls::from_config(
            "api.",
            config.api.tls_cert.as_deref(),
            config.api.tls_key.as_deref(),
        )?,
        trusted_proxies: config.api.trusted_proxies.clone().into(),
        ..vigil_service::http::ServerLimits::named("api")
    };
    tasks.spawn_critical(
        "api",
        vigil_service::http::serve_with(api_listener, api::router(state), stop.future(), limits),
    );
    let metrics_limits = vigil_service::http::ServerLimits::named("metrics");
    tasks.spawn_critical(
        "metrics",
        vigil_service::http::serve_with(
            metrics_listener,
            api::metrics_router(),
            stop.future(),
            metrics_limits,
        ),
    );
    if config.aggregation.weight_refresh_ms > 0 {
        let refresher =
            crate::weights::WeightRefresher::new(reader.clone(), wallet.clone(), domain.verifier);
        let every = Duration::from_millis(config.aggregation.weight_refresh_ms);
        tasks.spawn_critical("weight-refresher", refresher.run(every, stop.future()));
    }
    let submitter = CertificateSubmitter::new(
        store.clone(),
        reader.clone(),
        wallet,
        domain.verifier,
        config.submitter.tx_config(),
    )
    .with_max_log_range(config.chain.max_log_range);
    tasks.spawn_critical("submitter", submitter.run_with(stop.future(), count_outcome));
    if store.backend() == crate::store::Backend::Postgres {
        // Replicas share this database: every one's rounds see what any one stored.
        let agg = aggregator.clone();
        let poll = Duration::from_millis(config.aggregation.shared_poll_ms);
        let stopped = stop.future();
        tasks.spawn_critical("shared-rounds", async move {
            agg.follow_shared(poll, stopped).await;
        });
    }
    let agg = aggregator.clone();
    let tick = Duration::from_millis(config.aggregation.tick_ms.max(1));
    tasks.spawn_critical("engine", async move { agg.run(tick, stop.wait()).await });

    // Feed streams end when shutdown begins (`closing_on`); the grace period bounds the rest.
    let result = tasks.run_until(shutdown, SHUTDOWN_GRACE).await;
    store.close().await;
    result
}

fn count_outcome(outcome: &Outcome) {
    match outcome {
        Outcome::Mined { rollup_id, height, gas_used, .. } => {
            metrics::certificate_event(*rollup_id, "mined");
            metrics::gas_used(*rollup_id, *gas_used);
            metrics::set_last_certified(*rollup_id, *height);
        }
        Outcome::AlreadyRecorded { rollup_id, height, .. } => {
            metrics::certificate_event(*rollup_id, "already_recorded");
            metrics::set_last_certified(*rollup_id, *height);
        }
        Outcome::Failed { rollup_id, .. } => metrics::certificate_event(*rollup_id, "failed"),
        Outcome::Pending { .. } => {}
    }
}
