//! Preflight checks (`vigil-operator doctor`, `vigil-aggregator check`, `vigil-slasher check`):
//! every dependency of a service tested before it runs, one line each, with what to do about a
//! failure.
//!
//! ```text
//! ok    L1 chain: http://127.0.0.1:8545 serves chain 31337, as deployments/31337.json says
//! FAIL  beacon #0: http://127.0.0.1:5052 is unreachable (connection failed)
//!       fix: start your consensus client or correct node.beacon_urls
//! warn  aggregator #0: http://agg.example does not publish its signing domain (older version)
//! ```
//!
//! The exit status is 0 when nothing failed (warnings included) and 1 ([`PreflightFailed`])
//! otherwise. What a check tests and how it words its fix lives with the service that owns the
//! dependency; the checks every service shares (the L1 against the deployment file, listen
//! addresses) are here.

pub mod chain;
pub mod db;

use std::{fmt, net::TcpListener, path::Path};

use alloy_primitives::{Address, U256, utils::format_ether};
use vigil_keystore::{Error as KeystoreError, Password, PrivateKeySigner, V3Keystore};
use vigil_types::SigningDomain;

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The dependency is there and as expected.
    Ok,
    /// Worth knowing, but the service can run.
    Warn,
    /// The service would not work: fix it first.
    Fail,
}

impl Outcome {
    /// `ok`, `warn` or `FAIL` (capitals: the one to find in a long listing).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`L1 chain`, `beacon #0`, `ports`).
    pub name: String,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// What to do about it (warnings and failures).
    pub fix: Option<String>,
}

impl Check {
    /// A passed check.
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), outcome: Outcome::Ok, detail: detail.into(), fix: None }
    }

    /// A warning, and what to do about it.
    pub fn warn(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::with_fix(name, Outcome::Warn, detail, fix)
    }

    /// A failure, and what to do about it.
    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::with_fix(name, Outcome::Fail, detail, fix)
    }

    fn with_fix(
        name: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self { name: name.into(), outcome, detail: detail.into(), fix: Some(fix.into()) }
    }

    /// A check that could not run because `needs` failed: a warning (the failure it depends on
    /// is already reported).
    pub fn skipped(name: impl Into<String>, needs: &str) -> Self {
        Self::warn(name, format!("not checked: {needs} failed"), format!("fix {needs} first"))
    }
}

impl fmt::Display for Check {
    /// `ok    <name>: <detail>`, and for a warning or failure `      fix: <fix>` below it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<4}  {}: {}", self.outcome.label(), self.name, self.detail)?;
        match (&self.fix, self.outcome) {
            (Some(fix), Outcome::Warn | Outcome::Fail) => write!(f, "\n      fix: {fix}"),
            _ => Ok(()),
        }
    }
}

/// Every check of one run, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// Adds a check.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail).count()
    }

    /// Whether the named check passed.
    pub fn passed(&self, name: &str) -> bool {
        self.checks.iter().any(|c| c.name == name && c.outcome == Outcome::Ok)
    }

    /// `Ok` when nothing failed, else [`PreflightFailed`] (exit status 1 through
    /// [`exit`](crate::exit)).
    pub fn result(&self) -> Result<(), PreflightFailed> {
        match self.failures() {
            0 => Ok(()),
            failed => Err(PreflightFailed { failed, total: self.checks.len() }),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            writeln!(f, "{check}")?;
        }
        Ok(())
    }
}

/// Some preflight check failed (its line says which and what to do).
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} checks failed")]
pub struct PreflightFailed {
    /// Failed checks.
    pub failed: usize,
    /// Checks run.
    pub total: usize,
}

