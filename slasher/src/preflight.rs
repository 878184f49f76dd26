//! `vigil-slasher check`: every dependency of the slasher tested before it runs, one line per
//! check with its fix ([`vigil_service::preflight`]).
//!
//! | check | passes when |
//! |---|---|
//! | `deployment` | `chain.deployment` reads |
//! | `L1 chain` | `chain.l1_rpc`'s `eth_chainId` is the deployment file's `chainId` |
//! | `verifier`, `slasher contract` | the deployment's contracts have code on that chain |
//! | `database` | `database.url` answers and its schema is one this build migrates (nothing is written) |
//! | `submitter key` | the submitter keystore decrypts (a warning when `submitter.enabled` is off) |
//! | `submitter gas` | the submitting account has ETH (a warning below 0.01) |
//! | `feed <name>` | each `[[sources.aggregators]]` answers `GET /v1/domain` with the deployment's domain |
//! | `ports` | `api.address` and `metrics.address` can be listened on |

use std::time::Duration;

use vigil_service::preflight::chain::{contract, l1_chain, read_deployment, submitter};
use vigil_service::preflight::db::database;
use vigil_service::preflight::{self, Check, DomainAnswer, Report};
use vigil_types::SigningDomain;

use crate::{config::SlasherConfig, store::MIGRATIONS};

/// Runs every check against `config`'s dependencies. Never fails: each problem is a line.
pub async fn check(config: &SlasherConfig) -> Report {
    let mut report = Report::default();
    let chain = &config.chain;
    let timeout = Duration::from_millis(chain.rpc_timeout_ms.max(1));
    let deployment = read_deployment(&chain.deployment, &mut report);
    let l1 =
        l1_chain(&chain.l1_rpc, &chain.deployment, deployment.as_ref(), timeout, &mut report).await;
    match (&l1, &deployment) {
        (Some(l1), Some(d)) => {
            report.push(contract(l1, "verifier", d.vigil.verifier, &chain.deployment).await);
            report.push(contract(l1, "slasher contract", d.vigil.slasher, &chain.deployment).await);
        }
        _ => {
            report.push(Check::skipped("verifier", "L1 chain"));
            report.push(Check::skipped("slasher contract", "L1 chain"));
        }
    }
    report.push(database(&config.database.url, MIGRATIONS, "database.url", "vigil-slasher").await);

    if config.submitter.enabled {
        submitter(config.submitter.key(), l1.as_ref(), deployment.as_ref(), &mut report).await;
    } else {
        report.push(Check::warn(
            "submitter",
            "disabled (submitter.enabled = false): evidence is recorded, never sent",
            "set submitter.enabled = true for this slasher to send slashing transactions",
        ));
    }

    feed_checks(config, deployment.map(|d| d.domain()), timeout, &mut report).await;
    report.push(preflight::ports(&[
        ("api.address", &config.api.address),
        ("metrics.address", &config.metrics.address),
    ]));
    report
}

async fn feed_checks(
    config: &SlasherConfig,
    domain: Option<SigningDomain>,
    timeout: Duration,
    report: &mut Report,
) {
    let sources = &config.sources;
    if sources.aggregators.is_empty() {
        report.push(if sources.chain_events {
            Check::warn(
                "feeds",
                "no aggregator feed configured: only certificates recorded on chain are watched",
                "add a [[sources.aggregators]] table per aggregator, to see every signature",
            )
        } else {
            Check::fail(
                "feeds",
                "no aggregator feed and sources.chain_events = false: nothing is watched",
                "add a [[sources.aggregators]] table per aggregator, or set sources.chain_events",
            )
        });
        return;
    }
    let http = reqwest::Client::builder().timeout(timeout).build().unwrap_or_default();
    for source in &sources.aggregators {
        let name = format!("feed {}", source.name);
        let Some(ours) = domain else {
            report.push(Check::skipped(name, "deployment"));
            continue;
        };
        let answer = DomainAnswer::fetch(&http, &source.url).await;
        report.push(preflight::aggregator_domain(
            &name,
            &source.url,
            answer,
            ours,
            "sources.aggregators",
        ));
    }
}
