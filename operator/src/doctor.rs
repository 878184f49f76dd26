//! `vigil-operator doctor`: every dependency of the node tested before it runs, one line per
//! check with what to do about a failure ([`vigil_service::preflight`]).
//!
//! | check | passes when |
//! |---|---|
//! | `deployment` | `chain.deployment` reads |
//! | `L1 chain` | `chain.l1_rpc`'s `eth_chainId` is the deployment file's `chainId` |
//! | `beacon #i` | `GET /eth/v1/beacon/genesis` answers, and the beacon chain is the L1's (below) |
//! | `rollup <id>` | the `[[rollups]]` entry's chain file reads and its `l2_rpc` serves that chain id |
//! | `BLS keystore`, `ECDSA keystore` | each decrypts with its configured password source |
//! | `BLS key on chain` | the verifier's `operatorKeyHash(operator)` is keccak of the key's EIP-2537 encoding |
//! | `registration` | AllocationManager `isMemberOfOperatorSet(operator, Vigil's set)` |
//! | `allocation` | a non-zero magnitude allocated to Vigil's set (`getAllocation`) backed by stake |
//! | `slashable` | `isOperatorSlashable(operator, Vigil's set)`: only slashable stake gives a signature weight |
//! | `aggregator #i` | `GET /v1/domain` answers the deployment's `{l1ChainId, verifier, operatorSetId}` |
//! | `ports` | `node.api_address` and `node.metrics_address` can be listened on |
//!
//! **Beacon against L1.** Standard dialect: the L1 head's timestamp must be a slot start of the
//! beacon chain, `timestamp >= genesis_time` and `(timestamp - genesis_time) % SECONDS_PER_SLOT
//! == 0` (from `/eth/v1/beacon/genesis` and `/eth/v1/config/spec`): every post-merge execution
//! block sits on its beacon chain's slot grid, so a beacon node of another network fails it
//! (save for a 1-in-12 coincidence on the same slot grid). Anvil dialect (devnets): anvil's
//! beacon genesis is the time the process started, which moves when it resumes from a state
//! file, so the time says nothing; instead the endpoint must know the L1 head by hash
//! (`/eth/v1/beacon/blobs/{head hash}` answers 200), which only the L1's own anvil does.

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::B256,
    providers::{DynProvider, Provider},
};
use serde::Deserialize;
use vigil_chain::{Deployment, key_hash};
use vigil_crypto::SecretKey;
use vigil_da::{BeaconData, BeaconDialect, BeaconGenesis, BeaconSpec};
use vigil_keystore::{Eip2335Keystore, PrivateKeySigner, V3Keystore};
use vigil_service::preflight::{self, Check, DomainAnswer, Report};
use vigil_types::{SigningDomain, redact::redact_url};

use crate::{Error, OperatorConfig, keys::PasswordSource, status};

/// The L1's head, as the beacon checks compare it.
#[derive(Clone, Copy, Debug)]
struct Head {
    number: u64,
    hash: B256,
    timestamp: u64,
}

/// Runs every check against `config`'s dependencies. Never fails: each problem is a line of the
/// report.
pub async fn doctor(config: &OperatorConfig) -> Report {
    let mut report = Report::default();
    let timeout = Duration::from_millis(config.node.rpc_timeout_ms.max(1));

    let deployment =
        vigil_service::preflight::chain::read_deployment(&config.chain.deployment, &mut report);

    // L1: the chain the deployment is on.
    let l1 = match config.chain.l1_rpc.parse() {
        Ok(url) => Some(vigil_chain::http_provider(url, timeout)),
        Err(e) => {
            report.push(Check::fail(
                "L1 chain",
                format!("chain.l1_rpc {:?} is not a URL: {e}", redact_url(&config.chain.l1_rpc)),
                "set chain.l1_rpc to your L1 node's HTTP JSON-RPC URL",
            ));
            None
        }
    };
    let mut head = None;
    if let Some(l1) = &l1 {
        let served = l1.get_chain_id().await.map_err(|e| e.to_string());
        head = latest(l1).await;
        match &deployment {
            Some(d) => report.push(preflight::l1_chain(
                &config.chain.l1_rpc,
                served,
                &config.chain.deployment,
                d.chain_id,
            )),
            None => report.push(Check::skipped("L1 chain", "deployment")),
        }
    }
    // The checks that read Vigil's contracts need the right chain.
    let chain = match (&l1, &deployment) {
        (Some(l1), Some(d)) if report.passed("L1 chain") => Some((l1, d)),
        _ => None,
    };

    beacon_checks(config, head, timeout, &mut report).await;
    rollup_checks(config, timeout, &mut report).await;

    let bls = bls_key(config, &mut report);
    let ecdsa = ecdsa_key(config, &mut report);
    match (chain, &bls, &ecdsa) {
        (Some((l1, d)), Some(bls), Some(ecdsa)) => {
            registration_checks(l1, d, bls, ecdsa, &mut report).await;
        }
        _ => {
            let needs = if chain.is_none() { "L1 chain" } else { "the keystores" };
            for name in ["BLS key on chain", "registration", "allocation", "slashable"] {
                report.push(Check::skipped(name, needs));
            }
        }
    }

    aggregator_checks(config, deployment.as_ref(), timeout, &mut report).await;
    report.push(preflight::ports(&[
        ("node.api_address", &config.node.api_address),
        ("node.metrics_address", &config.node.metrics_address),
    ]));
    report
}

