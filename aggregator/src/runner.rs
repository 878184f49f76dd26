//! The whole aggregator process, wired from an [`AggregatorConfig`]: database, chain view,
//! intake and aggregation, certificate submission, the HTTP API and the metrics endpoint.

use std::{future::Future, time::Duration};

use vigil_types::redact::redact;

use crate::{
    api::{self, ApiLimits, ApiState},
    config::AggregatorConfig,
    engine::EngineConfig,
    metrics,
    service::Aggregator,
    store::Store,
    submit::{CertificateSubmitter, Outcome, SubmitterConfig},
};

pub use vigil_service::{Listening, RunError};

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
    )
    .await
    .map_err(|e| RunError::start("aggregation engine", e))?;
    let restored = aggregator.restore().await.map_err(|e| RunError::start("restore", e))?;
    metrics::init(&[]);
    tracing::info!(target: "vigil::aggregator", restored, backend = store.backend().as_str(), verifier = %domain.verifier, "aggregator starting");

    let (api_listener, metrics_listener, listening) =
        vigil_service::http::bind_pair(&config.api.address, &config.metrics.address).await?;
    on_listening(listening);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let closing = stop_rx.clone();
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };

    let limits = ApiLimits {
        max_body_bytes: config.api.max_body_bytes,
        per_key_rate: config.api.per_key_rate,
        per_key_burst: config.api.per_key_burst,
        feed_page: config.api.feed_page,
        ..ApiLimits::default()
    };
    let state = ApiState::new(aggregator.clone(), store.clone(), aggregator.feed_head(), limits)
        .closing_on(closing)
        .with_domain(domain);
    let api_task = tokio::spawn(api::serve(api_listener, api::router(state), stopped()));
    let metrics_task = tokio::spawn(api::serve(metrics_listener, api::metrics_router(), stopped()));

    let owner = vigil_service::sections::replica_id(&config.submitter.replica_id, "aggregator");
    let weights_task = (config.aggregation.weight_refresh_ms > 0).then(|| {
        let refresher =
            crate::weights::WeightRefresher::new(reader.clone(), wallet.clone(), domain.verifier);
        let every = Duration::from_millis(config.aggregation.weight_refresh_ms);
        tokio::spawn(refresher.run(every, stopped()))
    });
    let submitter = CertificateSubmitter::new(
        store.clone(),
        reader.clone(),
        wallet,
        domain.verifier,
        SubmitterConfig {
            owner,
            lease: Duration::from_millis(config.submitter.lease_ms),
            poll: Duration::from_millis(config.submitter.poll_ms),
            receipt_timeout: Duration::from_millis(config.submitter.receipt_timeout_ms),
            max_attempts: config.submitter.max_attempts,
            fee_bump_percent: config.submitter.fee_bump_percent,
            confirmations: config.submitter.confirmations,
        },
    );
    let submit_task = tokio::spawn(submitter.run_with(stopped(), count_outcome));
    let agg = aggregator.clone();
    let tick = Duration::from_millis(config.aggregation.tick_ms.max(1));
    let engine_task = tokio::spawn({
        let stopped = stopped();
        async move { agg.run(tick, stopped).await }
    });

    shutdown.await;
    tracing::info!(target: "vigil::aggregator", "shutting down");
    let _ = stop_tx.send(true);
    let _ = engine_task.await;
    let _ = submit_task.await;
    if let Some(task) = weights_task {
        let _ = task.await;
    }
    // Feed streams never end by themselves: bound the wait for the HTTP servers.
    let _ = tokio::time::timeout(Duration::from_secs(5), api_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), metrics_task).await;
    store.close().await;
    Ok(())
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
