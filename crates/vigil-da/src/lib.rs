//! Data availability for Vigil: where a rollup's batches are on L1, whether their data is really
//! there, and what L2 blocks they commit to.
//!
//! (crate docs are completed with the OP Stack adapter)

mod beacon;
mod error;
mod kzg;
pub mod op;

pub use beacon::{BeaconClient, BeaconDialect, BeaconBlockId, ChainTiming};
pub use error::{DaError, Result};
pub use kzg::{VerifiedBlob, recompute, recompute_blocking};

use alloy::primitives::B256;

/// What Vigil needs to know about an L1 (execution) block to find its blobs on the beacon chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1BlockRef {
    /// Execution block number.
    pub number: u64,
    /// Execution block hash.
    pub hash: B256,
    /// Execution block timestamp (seconds): gives the beacon slot.
    pub timestamp: u64,
    /// The *child* block's `parentBeaconBlockRoot` (EIP-4788), when the child is known: the root
    /// of the beacon block that carries this execution block.
    pub child_parent_beacon_root: Option<B256>,
}

/// An error's text with every URL reduced to its scheme, host and port: RPC URLs often carry
/// API keys in their user-info, path or query, and errors end up in logs.
pub fn redact(error: &impl std::fmt::Display) -> String {
    redact_urls(&error.to_string())
}

/// [`redact`] for a string.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("http://").or_else(|| rest.find("https://")) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ','))
            .unwrap_or(from.len());
        let (url, after) = from.split_at(end);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        let authority_and_more = url.get(scheme_len..).unwrap_or_default();
        let authority = authority_and_more.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        out.push_str(url.get(..scheme_len).unwrap_or_default());
        out.push_str(host);
        if authority_and_more.len() > authority.len() || authority.contains('@') {
            out.push_str("/…");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_credentials_paths_and_queries() {
        assert_eq!(
            super::redact_urls(
                "error sending request for url (https://user:pw@eth.example:8545/v3/KEY?apikey=1)"
            ),
            "error sending request for url (https://eth.example:8545/…)"
        );
        assert_eq!(super::redact_urls("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
        assert_eq!(super::redact_urls("no url here"), "no url here");
        assert_eq!(
            super::redact_urls("a http://h/x and https://k@h2 b"),
            "a http://h/… and https://h2/… b"
        );
    }
}