/// `L1 chain`: the L1 endpoint `rpc` (shown redacted) against the deployment file's chain id.
/// `served` is the endpoint's `eth_chainId`, or why it could not be read.
pub fn l1_chain(rpc: &str, served: Result<u64, String>, deployment: &Path, expected: u64) -> Check {
    const NAME: &str = "L1 chain";
    let rpc = vigil_types::redact::redact_url(rpc);
    let file = deployment.display();
    match served {
        Ok(id) if id == expected => {
            Check::ok(NAME, format!("{rpc} serves chain {id}, as {file} says"))
        }
        Ok(id) => Check::fail(
            NAME,
            format!("{rpc} serves chain {id} but {file} is for chain {expected}"),
            format!(
                "point chain.l1_rpc at a chain-{expected} node, or chain.deployment at the \
                 deployment file of chain {id}"
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{rpc} does not answer: {e}"),
            "start the L1 node or correct chain.l1_rpc",
        ),
    }
}

/// `deployment`: the deployment file could not be read.
pub fn deployment_unreadable(path: &Path, reason: &str) -> Check {
    Check::fail(
        "deployment",
        format!("cannot read {}: {reason}", path.display()),
        "point chain.deployment at the deployment file of the network you join \
         (config/deployments/<chain id>.json)",
    )
}

/// `ports`: each `(field, address)` can be listened on now; an empty address is disabled.
pub fn ports(addresses: &[(&str, &str)]) -> Check {
    const NAME: &str = "ports";
    let mut free = Vec::new();
    let mut busy = Vec::new();
    for (field, address) in addresses {
        if address.is_empty() {
            continue;
        }
        match TcpListener::bind(address) {
            Ok(_) => free.push(format!("{address} ({field})")),
            Err(e) => busy.push((field, address, e)),
        }
    }
    if busy.is_empty() {
        return if free.is_empty() {
            Check::ok(NAME, "no listen address configured")
        } else {
            Check::ok(NAME, format!("{} free", free.join(", ")))
        };
    }
    let detail: Vec<String> =
        busy.iter().map(|(field, address, e)| format!("{address} ({field}): {e}")).collect();
    let fields: Vec<&str> = busy.iter().map(|(field, ..)| **field).collect();
    Check::fail(
        NAME,
        format!("cannot listen on {}", detail.join("; ")),
        format!(
            "stop what listens there (is the service already running?) or change {}",
            fields.join(", ")
        ),
    )
}

/// `submitter key`: the V3 keystore of a service's submitting account (the `[<section>]`
/// fields `keystore`, `password_file`, `password_env`) decrypts. Returns the account too.
pub fn submitter_key(
    section: &str,
    keystore: &Path,
    password_file: Option<&Path>,
    password_env: &str,
) -> (Check, Option<PrivateKeySigner>) {
    const NAME: &str = "submitter key";
    let from = match password_file {
        Some(file) => format!("{section}.password_file ({})", file.display()),
        None => format!("${password_env}"),
    };
    let password = match password_file {
        Some(file) => Password::from_file(file),
        None => Password::from_env(password_env),
    };
    let opened = password.and_then(|pw| V3Keystore::from_file(keystore)?.decrypt(&pw));
    let file = keystore.display();
    let check = match &opened {
        Ok(signer) => Check::ok(NAME, format!("{file} decrypts (account {})", signer.address())),
        Err(KeystoreError::WrongPassword) => Check::fail(
            NAME,
            format!("{file} does not decrypt with the password from {from}: wrong password"),
            format!("put the password this keystore was created with in {from}"),
        ),
        Err(e @ KeystoreError::Password { .. }) => Check::fail(
            NAME,
            e.to_string(),
            format!(
                "set the password in {from}, or name another source ({section}.password_file, \
                 {section}.password_env)"
            ),
        ),
        Err(e @ KeystoreError::Io { .. }) => Check::fail(
            NAME,
            e.to_string(),
            format!("point {section}.keystore at the submitting account's V3 keystore"),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{file}: {e}"),
            "the keystore is damaged or not a V3 keystore: restore it from your backup",
        ),
    };
    (check, opened.ok())
}

/// Below this balance (0.01 ETH) a submitting account gets a warning.
const LOW_GAS_WEI: u128 = 10_000_000_000_000_000;

/// `submitter gas`: the submitting account can pay for its transactions. `balance` is its
/// balance on chain `chain_id`, or why it could not be read.
pub fn submitter_gas(account: Address, chain_id: u64, balance: Result<U256, String>) -> Check {
    const NAME: &str = "submitter gas";
    match balance {
        Err(e) => Check::fail(
            NAME,
            format!("cannot read the balance of {account}: {e}"),
            "check chain.l1_rpc",
        ),
        Ok(b) if b.is_zero() => Check::fail(
            NAME,
            format!("{account} has no ETH on chain {chain_id}: it cannot pay for transactions"),
            format!("send ETH for gas to {account}"),
        ),
        Ok(b) if b < U256::from(LOW_GAS_WEI) => Check::warn(
            NAME,
            format!("{account} has only {} ETH on chain {chain_id}", format_ether(b)),
            format!("send ETH for gas to {account}"),
        ),
        Ok(b) => {
            Check::ok(NAME, format!("{account} has {} ETH on chain {chain_id}", format_ether(b)))
        }
    }
}

/// What an aggregator answered to `GET /v1/domain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainAnswer {
    /// Its signing domain.
    Domain(SigningDomain),
    /// 404: an aggregator that does not publish it (an older version).
    NotPublished,
    /// No answer (why, without the URL).
    Unreachable(String),
    /// Something else (what).
    Other(String),
}

