//! Checks over the whole repository that a unit test cannot make.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, unreachable_pub)]

mod env_names;
mod ports;
