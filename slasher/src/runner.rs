//! The whole slasher process, wired from a [`SlasherConfig`]: the evidence store, the ingest
//! path (one [`Ingestor`] fed by every aggregator feed and the public endpoint), the evidence
//! submitter, the HTTP API and the metrics endpoint.

use std::{future::Future, sync::Arc, time::Duration};

use futures_util::StreamExt as _;
use tokio::sync::mpsc;
use tracing::{info, warn};
use vigil_chain::{bindings::VigilSlasher, operator_set::OperatorSetView};
use vigil_service::{outbox::Backoff, tasks::TaskManager};
use vigil_types::redact::{redact, redact_url};

use crate::{
    CHAIN_CURSOR, EvidenceStore,
    api::{self, ApiLimits, ApiState, ChainChecker, GuardLimits, IngestRequest},
    chain::CertificateSource,
    config::SlasherConfig,
    feed::{FeedClient, FeedItem},
    metrics,
    service::{CHAIN_SOURCE, Ingestor, PUBLIC_SOURCE, ingest_until_recorded},
    submit::{EvidenceSubmitter, SubmitterConfig},
};

/// Log target of the runner.
const TARGET: &str = "vigil::slasher";

pub use vigil_service::{Listening, RunError};

/// How long the tasks get to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the ingest task receives.
enum Input {
    Feed { source: String, batch: Vec<(u64, vigil_types::SignedCheckpoint)> },
    Public(IngestRequest),
    Certificates { scan: crate::chain::Scan },
}