impl DomainAnswer {
    /// Asks the aggregator at `base` for its signing domain (`GET /v1/domain`).
    pub async fn fetch(http: &reqwest::Client, base: &str) -> Self {
        let url = format!("{}/v1/domain", base.trim_end_matches('/'));
        match http.get(url).send().await {
            Err(e) => Self::Unreachable(describe_http_error(&e)),
            Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => Self::NotPublished,
            Ok(r) => {
                let status = r.status();
                match r.json::<SigningDomain>().await {
                    Ok(d) if status.is_success() => Self::Domain(d),
                    _ => Self::Other(format!("{status}, not a signing domain")),
                }
            }
        }
    }
}

/// Why an HTTP request failed, without its URL (which may carry an API key).
pub fn describe_http_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused or unreachable".to_owned()
    } else if e.is_decode() || e.is_body() {
        "unreadable answer".to_owned()
    } else {
        "request failed".to_owned()
    }
}

fn show_domain(d: &SigningDomain) -> String {
    format!("chain {}, verifier {}, operator set {}", d.l1_chain_id, d.verifier, d.operator_set_id)
}

/// `<name>`: the aggregator at `url` (shown redacted, configured in `field`) is reachable and
/// aggregates for `ours`, the domain of this service's deployment file.
pub fn aggregator_domain(
    name: &str,
    url: &str,
    answer: DomainAnswer,
    ours: SigningDomain,
    field: &str,
) -> Check {
    let shown = vigil_types::redact::redact_url(url);
    match answer {
        DomainAnswer::Domain(theirs) if theirs == ours => Check::ok(
            name,
            format!("{shown} aggregates for this deployment ({})", show_domain(&ours)),
        ),
        DomainAnswer::Domain(theirs) => Check::fail(
            name,
            format!(
                "{shown} aggregates for another signing domain ({}); this deployment is {}",
                show_domain(&theirs),
                show_domain(&ours)
            ),
            format!(
                "point {field} at an aggregator of this deployment, or chain.deployment at the \
                 aggregator's deployment file"
            ),
        ),
        DomainAnswer::NotPublished => Check::warn(
            name,
            format!(
                "{shown} answers but does not publish its signing domain (GET /v1/domain: 404)"
            ),
            format!("upgrade the aggregator; until then make sure it runs {}", show_domain(&ours)),
        ),
        DomainAnswer::Unreachable(why) => Check::fail(
            name,
            format!("{shown} is unreachable: {why}"),
            format!("start the aggregator or correct {field}"),
        ),
        DomainAnswer::Other(what) => Check::fail(
            name,
            format!("{shown} answers GET /v1/domain with {what}"),
            format!("check that {field} names a Vigil aggregator's API base URL"),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_and_fixes() {
        let mut report = Report::default();
        report.push(Check::ok("L1 chain", "chain 1"));
        report.push(Check::fail("beacon #0", "down", "start it"));
        report.push(Check::warn("aggregator #0", "old", "upgrade it"));
        assert_eq!(
            report.to_string(),
            "ok    L1 chain: chain 1\n\
             FAIL  beacon #0: down\n      fix: start it\n\
             warn  aggregator #0: old\n      fix: upgrade it\n"
        );
        assert_eq!(report.failures(), 1);
        assert_eq!(report.result().unwrap_err().to_string(), "1 of 3 checks failed");
        assert!(report.passed("L1 chain") && !report.passed("beacon #0"));
        report.checks.remove(1);
        assert!(report.result().is_ok(), "warnings do not fail");
    }

    #[test]
    fn chain_ids() {
        let file = std::path::Path::new("deployments/1.json");
        let c = l1_chain("http://u:secret@node/KEY", Ok(31337), file, 1);
        assert_eq!(c.outcome, Outcome::Fail);
        assert!(c.detail.contains("serves chain 31337 but deployments/1.json is for chain 1"));
        assert!(!c.detail.contains("secret") && !c.detail.contains("KEY"), "{}", c.detail);
        assert_eq!(l1_chain("http://node", Ok(1), file, 1).outcome, Outcome::Ok);
    }

    #[test]
    fn busy_ports_fail() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let busy = taken.local_addr().unwrap().to_string();
        let c = ports(&[("api.address", &busy), ("metrics.address", "")]);
        assert_eq!(c.outcome, Outcome::Fail, "{c}");
        assert!(c.detail.contains(&busy) && c.fix.unwrap().contains("api.address"));
        drop(taken);
        assert_eq!(ports(&[("api.address", &busy)]).outcome, Outcome::Ok);
    }
}