async fn latest(l1: &DynProvider) -> Option<Head> {
    let block = l1.get_block_by_number(BlockNumberOrTag::Latest).await.ok()??;
    Some(Head {
        number: block.header.number,
        hash: block.header.hash,
        timestamp: block.header.timestamp,
    })
}

/// `GET base/segments…` as JSON `{"data": T}`.
async fn get_data<T: for<'de> Deserialize<'de>>(
    http: &reqwest::Client,
    base: &str,
    path: &str,
) -> Result<T, String> {
    let url = format!("{}/{path}", base.trim_end_matches('/'));
    let response = http.get(url).send().await.map_err(|e| preflight::describe_http_error(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET /{path} answered {status}"));
    }
    let body = response.bytes().await.map_err(|e| preflight::describe_http_error(&e))?;
    serde_json::from_slice::<BeaconData<T>>(&body)
        .map(|d| d.data)
        .map_err(|e| format!("GET /{path} answered malformed JSON: {e}"))
}

fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap_or_default()
}

async fn beacon_checks(
    config: &OperatorConfig,
    head: Option<Head>,
    timeout: Duration,
    report: &mut Report,
) {
    if config.node.beacon_urls.is_empty() {
        report.push(Check::warn(
            "beacon",
            "no beacon API configured (node.beacon_urls): batches posted in blobs cannot be \
             checked and are refused",
            "list your consensus client's beacon API (e.g. http://127.0.0.1:5052) under \
             node.beacon_urls",
        ));
        return;
    }
    let http = http_client(timeout);
    for (i, url) in config.node.beacon_urls.iter().enumerate() {
        let check = beacon(&http, url, config.node.beacon_dialect, head).await;
        report.push(Check { name: format!("beacon #{i}"), ..check });
    }
}

/// One beacon endpoint: reachable, and serving the L1's beacon chain (see the module docs).
async fn beacon(
    http: &reqwest::Client,
    url: &str,
    dialect: BeaconDialect,
    head: Option<Head>,
) -> Check {
    let shown = redact_url(url);
    let other_chain_fix = "point node.beacon_urls at the beacon node paired with the L1 node of \
                           chain.l1_rpc";
    let genesis: BeaconGenesis = match get_data(http, url, "eth/v1/beacon/genesis").await {
        Ok(g) => g,
        Err(e) => {
            return Check::fail(
                "",
                format!("{shown} is unreachable: {e}"),
                "start your consensus client (its beacon API) or correct node.beacon_urls",
            );
        }
    };
    let Some(head) = head else {
        return Check::ok(
            "",
            format!(
                "{shown} answers (genesis {}); not compared with the L1, which does not answer",
                genesis.genesis_time
            ),
        );
    };
    match dialect {
        BeaconDialect::Standard => {
            let spec = match get_data::<BeaconSpec>(http, url, "eth/v1/config/spec").await {
                Ok(s) if s.seconds_per_slot > 0 => s,
                Ok(_) => {
                    return Check::fail(
                        "",
                        format!("{shown}: SECONDS_PER_SLOT is 0"),
                        other_chain_fix,
                    );
                }
                Err(e) => {
                    return Check::fail(
                        "",
                        format!("{shown} answers the genesis but not the spec: {e}"),
                        "use a beacon node that serves the standard beacon API in full",
                    );
                }
            };
            let since = head.timestamp.checked_sub(genesis.genesis_time);
            match since.filter(|s| s.checked_rem(spec.seconds_per_slot) == Some(0)) {
                Some(since) => Check::ok(
                    "",
                    format!(
                        "{shown}: genesis {}, {} s slots; L1 head block {} is slot {}",
                        genesis.genesis_time,
                        spec.seconds_per_slot,
                        head.number,
                        since.checked_div(spec.seconds_per_slot).unwrap_or_default()
                    ),
                ),
                None => Check::fail(
                    "",
                    format!(
                        "{shown} serves another chain: L1 head block {} (timestamp {}) is not a \
                         slot of its beacon chain (genesis {}, {} s slots)",
                        head.number, head.timestamp, genesis.genesis_time, spec.seconds_per_slot
                    ),
                    other_chain_fix,
                ),
            }
        }
        BeaconDialect::Anvil => {
            let path = format!("eth/v1/beacon/blobs/{}", head.hash);
            match get_data::<serde_json::Value>(http, url, &path).await {
                Ok(_) => Check::ok(
                    "",
                    format!(
                        "{shown} answers (anvil dialect) and knows L1 head block {}",
                        head.number
                    ),
                ),
                Err(e) => Check::fail(
                    "",
                    format!(
                        "{shown} answers but does not know L1 head block {} ({}): {e}",
                        head.number, head.hash
                    ),
                    other_chain_fix,
                ),
            }
        }
    }
}

