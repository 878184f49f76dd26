//! The whole aggregator process, wired from an [`AggregatorConfig`]: database, chain view,
//! intake and aggregation, certificate submission, the HTTP API and the metrics endpoint.

use std::{future::Future, sync::Arc, time::Duration};

use vigil_types::redact::redact;

use crate::{
    api::{self, ApiLimits, ApiState},
    batch::{BatchAggregator, BatchConfig},
    config::AggregatorConfig,
    engine::EngineConfig,
    metrics,
    operator_set::OperatorSetView,
    service::{Aggregator, IntakeLimits},
    store::Store,
    submit::{CertificateSubmitter, Outcome},
    submit_batch::{BatchOutcome, BatchSubmitter},
    verify::Verifier,
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
            single_hold: if config.aggregation.batches {
                Duration::from_millis(config.aggregation.single_hold_ms)
            } else {
                Duration::ZERO
            },
        },
        config.database.ingest_batch,
        IntakeLimits {
            source_failure_rate: config.api.per_source_failure_rate,
            source_failure_burst: config.api.per_source_failure_burst,
            key_snapshot_rate: config.api.per_key_l1_block_rate,
            key_snapshot_burst: config.api.per_key_l1_block_burst,
            retain_l1_blocks: match config.aggregation.retain_l1_blocks {
                0 => None,
                n => Some(n),
            },
            ..IntakeLimits::default()
        },
    )
    .await
    .map_err(|e| RunError::start("aggregation engine", e))?;
    let restored = aggregator.restore().await.map_err(|e| RunError::start("restore", e))?;
    let batches = if config.aggregation.batches {
        if deployment.vigil.batch_roots.is_zero() {
            return Err(RunError::start(
                "batches",
                "aggregation.batches is on but the deployment has no VigilBatchRoots \
                 (vigil.batchRoots)",
            ));
        }
        let set = Arc::new(OperatorSetView::new(reader.clone(), domain.verifier));
        let batches = BatchAggregator::new(
            reader.clone(),
            set,
            domain,
            store.clone(),
            Verifier::spawn(
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            ),
            BatchConfig {
                window: Duration::from_millis(config.aggregation.window_ms),
                retain_l1_blocks: match config.aggregation.retain_l1_blocks {
                    0 => u64::MAX,
                    n => n,
                },
                source_failure_rate: config.api.per_source_failure_rate,
                source_failure_burst: config.api.per_source_failure_burst,
                ..BatchConfig::default()
            },
        )
        .await
        .map_err(|e| RunError::start("batch rounds", e))?;
        let joined = batches.restore().await.map_err(|e| RunError::start("batch restore", e))?;
        tracing::info!(target: "vigil::aggregator", joined, roots = %deployment.vigil.batch_roots, "batched certificates on");
        Some(Arc::new(batches))
    } else {
        None
    };
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
    let mut state =
        ApiState::new(aggregator.clone(), store.clone(), aggregator.feed_head(), limits)
            .closing_on(stop.watch())
            .with_domain(domain);
    if let Some(b) = &batches {
        state = state.with_batches(b.clone());
    }
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
        wallet.clone(),
        domain.verifier,
        config.submitter.tx_config(),
    )
    .with_max_log_range(config.chain.max_log_range);
    match &batches {
        None => {
            tasks.spawn_critical("submitter", submitter.run_with(stop.future(), count_outcome));
        }
        Some(b) => {
            let batch_submitter = BatchSubmitter::new(
                store.clone(),
                reader.clone(),
                wallet,
                domain.verifier,
                deployment.vigil.batch_roots,
                config.submitter.tx_config(),
            );
            tasks.spawn_critical(
                "submitter",
                submit_both(submitter, batch_submitter, store.clone(), stop.future()),
            );
            let b = b.clone();
            let tick = Duration::from_millis(config.aggregation.tick_ms.max(1));
            let stopped = stop.future();
            tasks.spawn_critical("batch-rounds", async move { b.run(tick, stopped).await });
        }
    }
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

/// Sends batch and single certificates from one task (they share the submitter's key, so they
/// must not race for nonces): each turn, the oldest batch certificate that needs work, then the
/// oldest single one (with batches on, singles are built only as the fallback). A step ends
/// once its transaction is mined, so at most one batch certificate lands per L1 block.
async fn submit_both<P: alloy::providers::Provider>(
    singles: CertificateSubmitter<P>,
    batches: BatchSubmitter<P>,
    store: Store,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    batches.release_leases().await;
    tracing::info!(target: "vigil::aggregator", sender = %singles.sender(), "certificate submitter started (batches and singles)");
    loop {
        let mut idle = true;
        let turn = async {
            match batches.step().await {
                Ok(Some(outcome)) => {
                    count_batch_outcome(&outcome);
                    idle = false;
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(target: "vigil::aggregator", %err, "batch certificate submission step failed");
                }
            }
            match singles.step().await {
                Ok(Some(outcome)) => {
                    count_outcome(&outcome);
                    idle = false;
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(target: "vigil::aggregator", %err, "certificate submission step failed");
                }
            }
        };
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = turn => {}
        }
        if idle {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = tokio::time::sleep(singles.config().poll) => {}
            }
        }
    }
    let owner = &singles.config().owner;
    vigil_service::outbox::release_own_leases(owner, store.release_all(owner)).await;
    batches.release_leases().await;
    tracing::info!(target: "vigil::aggregator", "certificate submitter stopped");
}

fn count_batch_outcome(outcome: &BatchOutcome) {
    match outcome {
        BatchOutcome::Mined { .. } => metrics::batch_event("mined"),
        BatchOutcome::AlreadyRecorded { .. } => metrics::batch_event("already_recorded"),
        BatchOutcome::Failed { .. } => metrics::batch_event("failed"),
        BatchOutcome::Pending { .. } => {}
    }
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
