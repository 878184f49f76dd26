//! Checks over the whole repository that a unit test cannot make (the stores' embedded
//! migrations against their folders, in `migrations`), and the transaction outbox proved for
//! both of its jobs on real chains and databases (`outbox`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, unreachable_pub)]

mod env_names;
mod migrations;
mod outbox;
mod ports;
