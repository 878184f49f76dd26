//! An aggregator's HTTP API as the tests feed it.

use vigil_types::SignedCheckpoint;

/// Posts `signed` to the aggregator at `api` (`POST {api}/v1/signatures`) and returns its
/// answer (`seq`, `duplicate`, …).
///
/// # Panics
///
/// Unless the aggregator accepted it (202), showing what it said: this is a test assertion.
#[allow(clippy::panic)]
pub async fn post_signature(api: &str, signed: &SignedCheckpoint) -> serde_json::Value {
    let url = format!("{api}/v1/signatures");
    let response = reqwest::Client::new()
        .post(&url)
        .json(signed)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status();
    let body = response.text().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    assert_eq!(status, 202, "POST {url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("POST {url}: {e}: {body}"))
}
