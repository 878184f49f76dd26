//! Checks over the whole repository that a unit test cannot make, and the transaction outbox
//! proved for both of its jobs on real chains and databases (`outbox`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, unreachable_pub)]

mod env_names;
mod outbox;
mod ports;
