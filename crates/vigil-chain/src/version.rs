//! Which EigenLayer release a chain runs, found with plain `eth_call`s, and what that means for
//! Vigil: before v1.9 the AVS appoints its slasher in the PermissionController; from v1.9 each
//! operator set names its slasher in the AllocationManager (`testdata/eigenlayer/CHANGES.md`).
//!
//! A function that a release lacks reverts with empty data (no contract has a fallback), which
//! is told apart from an RPC failure: the first is an answer, the second a typed error.

use std::fmt;

use alloy::{
    primitives::{Address, Bytes},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
    transports::RpcError,
};

use crate::{
    Error, Result,
    bindings::{
        eigenlayer::AllocationManager,
        eigenlayer_v1_9::{IAllocationManagerV19, IProtocolRegistry},
    },
};

const TARGET: &str = "vigil::chain::version";

/// An EigenLayer release, as far as Vigil's paths differ between releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EigenLayerVersion {
    /// Before v1.9 (the local chain runs v1.3.0): the AllocationManager reports its release
    /// through `version()`, and `slashOperator` may be called by the AVS or by its
    /// PermissionController appointee for that selector.
    BeforeV1_9 {
        /// What `version()` answered, e.g. `v1.3.0`.
        version: String,
    },
    /// v1.9.0-rc.0 (Sepolia and Hoodi): each operator set has one slasher (`getSlasher`), but
    /// there is no `SLASHER_CONFIGURATION_DELAY()`; a slasher change waits
    /// `ALLOCATION_CONFIGURATION_DELAY` + 1 blocks.
    V1_9Rc0 {
        /// The ProtocolRegistry's version, when its address was given.
        version: Option<String>,
    },
    /// v1.9.0 or later (mainnet runs v1.12.0): as rc.0, plus `SLASHER_CONFIGURATION_DELAY()`.
    V1_9OrLater {
        /// The ProtocolRegistry's version, when its address was given.
        version: Option<String>,
    },
}

/// Who may call `slashOperator` for an operator set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlasherModel {
    /// The AVS or its PermissionController appointee for (AllocationManager, `slashOperator`).
    PermissionControllerAppointee,
    /// Only the set's slasher, named when the set is created (`CreateSetParamsV2`) and changed
    /// with `updateSlasher`.
    PerOperatorSet,
}

impl EigenLayerVersion {
    /// The release a published version tag (`v1.3.0`, `v1.9.0-rc.0`, `v1.12.0`: the
    /// `eigenlayerVersion` of a [`crate::Network`]) belongs to; `None` if `tag` is not a version.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let (major, minor, patch, pre) = parse_semver(tag)?;
        Some(match (major, minor) {
            (0, _) | (1, 0..=8) => Self::BeforeV1_9 { version: tag.to_owned() },
            (1, 9) if patch == 0 && pre.is_some_and(|p| p.starts_with("rc")) => {
                Self::V1_9Rc0 { version: Some(tag.to_owned()) }
            }
            _ => Self::V1_9OrLater { version: Some(tag.to_owned()) },
        })
    }

    /// Who may slash.
    pub fn slasher_model(&self) -> SlasherModel {
        match self {
            Self::BeforeV1_9 { .. } => SlasherModel::PermissionControllerAppointee,
            Self::V1_9Rc0 { .. } | Self::V1_9OrLater { .. } => SlasherModel::PerOperatorSet,
        }
    }

    /// Whether `slashOperator` returns `(uint256 slashId, uint256[] shares)` (v1.5.0 on); before
    /// that it returns nothing. An unparseable pre-v1.9 version counts as v1.3.0.
    pub fn slash_returns_data(&self) -> bool {
        match self {
            Self::BeforeV1_9 { version } => {
                parse_semver(version).is_some_and(|(major, minor, ..)| (major, minor) >= (1, 5))
            }
            Self::V1_9Rc0 { .. } | Self::V1_9OrLater { .. } => true,
        }
    }

    /// Whether the AllocationManager has `SLASHER_CONFIGURATION_DELAY()` (v1.9.0 on).
    pub fn has_slasher_configuration_delay(&self) -> bool {
        matches!(self, Self::V1_9OrLater { .. })
    }

    /// The version string, when one is known.
    pub fn version(&self) -> Option<&str> {
        match self {
            Self::BeforeV1_9 { version } => Some(version),
            Self::V1_9Rc0 { version } | Self::V1_9OrLater { version } => version.as_deref(),
        }
    }

    /// One line for logs and `status` output: the release and the slashing path Vigil takes.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for EigenLayerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let returns = if self.slash_returns_data() {
            "slashOperator returns (slashId, shares)"
        } else {
            "slashOperator returns nothing"
        };
        match self {
            Self::BeforeV1_9 { version } => write!(
                f,
                "EigenLayer {version}: slasher appointed through the PermissionController; {returns}"
            ),
            Self::V1_9Rc0 { version } => write!(
                f,
                "EigenLayer {}: operator set created with its slasher; {returns}; \
                 slasher changes wait ALLOCATION_CONFIGURATION_DELAY",
                version.as_deref().unwrap_or("v1.9.0-rc.0")
            ),
            Self::V1_9OrLater { version } => match version {
                Some(version) => write!(
                    f,
                    "EigenLayer {version} (v1.9+): operator set created with its slasher; {returns}"
                ),
                None => {
                    write!(f, "EigenLayer v1.9+: operator set created with its slasher; {returns}")
                }
            },
        }
    }
}

