//! Integration tests for `vigil-slashing-protection`, one binary (reth's layout).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs, unreachable_pub)]

mod batch;
mod common;
mod eip3076;
mod interchange;
mod kill;
mod lock;
mod oracle;
mod prune;
mod rule;
mod schema;
