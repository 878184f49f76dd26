//! Joining and leaving Vigil's operator set through EigenLayer, with reverts turned into advice.

use std::time::{Duration, Instant};

use vigil_chain::{
    Deployment, Deposit, RegistrationPlan, RegistrationReport, Waiting, signing_provider,
};

use crate::{Error, OperatorConfig, Result, keys::OperatorKeys};

fn url(config: &OperatorConfig) -> Result<alloy::transports::http::reqwest::Url> {
    config.chain.l1_rpc.parse().map_err(|e| {
        let url = vigil_types::redact::redact_url(&config.chain.l1_rpc);
        Error::Config(format!("chain.l1_rpc {url:?}: {e}"))
    })
}

fn deployment(config: &OperatorConfig) -> Result<Deployment> {
    Deployment::read(&config.chain.deployment).map_err(|e| Error::Config(e.to_string()))
}

/// Runs every registration step for the operator (each skipped when already done): become an
/// EigenLayer operator (publishing `registration.operator_metadata_uri`), deposit `deposit` if
/// asked, allocate `registration.magnitude_wad` to Vigil's operator set, and register the BLS key
/// with its proof of possession.
///
/// When a step must wait for a future block (EigenLayer's allocation configuration delay), waits
/// for it by polling the chain if it comes within `wait`, telling `progress` so; otherwise returns
/// with [`RegistrationReport::waiting`] set, and running it again later resumes.
pub async fn register(
    config: &OperatorConfig,
    keys: &OperatorKeys,
    deposit: Option<Deposit>,
    wait: Duration,
    progress: &dyn Fn(String),
) -> Result<RegistrationReport> {
    let deployment = deployment(config)?;
    let provider = signing_provider(url(config)?, keys.ecdsa.clone());
    let mut plan = RegistrationPlan {
        deposit,
        magnitude: config.registration.magnitude_wad,
        metadata_uri: config.registration.operator_metadata_uri.clone(),
    };
    let started = Instant::now();
    let mut total = RegistrationReport::default();
    loop {
        let report = vigil_chain::register_operator(
            &provider,
            &deployment,
            keys.address(),
            &keys.bls,
            &plan,
        )
        .await
        .map_err(chain_error)?;
        total.registered_as_operator |= report.registered_as_operator;
        total.deposited |= report.deposited;
        total.allocated |= report.allocated;
        total.registered_for_set |= report.registered_for_set;
        total.pending_allocations = report.pending_allocations;
        total.waiting = report.waiting;
        if report.deposited {
            plan.deposit = None;
        }
        let Some(Waiting::AllocationDelay { effect_block }) = report.waiting else {
            return Ok(total);
        };
        let left = wait.saturating_sub(started.elapsed());
        let poll = Duration::from_secs(1).min(left.max(Duration::from_millis(100)));
        match effect_block {
            Some(block) => {
                let eta =
                    vigil_chain::seconds_until(&provider, block).await.map_err(chain_error)?;
                if Duration::from_secs(eta) > left {
                    return Ok(total);
                }
                progress(format!(
                    "waiting for block {block} (about {eta} s): EigenLayer activates the allocation delay then"
                ));
                if !vigil_chain::wait_for_block(&provider, block, poll, left)
                    .await
                    .map_err(chain_error)?
                {
                    return Ok(total);
                }
            }
            None if left.is_zero() => return Ok(total),
            None => tokio::time::sleep(poll).await,
        }
    }
}

/// Estimated seconds until L1 block `block` (0 if it is there), from the chain's recent block
/// time: what `register` and `status` print next to an effect block.
pub async fn seconds_until(config: &OperatorConfig, block: u64) -> Result<u64> {
    let timeout = Duration::from_millis(config.node.rpc_timeout_ms.max(1));
    let provider = vigil_chain::http_provider(url(config)?, timeout);
    vigil_chain::seconds_until(&provider, block).await.map_err(chain_error)
}

/// `about 2 h 05 min`, `about 40 s`: a duration for people.
#[allow(clippy::cast_precision_loss)] // days to one decimal
pub fn human_duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("about {seconds} s"),
        60..3600 => format!("about {} min", seconds.div_ceil(60)),
        3600..172_800 => format!("about {} h {:02} min", seconds / 3600, (seconds % 3600) / 60),
        _ => format!("about {:.1} days", seconds as f64 / 86_400.0),
    }
}

/// Leaves Vigil's operator set. Returns `false` if the operator was not a member.
pub async fn deregister(config: &OperatorConfig, keys: &OperatorKeys) -> Result<bool> {
    let deployment = deployment(config)?;
    let provider = signing_provider(url(config)?, keys.ecdsa.clone());
    vigil_chain::deregister_operator(&provider, &deployment, keys.address())
        .await
        .map_err(chain_error)
}

/// Wraps a chain error with advice for the reverts an operator can fix.
pub(crate) fn chain_error(err: vigil_chain::Error) -> Error {
    let advice = err.revert_data().and_then(|data| advice(data)).map(str::to_owned).or_else(|| {
        let text = err.to_string();
        text.contains("nsufficient funds")
            .then_some("fund the operator address with ETH to pay for gas".to_owned())
    });
    let (step, reason) = match &err {
        vigil_chain::Error::Call { what, reason, .. } => (what.clone(), reason.clone()),
        other => ("chain".to_owned(), other.to_string()),
    };
    let reason = err.revert_data().and_then(|d| error_name(d)).unwrap_or(reason);
    Error::Chain { step, reason, advice }
}