/// Runs the slasher until `shutdown` resolves. `on_listening` is told the bound addresses
/// (useful with port 0).
pub async fn run(
    config: &SlasherConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(Listening),
) -> Result<(), RunError> {
    let (deployment, provider) = config.chain.open()?;
    let domain = deployment.domain();
    vigil_chain::log_eigenlayer(&provider, deployment.eigenlayer.allocation_manager, "slasher")
        .await;

    let store = EvidenceStore::open(&config.database.url)
        .await
        .map_err(|e| RunError::start("database", redact(&e)))?;
    let mut sources: Vec<String> =
        config.sources.aggregators.iter().map(|a| a.name.clone()).collect();
    sources.push(PUBLIC_SOURCE.to_owned());
    if config.sources.chain_events {
        sources.push(CHAIN_SOURCE.to_owned());
    }
    metrics::init(&sources);

    // What one slash takes, for the economic-security dashboard (best effort).
    match VigilSlasher::new(deployment.vigil.slasher, &provider).slashingParams().call().await {
        Ok(params) => {
            let max = params._1.iter().max().copied().unwrap_or_default();
            let wad = max.to_string().parse::<f64>().unwrap_or(0.0) / 1e18;
            metrics::set_slash_fraction(wad);
        }
        Err(e) => {
            warn!(target: TARGET, error = %e, "cannot read the slasher contract's slashing parameters")
        }
    }

    let mut tasks = TaskManager::new("slasher");
    let stop = tasks.stop();

    // The ingest path: replay first (public submissions; feeds replay through their
    // followers), then serve feeds and the API.
    let set = Arc::new(OperatorSetView::new(provider.clone(), domain.verifier));
    let mut ingestor =
        Ingestor::new(store.clone(), config.index.retain_heights).with_operator_set(set);
    let certificates = ingestor
        .load_certificates()
        .await
        .map_err(|e| RunError::start("recorded certificates", e))?;
    if certificates > 0 {
        info!(target: TARGET, certificates, "recorded certificates loaded");
    }
    let mut follow_from = Vec::new();
    for source in &config.sources.aggregators {
        let (window, detected) = ingestor
            .resume_point(&source.name)
            .await
            .map_err(|e| RunError::start("feed cursor", e))?;
        info!(target: TARGET, source = %source.name, url = %redact_url(&source.url), replay_after = window, detected_up_to = detected, "following aggregator feed");
        follow_from.push((source.clone(), window));
    }
    ingestor.replay_public().await.map_err(|e| RunError::start("public replay", e))?;
    let (input_tx, mut input_rx) = mpsc::channel::<Input>(64);
    // Ends when every sender is gone (followers stopped, API closed), after its last batch.
    tasks.spawn_critical("ingest", async move {
        while let Some(input) = input_rx.recv().await {
            match input {
                Input::Feed { source, batch } => {
                    ingest_until_recorded(&mut ingestor, &source, &batch).await;
                }
                Input::Public(request) => {
                    let results =
                        ingest_until_recorded(&mut ingestor, PUBLIC_SOURCE, &request.items).await;
                    let _ = request.reply.send(results);
                }
                Input::Certificates { scan } => {
                    let mut backoff =
                        Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
                    while let Err(err) = ingestor
                        .ingest_certificates(&scan.certificates, &scan.batches, scan.scanned)
                        .await
                    {
                        warn!(target: TARGET, %err, "recording certificates failed; retrying");
                        metrics::feed_trouble(CHAIN_SOURCE, "store");
                        tokio::time::sleep(backoff.next_delay()).await;
                    }
                }
            }
        }
    });

    let batch_max = config.sources.batch.max(1);
    let flush = Duration::from_millis(config.sources.flush_ms.max(1));
    for (source, after) in follow_from {
        let client = FeedClient::new(
            source.name.clone(),
            &source.url,
            Duration::from_millis(config.sources.feed_idle_timeout_ms),
            Duration::from_millis(config.sources.reconnect_max_ms),
        )
        .map_err(|e| RunError::Config(format!("source {}: {e}", source.name)))?;
        let tx = input_tx.clone();
        let stop = stop.clone();
        tasks.spawn_critical("feed-follower", async move {
            tokio::select! {
                () = follow(client, after, tx, batch_max, flush) => {}
                () = stop.wait() => {}
            }
        });
    }

    // Certificates recorded on chain.
    if config.sources.chain_events {
        let scanned =
            store.cursor(CHAIN_CURSOR).await.map_err(|e| RunError::start("chain cursor", e))?;
        let mut after =
            scanned.unwrap_or_else(|| config.sources.chain_from_block.saturating_sub(1));
        // Recorded batches' checkpoints come from the aggregators followed.
        let aggregators = config
            .sources
            .aggregators
            .iter()
            .filter_map(|a| vigil_client::VigilClient::new(&a.url).ok())
            .collect();
        let mut source =
            CertificateSource::new(provider.clone(), domain).with_aggregators(aggregators);
        source.chunk = config.chain.max_log_range;
        let poll = Duration::from_millis(config.sources.chain_poll_ms.max(100));
        let tx = input_tx.clone();
        let stop = stop.clone();
        info!(target: TARGET, verifier = %domain.verifier, after, "following certificates on chain");
        tasks.spawn_critical("chain-certificates", async move {
            let scan = async {
                loop {
                    match source.scan(after).await {
                        Ok(scan) => {
                            let scanned = scan.scanned;
                            let found = !scan.certificates.is_empty() || !scan.batches.is_empty();
                            if scanned != after || found {
                                if tx.send(Input::Certificates { scan }).await.is_err() {
                                    return;
                                }
                                after = scanned;
                            }
                        }
                        Err(err) => {
                            metrics::feed_trouble(CHAIN_SOURCE, "connect");
                            warn!(target: TARGET, %err, "scanning the chain for certificates failed; retrying");
                        }
                    }
                    tokio::time::sleep(poll).await;
                }
            };
            tokio::select! {
                () = scan => {}
                () = stop.wait() => {}
            }
        });
    }

    // The submitter.
    if config.submitter.enabled {
        let wallet = config.submitter.key().wallet()?;
        config.chain.check_chain(&provider, &deployment).await?;
        let submitter = EvidenceSubmitter::new(
            store.clone(),
            provider.clone(),
            wallet,
            domain,
            deployment.vigil.slasher,
            deployment.eigenlayer.allocation_manager,
            deployment.vigil.service_manager,
            SubmitterConfig {
                tx: config.submitter.tx_config(),
                alarm_blocks: config.submitter.alarm_blocks,
            },
        )
        .with_max_log_range(config.chain.max_log_range);
        tasks.spawn_critical("submitter", submitter.run(stop.future()));
    } else {
        warn!(target: TARGET, "submitter disabled: evidence is recorded, never sent");
    }

    // Evidence-state gauges.
    {
        let store = store.clone();
        let stop = stop.clone();
        tasks.spawn_critical("evidence-gauges", async move {
            let refresh = async {
                loop {
                    if let Ok(counts) = store.count_by_state().await {
                        metrics::evidence_states(&counts);
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            };
            tokio::select! {
                () = refresh => {}
                () = stop.wait() => {}
            }
        });
    }

    // HTTP.
    let (public_tx, mut public_rx) = mpsc::channel::<IngestRequest>(16);
    {
        let tx = input_tx.clone();
        tasks.spawn_critical("public-intake", async move {
            while let Some(req) = public_rx.recv().await {
                if tx.send(Input::Public(req)).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(input_tx);
    let state = ApiState::new(
        store.clone(),
        domain,
        public_tx,
        ChainChecker { provider: provider.clone(), slasher: deployment.vigil.slasher },
        ApiLimits {
            max_body_bytes: config.api.max_body_bytes,
            max_batch: config.api.max_batch,
            guard: GuardLimits {
                failure_rate: config.api.failure_rate,
                failure_burst: config.api.failure_burst,
                max_sources: config.api.max_sources,
                key_cache: config.api.key_cache,
                unknown_key_ttl: Duration::from_millis(config.api.unknown_key_ttl_ms),
            },
        },
    );
    let (api_listener, metrics_listener, listening) =
        vigil_service::http::bind_pair(&config.api.address, &config.metrics.address).await?;
    on_listening(listening);
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
    let api_server =
        vigil_service::http::serve_with(api_listener, api::router(state), stop.future(), limits);
    tasks.spawn_critical("api", api_server);
    let metrics_server = vigil_service::http::serve_with(
        metrics_listener,
        api::metrics_router(),
        stop.future(),
        vigil_service::http::ServerLimits::named("metrics"),
    );
    tasks.spawn_critical("metrics", metrics_server);

    info!(target: TARGET, api = %listening.api, metrics = %listening.metrics, sources = ?sources, "slasher running");
    let result = tasks.run_until(shutdown, SHUTDOWN_GRACE).await;
    store.close().await;
    result
}

/// Follows one feed, handing batches to the ingest task.
async fn follow(
    client: FeedClient,
    after: u64,
    tx: mpsc::Sender<Input>,
    batch_max: usize,
    flush: Duration,
) {
    let source = client.name().to_owned();
    let stream = client.follow(after);
    tokio::pin!(stream);
    let mut batch = Vec::with_capacity(batch_max);
    loop {
        let next = if batch.is_empty() {
            stream.next().await
        } else {
            match tokio::time::timeout(flush, stream.next()).await {
                Ok(item) => item,
                Err(_) => {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_max));
                    if tx.send(Input::Feed { source: source.clone(), batch: full }).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        };
        let Some(item) = next else { return };
        match item {
            FeedItem::Event(event) => {
                metrics::feed_head(&source, event.seq);
                batch.push((event.seq, event.signed));
                if batch.len() >= batch_max {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_max));
                    if tx.send(Input::Feed { source: source.clone(), batch: full }).await.is_err() {
                        return;
                    }
                }
            }
            FeedItem::Gap { expected, got } => {
                metrics::feed_trouble(&source, "gap");
                warn!(target: TARGET, %source, expected, got, "gap in the aggregator feed");
            }
            FeedItem::Trouble(err) => {
                metrics::feed_trouble(&source, err.kind());
                warn!(target: TARGET, %source, error = %err, "aggregator feed trouble");
            }
        }
    }
}
