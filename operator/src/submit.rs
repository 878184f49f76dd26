//! Delivering signed checkpoints and batch signatures to aggregators over HTTP, with retries and
//! backoff.

use std::time::Duration;

use vigil_types::{
    BatchSignature, SignedCheckpoint,
    redact::{redact, redact_url},
};

/// The path aggregators take signed checkpoints on.
pub const SIGNATURES_PATH: &str = "/v1/signatures";
/// The path aggregators take batch signatures (`VIGIL_BATCH_V1`) on.
pub const BATCH_SIGNATURES_PATH: &str = "/v1/batches/signatures";

/// How one aggregator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted (2xx).
    Accepted,
    /// Refused with a 4xx and its reason: retrying would not help.
    Refused {
        /// HTTP status.
        status: u16,
        /// The aggregator's reason (its JSON error body, or the raw text).
        reason: String,
    },
    /// Still failing (network error or 5xx) after every retry.
    Failed {
        /// The last error.
        error: String,
        /// Attempts made.
        attempts: u32,
    },
}

/// Retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per aggregator, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubled each time.
    pub initial_backoff_ms: u64,
    /// Longest delay between attempts.
    pub max_backoff_ms: u64,
    /// Per-request timeout.
    pub timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 5, initial_backoff_ms: 200, max_backoff_ms: 5_000, timeout_ms: 5_000 }
    }
}

/// Posts signed checkpoints (JSON) to every configured aggregator.
#[derive(Debug, Clone)]
pub struct Submitter {
    http: reqwest::Client,
    aggregators: Vec<String>,
    policy: RetryPolicy,
}

impl Submitter {
    /// A submitter for the aggregator base URLs in `aggregators`.
    pub fn new(aggregators: Vec<String>, policy: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(policy.timeout_ms))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let aggregators =
            aggregators.into_iter().map(|a| a.trim_end_matches('/').to_owned()).collect();
        Self { http, aggregators, policy }
    }

    /// Delivers `signed` to every aggregator concurrently; one result per aggregator, in order,
    /// each named by its URL without credentials (it ends up in logs and metric labels).
    pub async fn submit(&self, signed: &SignedCheckpoint) -> Vec<(String, Delivery)> {
        let what =
            format!("rollup {} height {}", signed.checkpoint.rollup_id, signed.checkpoint.height);
        self.deliver(SIGNATURES_PATH, signed, what).await
    }

    /// Delivers a batch signature (the signed header and its checkpoints) to every aggregator,
    /// as [`Self::submit`] does a checkpoint's.
    pub async fn submit_batch(&self, batch: &BatchSignature) -> Vec<(String, Delivery)> {
        let h = &batch.signed.header;
        let what = format!("batch {} (L1 {}..={})", h.root, h.from_l1_block, h.to_l1_block);
        self.deliver(BATCH_SIGNATURES_PATH, batch, what).await
    }

    async fn deliver<T>(
        &self,
        path: &'static str,
        body: &T,
        what: String,
    ) -> Vec<(String, Delivery)>
    where
        T: serde::Serialize + Clone + Send + Sync + 'static,
    {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, base) in self.aggregators.iter().enumerate() {
            let (this, base, body, what) = (self.clone(), base.clone(), body.clone(), what.clone());
            tasks.spawn(async move {
                let delivery = this.submit_one(&base, path, &body, &what).await;
                (index, redact_url(&base), delivery)
            });
        }
        let mut out = Vec::with_capacity(self.aggregators.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => out.push(result),
                Err(e) => {
                    tracing::error!(target: "vigil::submit", error = %e, "delivery task failed")
                }
            }
        }
        out.sort_by_key(|(index, _, _)| *index);
        out.into_iter().map(|(_, base, delivery)| (base, delivery)).collect()
    }

    async fn submit_one(
        &self,
        base: &str,
        path: &str,
        body: &impl serde::Serialize,
        what: &str,
    ) -> Delivery {
        let url = format!("{base}{path}");
        let base = redact_url(base);
        let base = base.as_str();
        let mut backoff = vigil_service::outbox::Backoff::new(
            Duration::from_millis(self.policy.initial_backoff_ms),
            Duration::from_millis(self.policy.max_backoff_ms),
        );
        let mut last_error = String::new();
        let attempts = self.policy.attempts.max(1);
        for attempt in 1..=attempts {
            match self.http.post(&url).json(body).send().await {
                Ok(response) if response.status().is_success() => return Delivery::Accepted,
                Ok(response) if response.status().is_client_error() => {
                    let status = response.status().as_u16();
                    let reason = response.text().await.unwrap_or_default();
                    tracing::warn!(target: "vigil::submit", aggregator = base, status, %reason, signed = what, "aggregator refused the signature");
                    return Delivery::Refused { status, reason };
                }
                Ok(response) => last_error = format!("HTTP {}", response.status()),
                Err(e) => last_error = redact(&e),
            }
            if attempt < attempts {
                tracing::debug!(target: "vigil::submit", aggregator = base, attempt, error = %last_error, "retrying");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
        tracing::warn!(target: "vigil::submit", aggregator = base, attempts, error = %last_error, "delivery failed");
        Delivery::Failed { error: last_error, attempts }
    }
}