async fn rollup_checks(config: &OperatorConfig, timeout: Duration, report: &mut Report) {
    if config.rollups.is_empty() {
        report.push(Check::fail(
            "rollups",
            "no [[rollups]] configured: nothing to attest to",
            "add one [[rollups]] table per rollup (see config/operator.toml)",
        ));
        return;
    }
    for (i, rollup) in config.rollups.iter().enumerate() {
        let file = rollup.rollup_config.display();
        let op = match rollup.op_config() {
            Ok(op) => op,
            Err(e) => {
                let detail = match e {
                    Error::Config(m) => m,
                    other => other.to_string(),
                };
                report.push(Check::fail(
                    format!("rollup #{i}"),
                    detail,
                    format!(
                        "point rollup_config of [[rollups]] #{i} at the rollup's chain file from \
                         the superchain registry"
                    ),
                ));
                continue;
            }
        };
        let name = format!("rollup {}", op.chain_id);
        let shown = redact_url(&rollup.l2_rpc);
        let served = match rollup.l2_rpc.parse() {
            Ok(url) => vigil_chain::http_provider(url, timeout)
                .get_chain_id()
                .await
                .map_err(|e| format!("{shown} does not answer: {e}")),
            Err(e) => Err(format!("l2_rpc {shown:?} is not a URL: {e}")),
        };
        report.push(match served {
            Ok(id) if id == op.chain_id => Check::ok(
                name,
                format!("{shown} serves chain {id}, the rollup id of {file} ({})", op.name),
            ),
            Ok(id) => Check::fail(
                name,
                format!("{shown} serves chain {id} but {file} is rollup {}", op.chain_id),
                format!(
                    "point l2_rpc of [[rollups]] #{i} at your own node of chain {}, or \
                     rollup_config at the chain file of chain {id}",
                    op.chain_id
                ),
            ),
            Err(detail) => Check::fail(
                name,
                detail,
                format!("start your L2 node or correct l2_rpc of [[rollups]] #{i}"),
            ),
        });
    }
}

/// How a password source is named in a fix.
fn source_name(source: &PasswordSource, file_field: &str) -> String {
    match source {
        PasswordSource::File(path) => format!("{file_field} ({})", path.display()),
        PasswordSource::Env(var) => format!("${var}"),
    }
}

/// A keystore that did not open: the line and its fix, by cause.
fn key_failure(
    name: &str,
    keystore_field: &str,
    path: &std::path::Path,
    source: &PasswordSource,
    file_field: &str,
    env_field: &str,
    error: &Error,
) -> Check {
    let file = path.display();
    let from = source_name(source, file_field);
    match error {
        Error::Keystore(vigil_keystore::Error::WrongPassword) => Check::fail(
            name,
            format!("{file} does not decrypt with the password from {from}: wrong password"),
            format!("put the password this keystore was created with in {from}"),
        ),
        Error::Keystore(vigil_keystore::Error::Password { .. }) => Check::fail(
            name,
            error.to_string(),
            format!(
                "set the password in {from}, or name another source ({file_field}, {env_field})"
            ),
        ),
        Error::Keystore(vigil_keystore::Error::Io { .. }) => Check::fail(
            name,
            error.to_string(),
            format!(
                "point {keystore_field} at your keystore, or create one with `vigil-operator keys \
                 generate`"
            ),
        ),
        other => Check::fail(
            name,
            format!("{file}: {other}"),
            "the keystore is damaged or not of this kind: restore it from your backup",
        ),
    }
}

