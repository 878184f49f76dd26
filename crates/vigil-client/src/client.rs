//! The HTTP client.

use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{
    BatchCheckpointStatus, BatchStatus, CertificateStatus, CheckpointStatus, ClientError, Result,
};

/// How long one request may take by default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of one aggregator's query API. Cloning is cheap (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct VigilClient {
    http: reqwest::Client,
    base: Url,
}

/// The aggregator's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

impl VigilClient {
    /// A client of the aggregator at `base_url` (say `http://aggregator:8080`), with a 30 s
    /// timeout per request.
    pub fn new(base_url: &str) -> Result<Self> {
        let http = reqwest::Client::builder().timeout(DEFAULT_TIMEOUT).build()?;
        Self::with_http_client(http, base_url)
    }

    /// A client over a `reqwest::Client` you configured (timeouts, proxies, TLS).
    pub fn with_http_client(http: reqwest::Client, base_url: &str) -> Result<Self> {
        let invalid = |reason: String| ClientError::InvalidUrl { url: base_url.to_owned(), reason };
        let mut base = Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
        if base.cannot_be_a_base() {
            return Err(invalid("cannot be a base URL".to_owned()));
        }
        // Paths are joined below the base's own path, with or without its trailing slash.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self { http, base })
    }

    /// The highest checkpoint of `rollup` whose certificate is mined on L1; `None` if there is
    /// none yet.
    pub async fn latest(&self, rollup: u64) -> Result<Option<CheckpointStatus>> {
        self.get(&format!("v1/checkpoints/{rollup}/latest")).await
    }

    /// The certificate state of `rollup` at `height`; `None` if the aggregator has none.
    pub async fn checkpoint(&self, rollup: u64, height: u64) -> Result<Option<CheckpointStatus>> {
        self.get(&format!("v1/checkpoints/{rollup}/{height}")).await
    }

    /// The full certificate of `rollup` at `height`, to verify with
    /// [`crate::verify_certificate`]; `None` if the aggregator has none.
    pub async fn certificate(&self, rollup: u64, height: u64) -> Result<Option<CertificateStatus>> {
        self.get(&format!("v1/certificates/{rollup}/{height}")).await
    }

    /// `rollup`'s checkpoint at `height` certified inside a batch, with its inclusion proof and
    /// the batch certificate, to verify with [`BatchCheckpointStatus::verify`]; `None` if no
    /// batch certificate of the aggregator's holds it (it may have a single certificate:
    /// [`Self::certificate`]).
    pub async fn batch_checkpoint(
        &self,
        rollup: u64,
        height: u64,
    ) -> Result<Option<BatchCheckpointStatus>> {
        self.get(&format!("v1/batches/checkpoints/{rollup}/{height}")).await
    }

    /// The batch certificate whose signers signed `digest`, with every checkpoint it holds;
    /// `None` if the aggregator has none (or pruned it). Check [`BatchStatus::batch`].
    pub async fn batch(&self, digest: alloy_primitives::B256) -> Result<Option<BatchStatus>> {
        self.get(&format!("v1/batches/{digest}")).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        let url = self.base.join(path).map_err(|e| ClientError::InvalidUrl {
            url: format!("{}{path}", self.base),
            reason: e.to_string(),
        })?;
        let response = self.http.get(url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status == StatusCode::NOT_FOUND {
            // Only the API's own "no such certificate" is `None`; a 404 from something else
            // (a wrong base URL, a proxy) is an error.
            return match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) if e.error == "not_found" => Ok(None),
                _ => Err(status_error(status, &body)),
            };
        }
        if !status.is_success() {
            return Err(status_error(status, &body));
        }
        Ok(Some(serde_json::from_slice(&body)?))
    }
}

fn status_error(status: StatusCode, body: &[u8]) -> ClientError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (e.error, e.message),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            ("unknown".to_owned(), text.chars().take(512).collect())
        }
    };
    ClientError::Status { status: status.as_u16(), code, message }
}