/// Custom errors registration can hit, by Solidity signature (EigenLayer v1.3.0 and Vigil's
/// registrar).
const KNOWN_ERRORS: &[&str] = &[
    "InvalidProofOfPossession()",
    "KeyAlreadyRegistered(bytes32,address)",
    "OperatorKeyMismatch(bytes32,bytes32)",
    "IdentityKey()",
    "InvalidRegistrationData()",
    "AlreadyRegistered(address)",
    "InsufficientMagnitude()",
    "UninitializedAllocationDelay()",
    "InvalidOperator()",
    "InvalidOperatorSet()",
    "AlreadyMemberOfSet()",
    "NotMemberOfSet()",
    "ActivelyDelegated()",
    "CurrentlyPaused()",
    "ModificationAlreadyPending()",
    "SameMagnitude()",
    "InvalidCaller()",
];

/// The name of a known custom error from its revert data.
fn error_name(data: &[u8]) -> Option<String> {
    let selector = data.get(..4)?;
    KNOWN_ERRORS
        .iter()
        .find(|sig| alloy::primitives::keccak256(sig.as_bytes()).get(..4) == Some(selector))
        .map(|sig| sig.split('(').next().unwrap_or(sig).to_owned())
}

/// What to do about a revert, by error name.
fn advice(data: &[u8]) -> Option<&'static str> {
    Some(match error_name(data)?.as_str() {
        "InvalidProofOfPossession" => {
            "the registrar refused the BLS proof of possession: check that keys.bls_keystore is \
             the key you mean and that chain.deployment names this chain's verifier"
        }
        "KeyAlreadyRegistered" => {
            "this BLS key is registered to another operator: generate a new key \
             (`vigil-operator keys generate --kind bls`)"
        }
        "OperatorKeyMismatch" => {
            "this operator registered a different BLS key before; keys are fixed per operator: \
             configure that key in keys.bls_keystore"
        }
        "IdentityKey" | "InvalidRegistrationData" => {
            "the BLS key in keys.bls_keystore is not usable: generate a new one"
        }
        "InsufficientMagnitude" => {
            "not enough unallocated stake: deallocate from other operator sets or lower \
             registration.magnitude_wad"
        }
        "UninitializedAllocationDelay" => {
            "your allocation delay is not active yet: wait a few blocks after registerAsOperator \
             and run `register` again"
        }
        "InvalidOperator" => "the address is not an EigenLayer operator yet: run `register` again",
        "InvalidOperatorSet" => "chain.deployment names an operator set that does not exist here",
        "AlreadyMemberOfSet" => "already registered: nothing to do",
        "ActivelyDelegated" => {
            "this address is delegated to another operator: undelegate it in EigenLayer first"
        }
        "CurrentlyPaused" => "EigenLayer has paused this action: try again when it is unpaused",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revert(sig: &str) -> vigil_chain::Error {
        let mut data = alloy::primitives::keccak256(sig.as_bytes())[..4].to_vec();
        data.extend_from_slice(&[0u8; 64]);
        vigil_chain::Error::Call {
            what: "registerForOperatorSets".into(),
            reason: "execution reverted".into(),
            revert: Some(data.into()),
        }
    }

    #[test]
    fn known_reverts_get_names_and_advice() {
        for (sig, needle) in [
            ("InvalidProofOfPossession()", "proof of possession"),
            ("KeyAlreadyRegistered(bytes32,address)", "another operator"),
            ("InsufficientMagnitude()", "magnitude_wad"),
            ("UninitializedAllocationDelay()", "wait"),
        ] {
            let Error::Chain { step, reason, advice } = chain_error(revert(sig)) else {
                panic!("chain error expected")
            };
            assert_eq!(step, "registerForOperatorSets");
            assert_eq!(reason, sig.split('(').next().unwrap());
            assert!(advice.unwrap().contains(needle), "{sig}");
        }
    }

    #[test]
    fn unknown_reverts_keep_the_node_message() {
        let Error::Chain { reason, advice, .. } = chain_error(revert("Unheard()")) else {
            panic!("chain error expected")
        };
        assert_eq!(reason, "execution reverted");
        assert!(advice.is_none());
        let gas = vigil_chain::Error::Call {
            what: "x".into(),
            reason: "Insufficient funds for gas".into(),
            revert: None,
        };
        let Error::Chain { advice, .. } = chain_error(gas) else { panic!() };
        assert!(advice.unwrap().contains("ETH"));
    }
}

#[cfg(test)]
mod duration_tests {
    use super::human_duration;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(0), "about 0 s");
        assert_eq!(human_duration(59), "about 59 s");
        assert_eq!(human_duration(61), "about 2 min");
        assert_eq!(human_duration(7_500), "about 2 h 05 min");
        // Mainnet's allocation configuration delay: 126,000 blocks of 12 s.
        assert_eq!(human_duration(126_000 * 12), "about 17.5 days");
    }
}
