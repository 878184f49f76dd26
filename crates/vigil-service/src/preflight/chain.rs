//! The chain checks the services' preflights share (`vigil-operator doctor`,
//! `vigil-aggregator check`, `vigil-slasher check`; lines as [`crate::preflight`] prints
//! them): the deployment file, the L1 against it, a deployed contract, a submitting account's key
//! and gas.

use std::{path::Path, time::Duration};

use crate::{
    preflight::{self, Check, Outcome, Report},
    sections::SubmitterKey,
};
use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
};
use vigil_types::redact::redact_url;

use vigil_chain::Deployment;

/// `deployment`: reads the deployment file (a line either way).
pub fn read_deployment(path: &Path, report: &mut Report) -> Option<Deployment> {
    match Deployment::read(path) {
        Ok(d) => {
            report.push(Check::ok(
                "deployment",
                format!(
                    "{}: chain {}, verifier {}, operator set {}",
                    path.display(),
                    d.chain_id,
                    d.vigil.verifier,
                    d.vigil.operator_set_id
                ),
            ));
            Some(d)
        }
        Err(e) => {
            report.push(preflight::deployment_unreadable(path, &e.to_string()));
            None
        }
    }
}

/// `L1 chain`: `rpc` (the `chain.l1_rpc` field) serves the deployment's chain. Returns a
/// provider for it (requests time out after `timeout`) only then, so that nothing is read from
/// the contracts of another chain.
pub async fn l1_chain(
    rpc: &str,
    deployment_file: &Path,
    deployment: Option<&Deployment>,
    timeout: Duration,
    report: &mut Report,
) -> Option<DynProvider> {
    let provider = match rpc.parse() {
        Ok(url) => vigil_chain::http_provider(url, timeout),
        Err(e) => {
            report.push(Check::fail(
                "L1 chain",
                format!("chain.l1_rpc {:?} is not a URL: {e}", redact_url(rpc)),
                "set chain.l1_rpc to your L1 node's HTTP JSON-RPC URL",
            ));
            return None;
        }
    };
    let Some(d) = deployment else {
        report.push(Check::skipped("L1 chain", "deployment"));
        return None;
    };
    let served = provider.get_chain_id().await.map_err(|e| e.to_string());
    let check = preflight::l1_chain(rpc, served, deployment_file, d.chain_id);
    let ok = check.outcome == Outcome::Ok;
    report.push(check);
    ok.then_some(provider)
}

/// `<name>`: the deployment's contract at `address` has code on the L1.
pub async fn contract(
    l1: &DynProvider,
    name: &str,
    address: Address,
    deployment_file: &Path,
) -> Check {
    match l1.get_code_at(address).await {
        Ok(code) if !code.is_empty() => {
            Check::ok(name, format!("{address} has code ({} bytes)", code.len()))
        }
        Ok(_) => Check::fail(
            name,
            format!("no contract at {address} on this chain"),
            format!(
                "{} is not this chain's deployment: point chain.deployment at the right file",
                deployment_file.display()
            ),
        ),
        Err(e) => Check::fail(
            name,
            format!("cannot read the code at {address}: {e}"),
            "check chain.l1_rpc",
        ),
    }
}

/// `submitter key` and `submitter gas`: the `[submitter]` keystore decrypts with its password
/// source, and then (on an L1 that serves the `deployment`'s chain) its account has ETH.
pub async fn submitter(
    key: SubmitterKey<'_>,
    l1: Option<&DynProvider>,
    deployment: Option<&Deployment>,
    report: &mut Report,
) {
    let (check, signer) =
        preflight::submitter_key("submitter", key.keystore, key.password_file, key.password_env);
    report.push(check);
    let chain_id = deployment.map_or(0, |d| d.chain_id);
    report.push(submitter_gas(l1, chain_id, signer.map(|s| s.address())).await);
}

/// `submitter gas` for `account` (when its keystore opened) on the L1 (when it serves the
/// deployment's chain `chain_id`).
pub async fn submitter_gas(
    l1: Option<&DynProvider>,
    chain_id: u64,
    account: Option<Address>,
) -> Check {
    match (l1, account) {
        (Some(l1), Some(account)) => preflight::submitter_gas(
            account,
            chain_id,
            l1.get_balance(account).await.map_err(|e| e.to_string()),
        ),
        (_, None) => Check::skipped("submitter gas", "submitter key"),
        (None, _) => Check::skipped("submitter gas", "L1 chain"),
    }
}