/// Finds the EigenLayer release behind `allocation_manager` (a proxy address). See
/// [`detect_eigenlayer_with`]; this one knows no ProtocolRegistry address (none is published).
pub async fn detect_eigenlayer<P: Provider>(
    provider: &P,
    allocation_manager: Address,
) -> Result<EigenLayerVersion> {
    detect_eigenlayer_with(provider, allocation_manager, None).await
}

/// Finds the EigenLayer release behind `allocation_manager`, asking in this order:
///
/// 1. the ProtocolRegistry's `version()`, if its address is known (v1.9.0-rc.0+; it only labels
///    the result, the AllocationManager decides it);
/// 2. the AllocationManager's `version()`: present before v1.9 → [`EigenLayerVersion::BeforeV1_9`];
/// 3. `SLASHER_CONFIGURATION_DELAY()`: present from v1.9.0 → [`EigenLayerVersion::V1_9OrLater`];
/// 4. `getSlasher((0, 0))`: present from v1.9.0-rc.0 → [`EigenLayerVersion::V1_9Rc0`].
///
/// Errors: [`Error::NoContract`] if there is no code at `allocation_manager`,
/// [`Error::UnrecognisedEigenLayer`] if it answers none of 2–4, and [`Error::Call`] if the RPC
/// fails or a call reverts with data (not the empty revert of a missing function).
pub async fn detect_eigenlayer_with<P: Provider>(
    provider: &P,
    allocation_manager: Address,
    protocol_registry: Option<Address>,
) -> Result<EigenLayerVersion> {
    let code = provider
        .get_code_at(allocation_manager)
        .await
        .map_err(|e| Error::call("eth_getCode(AllocationManager)", e))?;
    if code.is_empty() {
        return Err(Error::NoContract { address: allocation_manager });
    }

    let registry_version = match protocol_registry {
        Some(registry) => {
            match probe::<_, IProtocolRegistry::versionCall>(
                provider,
                registry,
                IProtocolRegistry::versionCall {},
                "ProtocolRegistry.version",
            )
            .await?
            {
                Some(version) => Some(version),
                None => {
                    tracing::warn!(target: TARGET, %registry, "the ProtocolRegistry has no version(); ignoring it");
                    None
                }
            }
        }
        None => None,
    };

    let detected = if let Some(version) = probe::<_, AllocationManager::versionCall>(
        provider,
        allocation_manager,
        AllocationManager::versionCall {},
        "AllocationManager.version",
    )
    .await?
    {
        EigenLayerVersion::BeforeV1_9 { version }
    } else if probe::<_, IAllocationManagerV19::SLASHER_CONFIGURATION_DELAYCall>(
        provider,
        allocation_manager,
        IAllocationManagerV19::SLASHER_CONFIGURATION_DELAYCall {},
        "AllocationManager.SLASHER_CONFIGURATION_DELAY",
    )
    .await?
    .is_some()
    {
        EigenLayerVersion::V1_9OrLater { version: registry_version }
    } else if probe::<_, IAllocationManagerV19::getSlasherCall>(
        provider,
        allocation_manager,
        IAllocationManagerV19::getSlasherCall {
            operatorSet: IAllocationManagerV19::OperatorSet { avs: Address::ZERO, id: 0 },
        },
        "AllocationManager.getSlasher",
    )
    .await?
    .is_some()
    {
        EigenLayerVersion::V1_9Rc0 { version: registry_version }
    } else {
        return Err(Error::UnrecognisedEigenLayer {
            address: allocation_manager,
            reason: "it has code but none of version(), SLASHER_CONFIGURATION_DELAY() or \
                     getSlasher((address,uint32))"
                .to_owned(),
        });
    };
    tracing::debug!(target: TARGET, %allocation_manager, version = %detected, "detected EigenLayer");
    Ok(detected)
}

