//! The veto committee's side of a devnet with a veto window: the devnet holds the committee's
//! key (`keys/committee.json`) and vetoes a queued slash exactly as a committee member would,
//! by running `vigil-veto` with that keystore and the devnet's password file. What the slasher
//! made of it is read back from its API, its metrics and the chain
//! ([`check_veto_outcome`]).

use std::path::PathBuf;

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};
use serde::Deserialize;
use vigil_chain::{SlashStatus, bindings::VigilSlasher};
use vigil_test_utils::prometheus::sample;

use crate::{Error, Result, layout::Layout, procs::binary, setup::COMMITTEE, watch::Listed};

/// The veto committee, as the devnet holds it.
#[derive(Clone, Debug)]
pub struct Committee {
    keystore: PathBuf,
    password_file: PathBuf,
    deployment: PathBuf,
    l1_rpc: String,
}

/// A veto `vigil-veto` landed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vetoed {
    /// The on-chain offence id.
    pub offence_id: B256,
    /// The veto's transaction.
    pub tx: B256,
    /// The block that mined it.
    pub block: u64,
}

impl Committee {
    /// The committee of the devnet in `layout`, vetoing through the L1 at `l1_rpc`; `None` if
    /// the devnet was provisioned without a veto window (no committee keystore).
    pub fn of(layout: &Layout, l1_rpc: &str) -> Option<Self> {
        let keystore = layout.account_keystore(COMMITTEE);
        keystore.exists().then(|| Self {
            keystore,
            password_file: layout.password(),
            deployment: layout.deployment(),
            l1_rpc: l1_rpc.to_owned(),
        })
    }

    /// Vetoes the queued slash of `operator`'s offence at `(rollup, height)` with `vigil-veto`.
    /// Its refusal (nothing queued yet, window closed) or failure comes back as the error.
    pub async fn veto(&self, operator: Address, rollup: u64, height: u64) -> Result<Vetoed> {
        let name = "vigil-veto";
        let out = tokio::process::Command::new(binary(name))
            .arg("--deployment")
            .arg(&self.deployment)
            .args(["--l1-rpc", &self.l1_rpc, "--keystore"])
            .arg(&self.keystore)
            .arg("--password-file")
            .arg(&self.password_file)
            .arg(format!("{operator}:{rollup}:{height}"))
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|e| Error::Process {
                name: name.into(),
                reason: format!("cannot run {name}: {e}"),
            })?;
        if !out.status.success() {
            return Err(Error::Process {
                name: name.into(),
                reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| Error::Process {
            name: name.into(),
            reason: format!(
                "unreadable answer {:?}: {e}",
                String::from_utf8_lossy(&out.stdout).trim()
            ),
        })
    }
}

/// The slasher contract's veto window, in blocks (0: none).
pub async fn window<P: Provider>(provider: &P, slasher: Address) -> Result<u32> {
    VigilSlasher::new(slasher, provider)
        .vetoWindow()
        .call()
        .await
        .map_err(Error::chain("VigilSlasher.vetoWindow"))
}

/// `vigil_slasher_submissions_total` by outcome, as the slasher's metrics endpoint at
/// `metrics_url` exports it (0 for an outcome it does not list).
pub async fn submission_counts(metrics_url: &str) -> Result<SubmissionCounts> {
    let text = reqwest::get(metrics_url)
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(Error::chain("read the slasher's metrics"))?
        .text()
        .await
        .map_err(Error::chain("read the slasher's metrics"))?;
    Ok(SubmissionCounts::parse(&text))
}

/// How the slasher's looks at offences ended, counted (`vigil_slasher_submissions_total`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubmissionCounts {
    /// Slashes found queued behind the window.
    pub queued: f64,
    /// Slashes found vetoed.
    pub vetoed: f64,
    /// Slashes executed.
    pub slashed: f64,
}

impl SubmissionCounts {
    /// Reads the counters from Prometheus text.
    pub fn parse(text: &str) -> Self {
        let value = |outcome: &str| {
            let series = "vigil_slasher_submissions_total";
            sample(text, series, &[("outcome", outcome)]).unwrap_or(0.0)
        };
        Self { queued: value("queued"), vetoed: value("vetoed"), slashed: value("slashed") }
    }
}

impl std::fmt::Display for SubmissionCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "queued {}, vetoed {}, slashed {}", self.queued, self.vetoed, self.slashed)
    }
}

/// Checks, once the run is over, that the veto and the execution each happened exactly as
/// meant, in all three places: the slasher's API lists the `vetoed` height's offence as
/// `vetoed` and the `executed` one as `slashed`; the contract records them as vetoed and
/// executed; the slasher's metrics counted two queued slashes, a veto and an execution.
/// `operator` is the offender's address and `pubkey` its BLS key as the API shows it.
#[allow(clippy::too_many_arguments)]
pub async fn check_veto_outcome<P: Provider>(
    provider: &P,
    slasher: Address,
    listed: &[Listed],
    counts: SubmissionCounts,
    operator: Address,
    pubkey: &str,
    rollup: u64,
    vetoed: u64,
    executed: u64,
) -> Result<()> {
    for (height, want, status) in
        [(vetoed, "vetoed", SlashStatus::Vetoed), (executed, "slashed", SlashStatus::Executed)]
    {
        let found: Vec<&Listed> =
            listed.iter().filter(|o| o.height == Some(height) && o.is_by(pubkey)).collect();
        if found.len() != 1 || found.first().map(|o| o.state.as_str()) != Some(want) {
            return Err(Error::Check(format!(
                "the slasher's API lists {found:?} for height {height}, expected one offence {want}"
            )));
        }
        let id = vigil_chain::offence_id(operator, rollup, height);
        let record = VigilSlasher::new(slasher, provider)
            .slashes(id)
            .call()
            .await
            .map_err(Error::chain("VigilSlasher.slashes"))?;
        let got = SlashStatus::from_code(record.status);
        if got != status {
            return Err(Error::Check(format!(
                "the contract's slash status of height {height} is {got}, expected {status}"
            )));
        }
    }
    if counts.queued < 2.0 || counts.vetoed < 1.0 || counts.slashed < 1.0 {
        return Err(Error::Check(format!(
            "the slasher's metrics count {counts}: expected at least 2 queued, 1 vetoed, 1 slashed"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_from_prometheus_text() {
        let text = "# HELP vigil_slasher_submissions_total x\n\
                    vigil_slasher_submissions_total{outcome=\"queued\"} 2\n\
                    vigil_slasher_submissions_total{outcome=\"vetoed\"} 1\n\
                    vigil_slasher_submissions_total{outcome=\"failed\"} 7\n";
        let c = SubmissionCounts::parse(text);
        assert_eq!(c, SubmissionCounts { queued: 2.0, vetoed: 1.0, slashed: 0.0 });
        assert_eq!(c.to_string(), "queued 2, vetoed 1, slashed 0");
    }
}
