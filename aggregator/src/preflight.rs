//! `vigil-aggregator check`: every dependency of the aggregator tested before it runs, one line
//! per check with its fix ([`vigil_service::preflight`]).
//!
//! | check | passes when |
//! |---|---|
//! | `deployment` | `chain.deployment` reads |
//! | `L1 chain` | `chain.l1_rpc`'s `eth_chainId` is the deployment file's `chainId` |
//! | `verifier` | the deployment's verifier has code on that chain |
//! | `database` | `database.url` answers and its schema is one this build migrates (nothing is written) |
//! | `submitter key` | the submitter keystore decrypts with its password source |
//! | `submitter gas` | the submitting account has ETH (a warning below 0.01) |
//! | `ports` | `api.address` and `metrics.address` can be listened on |

use std::time::Duration;

use vigil_service::preflight::chain::{contract, l1_chain, read_deployment, submitter};
use vigil_service::preflight::db::database;
use vigil_service::preflight::{self, Check, Report};

use crate::{config::AggregatorConfig, store::MIGRATIONS};

/// How long each L1 request may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs every check against `config`'s dependencies. Never fails: each problem is a line.
pub async fn check(config: &AggregatorConfig) -> Report {
    let mut report = Report::default();
    let chain = &config.chain;
    let deployment = read_deployment(&chain.deployment, &mut report);
    let l1 =
        l1_chain(&chain.l1_rpc, &chain.deployment, deployment.as_ref(), RPC_TIMEOUT, &mut report)
            .await;
    report.push(match (&l1, &deployment) {
        (Some(l1), Some(d)) => contract(l1, "verifier", d.vigil.verifier, &chain.deployment).await,
        _ => Check::skipped("verifier", "L1 chain"),
    });
    report
        .push(database(&config.database.url, MIGRATIONS, "database.url", "vigil-aggregator").await);
    submitter(config.submitter.key(), l1.as_ref(), deployment.as_ref(), &mut report).await;
    report.push(preflight::ports(&[
        ("api.address", &config.api.address),
        ("metrics.address", &config.metrics.address),
    ]));
    report
}