/// Calls `call` on `to`: `Some(decoded)` if the function answered, `None` if it is absent
/// (reverted with empty data, or returned nothing), an error if the RPC failed, the call
/// reverted with data, or the answer does not decode.
async fn probe<P: Provider, C: SolCall>(
    provider: &P,
    to: Address,
    call: C,
    what: &'static str,
) -> Result<Option<C::Return>> {
    let request = TransactionRequest::default().to(to).input(call.abi_encode().into());
    let output = match provider.call(request).await {
        Ok(output) => output,
        Err(RpcError::ErrorResp(payload)) if is_revert(&payload.message, payload.code) => {
            let data = payload
                .as_revert_data()
                .or_else(|| payload.try_data_as::<Bytes>().and_then(|data| data.ok()))
                .unwrap_or_default();
            if data.is_empty() {
                tracing::debug!(target: TARGET, %to, what, "absent (empty revert)");
                return Ok(None);
            }
            return Err(Error::Call {
                what: what.to_owned(),
                reason: payload.to_string(),
                revert: Some(data),
            });
        }
        Err(e) => return Err(Error::call(what, e)),
    };
    if output.is_empty() {
        return Ok(None);
    }
    C::abi_decode_returns(&output).map(Some).map_err(|e| Error::UnrecognisedEigenLayer {
        address: to,
        reason: format!("{what} answered {output} which does not decode: {e}"),
    })
}

/// Whether a JSON-RPC error is an execution revert (geth: code 3 with data, or -32000 "execution
/// reverted" without; other clients word it differently).
fn is_revert(message: &str, code: i64) -> bool {
    code == 3 || message.to_ascii_lowercase().contains("revert")
}

/// `(major, minor, patch, pre-release)` of `v1.9.0-rc.0` / `1.12.0`.
fn parse_semver(tag: &str) -> Option<(u64, u64, u64, Option<&str>)> {
    let tag = tag.trim().trim_start_matches('v');
    let (core, pre) = match tag.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (tag, None),
    };
    let mut parts = core.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().transpose().ok()?.unwrap_or(0);
    Some((major, minor, patch, pre))
}

/// Detects EigenLayer behind `allocation_manager` and logs which path Vigil takes with it
/// (`target` names the service). Informational: a failure is logged, not returned.
pub async fn log_eigenlayer<P: Provider>(provider: &P, allocation_manager: Address, target: &str) {
    match detect_eigenlayer(provider, allocation_manager).await {
        Ok(version) => {
            tracing::info!(target: "vigil::eigenlayer", service = target, eigenlayer = %version.describe(), "EigenLayer detected");
        }
        Err(err) => {
            tracing::warn!(target: "vigil::eigenlayer", service = target, %err, "cannot tell EigenLayer's version");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_releases() {
        let cases = [
            ("v1.3.0", SlasherModel::PermissionControllerAppointee, false, false),
            ("v1.5.0", SlasherModel::PermissionControllerAppointee, true, false),
            ("v1.8.1", SlasherModel::PermissionControllerAppointee, true, false),
            ("v1.9.0-rc.0", SlasherModel::PerOperatorSet, true, false),
            ("v1.9.0", SlasherModel::PerOperatorSet, true, true),
            ("1.12.0", SlasherModel::PerOperatorSet, true, true),
        ];
        for (tag, model, returns, delay) in cases {
            let v = EigenLayerVersion::from_tag(tag).unwrap();
            assert_eq!(v.slasher_model(), model, "{tag}");
            assert_eq!(v.slash_returns_data(), returns, "{tag}");
            assert_eq!(v.has_slasher_configuration_delay(), delay, "{tag}");
            assert_eq!(v.version(), Some(tag));
        }
        assert!(matches!(
            EigenLayerVersion::from_tag("v1.9.0-rc.0"),
            Some(EigenLayerVersion::V1_9Rc0 { .. })
        ));
        assert_eq!(EigenLayerVersion::from_tag("latest"), None);
    }

    #[test]
    fn descriptions_name_the_slashing_path() {
        let v13 = EigenLayerVersion::BeforeV1_9 { version: "v1.3.0".into() };
        assert_eq!(
            v13.describe(),
            "EigenLayer v1.3.0: slasher appointed through the PermissionController; \
             slashOperator returns nothing"
        );
        let v19 = EigenLayerVersion::V1_9OrLater { version: None };
        assert_eq!(
            v19.describe(),
            "EigenLayer v1.9+: operator set created with its slasher; \
             slashOperator returns (slashId, shares)"
        );
        let rc = EigenLayerVersion::V1_9Rc0 { version: None };
        assert!(
            rc.describe()
                .starts_with("EigenLayer v1.9.0-rc.0: operator set created with its slasher")
        );
    }
}