fn bls_key(config: &OperatorConfig, report: &mut Report) -> Option<SecretKey> {
    const NAME: &str = "BLS keystore";
    let keys = &config.keys;
    let source = PasswordSource::bls(keys);
    let opened = Eip2335Keystore::from_file(&keys.bls_keystore)
        .map_err(Error::from)
        .and_then(|ks| Ok(ks.decrypt(&source.read()?)?));
    match opened {
        Ok(sk) => {
            let pk = sk.public_key().to_compressed();
            report.push(Check::ok(
                NAME,
                format!(
                    "{} decrypts (public key 0x{}…)",
                    keys.bls_keystore.display(),
                    hex::encode(pk.get(..6).unwrap_or_default())
                ),
            ));
            Some(sk)
        }
        Err(e) => {
            report.push(key_failure(
                NAME,
                "keys.bls_keystore",
                &keys.bls_keystore,
                &source,
                "keys.bls_password_file",
                "keys.bls_password_env",
                &e,
            ));
            None
        }
    }
}

fn ecdsa_key(config: &OperatorConfig, report: &mut Report) -> Option<PrivateKeySigner> {
    const NAME: &str = "ECDSA keystore";
    let keys = &config.keys;
    let source = PasswordSource::ecdsa(keys);
    let opened = V3Keystore::from_file(&keys.ecdsa_keystore)
        .map_err(Error::from)
        .and_then(|ks| Ok(ks.decrypt(&source.read()?)?));
    match opened {
        Ok(signer) => {
            report.push(Check::ok(
                NAME,
                format!(
                    "{} decrypts (operator {})",
                    keys.ecdsa_keystore.display(),
                    signer.address()
                ),
            ));
            Some(signer)
        }
        Err(e) => {
            report.push(key_failure(
                NAME,
                "keys.ecdsa_keystore",
                &keys.ecdsa_keystore,
                &source,
                "keys.ecdsa_password_file",
                "keys.ecdsa_password_env",
                &e,
            ));
            None
        }
    }
}

async fn registration_checks(
    l1: &DynProvider,
    deployment: &Deployment,
    bls: &SecretKey,
    ecdsa: &PrivateKeySigner,
    report: &mut Report,
) {
    let operator = ecdsa.address();
    let hash = key_hash(&bls.public_key());
    let set = deployment.vigil.operator_set_id;
    let s = match status::chain_status(l1, deployment, operator, hash).await {
        Ok(s) => s,
        Err(e) => {
            report.push(Check::fail(
                "registration",
                format!("cannot read the operator's state from the contracts: {e}"),
                "check that chain.deployment is this L1's deployment file (are the contracts \
                 deployed at its addresses?)",
            ));
            for name in ["BLS key on chain", "allocation", "slashable"] {
                report.push(Check::skipped(name, "registration"));
            }
            return;
        }
    };

    report.push(if s.registered_key_hash == hash {
        Check::ok(
            "BLS key on chain",
            format!("the verifier holds this key for {operator} ({hash})"),
        )
    } else if s.registered_key_hash.is_zero() {
        Check::fail(
            "BLS key on chain",
            format!(
                "the verifier holds no BLS key for operator {operator} (this key's hash is {hash})"
            ),
            "register it: vigil-operator register",
        )
    } else {
        Check::fail(
            "BLS key on chain",
            format!(
                "the verifier holds key hash {} for operator {operator}, but the configured BLS \
                 key hashes to {hash}",
                s.registered_key_hash
            ),
            "set keys.bls_keystore to the key you registered, or register this one \
             (vigil-operator deregister, then register)",
        )
    });

    report.push(if s.is_member {
        Check::ok(
            "registration",
            format!(
                "{operator} is a member of operator set {set} of {}",
                deployment.vigil.service_manager
            ),
        )
    } else {
        Check::fail(
            "registration",
            format!(
                "{operator} is not a member of Vigil's operator set {set}{}",
                if s.is_eigenlayer_operator { "" } else { " (nor an EigenLayer operator)" }
            ),
            "join it: vigil-operator register",
        )
    });

    report.push(if s.allocated_magnitude == 0 {
        Check::fail(
            "allocation",
            "no magnitude allocated to Vigil's operator set (or the allocation is still pending \
             EigenLayer's allocation delay)",
            "vigil-operator register allocates registration.magnitude_wad; then wait for the \
             allocation delay",
        )
    } else if s.allocated_stake.is_zero() {
        Check::fail(
            "allocation",
            format!(
                "magnitude {} allocated, but it allocates no stake (delegated shares {})",
                wad(s.allocated_magnitude),
                s.shares
            ),
            "deposit stake: vigil-operator register --deposit <wei>",
        )
    } else {
        Check::ok(
            "allocation",
            format!(
                "magnitude {} of max {} allocated to Vigil's set: {} base units of stake",
                wad(s.allocated_magnitude),
                wad(s.max_magnitude),
                s.allocated_stake
            ),
        )
    });

    report.push(if s.is_slashable {
        Check::ok("slashable", "the stake is slashable by Vigil's operator set now")
    } else {
        Check::fail(
            "slashable",
            "the stake is not slashable by Vigil's operator set: aggregators give your \
             signatures no weight",
            "register (vigil-operator register) and wait for the allocation to take effect",
        )
    });
}

/// A WAD (1e18 = 1) as a decimal with three places.
fn wad(value: u64) -> String {
    let whole = value / vigil_chain::WAD;
    let thousandths = (value % vigil_chain::WAD) / (vigil_chain::WAD / 1000);
    format!("{whole}.{thousandths:03}")
}

async fn aggregator_checks(
    config: &OperatorConfig,
    deployment: Option<&Deployment>,
    timeout: Duration,
    report: &mut Report,
) {
    if config.submission.aggregators.is_empty() {
        report.push(Check::fail(
            "aggregators",
            "none configured (submission.aggregators): signatures would go nowhere",
            "list the deployment's aggregators under [submission] aggregators",
        ));
        return;
    }
    let http = http_client(timeout);
    for (i, url) in config.submission.aggregators.iter().enumerate() {
        let name = format!("aggregator #{i}");
        let Some(deployment) = deployment else {
            report.push(Check::skipped(name, "deployment"));
            continue;
        };
        report.push(aggregator(&http, &name, url, deployment.domain()).await);
    }
}

/// One aggregator's `GET /v1/domain`, judged against `ours`.
async fn aggregator(http: &reqwest::Client, name: &str, url: &str, ours: SigningDomain) -> Check {
    let answer = DomainAnswer::fetch(http, url).await;
    preflight::aggregator_domain(name, url, answer, ours, "submission.aggregators")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use axum::{Json, Router, routing::get};

    use super::*;

    /// A standard beacon node: genesis at 1000, 12-second slots.
    async fn standard_beacon() -> String {
        let app = Router::new()
            .route(
                "/eth/v1/beacon/genesis",
                get(|| async { Json(serde_json::json!({"data": {"genesis_time": "1000"}})) }),
            )
            .route(
                "/eth/v1/config/spec",
                get(|| async {
                    Json(serde_json::json!({"data": {"SECONDS_PER_SLOT": "12", "SLOTS_PER_EPOCH": "32"}}))
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    /// The standard dialect's rule: the L1 head is a slot start of the beacon chain.
    #[tokio::test]
    async fn standard_beacon_must_have_the_l1_head_on_its_slot_grid() {
        let url = standard_beacon().await;
        let http = http_client(Duration::from_secs(5));
        let head = |timestamp| Some(Head { number: 7, hash: B256::ZERO, timestamp });
        let cases = [
            // (L1 head timestamp, passes)
            (1000 + 12 * 5, true),
            (1000, true),
            (1000 + 13, false),
            (988, false),
        ];
        for (timestamp, passes) in cases {
            let check = beacon(&http, &url, BeaconDialect::Standard, head(timestamp)).await;
            let ok = check.outcome == preflight::Outcome::Ok;
            assert_eq!(ok, passes, "{timestamp}: {check}");
            if !passes {
                assert!(check.detail.contains("serves another chain"), "{check}");
            }
        }
        let ok = beacon(&http, &url, BeaconDialect::Standard, head(1060)).await;
        assert!(ok.detail.ends_with("L1 head block 7 is slot 5"), "{ok}");
    }
}
