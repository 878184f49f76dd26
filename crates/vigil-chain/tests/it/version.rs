//! EigenLayer release detection: the real v1.3.0 core, stand-ins that answer exactly what
//! v1.9.0-rc.0 and v1.9.0+ answer to the probes, an address without code, and failing RPCs.

use std::time::Duration;

use alloy::{
    primitives::{Address, Bytes, address},
    providers::Provider,
    signers::local::PrivateKeySigner,
    sol_types::{Revert, SolCall, SolError, SolValue},
};
use vigil_chain::{
    CoreParams, EIGENLAYER_VERSION, EigenLayerVersion, Error, SlasherModel,
    bindings::eigenlayer_v1_9::{IAllocationManagerV19, IProtocolRegistry},
    deploy_core, detect_eigenlayer, detect_eigenlayer_with, http_provider,
};

use crate::{DEV_KEY, anvil, provider};

#[tokio::test]
async fn real_v1_3_0_core_is_detected_as_permission_controller_slashing() {
    let anvil = anvil().await;
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let p = provider(&anvil, DEV_KEY);
    let core = deploy_core(&p, owner.address(), CoreParams::default()).await.unwrap();

    let v = detect_eigenlayer(&p, core.allocation_manager).await.unwrap();
    assert_eq!(v, EigenLayerVersion::BeforeV1_9 { version: EIGENLAYER_VERSION.to_owned() });
    assert_eq!(v.slasher_model(), SlasherModel::PermissionControllerAppointee);
    assert!(!v.slash_returns_data());
    assert_eq!(
        v.describe(),
        "EigenLayer v1.3.0: slasher appointed through the PermissionController; \
         slashOperator returns nothing"
    );
    // A contract that is not an AllocationManager (the staking token) answers none of the
    // probes: refused, not guessed.
    let err = detect_eigenlayer(&p, core.token).await.unwrap_err();
    assert!(matches!(err, Error::UnrecognisedEigenLayer { .. }), "{err}");
}

/// Runtime code that answers each selector with fixed return data and reverts with empty data
/// otherwise, like a Solidity contract without a fallback.
fn stub(answers: &[([u8; 4], Vec<u8>)]) -> Bytes {
    const HEADER: usize = 6; // PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR
    const DISPATCH: usize = 11; // DUP1 PUSH4 sel EQ PUSH2 dest JUMPI
    const FALLBACK: usize = 5; // POP PUSH1 0 DUP1 REVERT
    const BRANCH: usize = 16; // JUMPDEST PUSH2 len PUSH2 off PUSH1 0 CODECOPY PUSH2 len PUSH1 0 RETURN
    let n = answers.len();
    let branches = HEADER + DISPATCH * n + FALLBACK;
    let mut data_at = branches + BRANCH * n;
    let be = |x: usize| u16::try_from(x).unwrap().to_be_bytes();
    let mut code = vec![0x60, 0x00, 0x35, 0x60, 0xe0, 0x1c];
    for (i, (selector, _)) in answers.iter().enumerate() {
        code.extend([0x80, 0x63]);
        code.extend(selector);
        code.extend([0x14, 0x61]);
        code.extend(be(branches + BRANCH * i));
        code.push(0x57);
    }
    code.extend([0x50, 0x60, 0x00, 0x80, 0xfd]);
    for (_, data) in answers {
        code.push(0x5b);
        code.push(0x61);
        code.extend(be(data.len()));
        code.push(0x61);
        code.extend(be(data_at));
        code.extend([0x60, 0x00, 0x39, 0x61]);
        code.extend(be(data.len()));
        code.extend([0x60, 0x00, 0xf3]);
        data_at += data.len();
    }
    for (_, data) in answers {
        code.extend(data);
    }
    code.into()
}

async fn set_code<P: Provider>(p: &P, at: Address, code: Bytes) {
    p.raw_request::<_, serde_json::Value>("anvil_setCode".into(), (at, code)).await.unwrap();
}

#[tokio::test]
async fn v1_9_releases_are_told_apart_by_their_views() {
    let anvil = anvil().await;
    let p = provider(&anvil, DEV_KEY);
    let get_slasher = (IAllocationManagerV19::getSlasherCall::SELECTOR, Address::ZERO.abi_encode());
    let delay =
        (IAllocationManagerV19::SLASHER_CONFIGURATION_DELAYCall::SELECTOR, 126_000u32.abi_encode());
    // What the real v1.9.0-rc.0 and v1.9.0 AllocationManagers answer to the probes:
    // no version(), getSlasher() from rc.0, SLASHER_CONFIGURATION_DELAY() from v1.9.0.
    let rc0 = address!("0x00000000000000000000000000000000000019c0");
    let v190 = address!("0x0000000000000000000000000000000000001900");
    let registry = address!("0x0000000000000000000000000000000000000e1f");
    set_code(&p, rc0, stub(std::slice::from_ref(&get_slasher))).await;
    set_code(&p, v190, stub(&[get_slasher, delay])).await;
    set_code(
        &p,
        registry,
        stub(&[(IProtocolRegistry::versionCall::SELECTOR, "v1.12.0".to_owned().abi_encode())]),
    )
    .await;

    let v = detect_eigenlayer(&p, rc0).await.unwrap();
    assert_eq!(v, EigenLayerVersion::V1_9Rc0 { version: None });
    assert_eq!(v.slasher_model(), SlasherModel::PerOperatorSet);
    assert!(v.slash_returns_data() && !v.has_slasher_configuration_delay());

    let v = detect_eigenlayer(&p, v190).await.unwrap();
    assert_eq!(v, EigenLayerVersion::V1_9OrLater { version: None });
    assert_eq!(
        v.describe(),
        "EigenLayer v1.9+: operator set created with its slasher; \
         slashOperator returns (slashId, shares)"
    );
    // With a ProtocolRegistry, its version labels the result.
    let v = detect_eigenlayer_with(&p, v190, Some(registry)).await.unwrap();
    assert_eq!(v, EigenLayerVersion::V1_9OrLater { version: Some("v1.12.0".into()) });
    assert!(v.describe().starts_with("EigenLayer v1.12.0 (v1.9+): operator set created"));
    // A registry address without the function is ignored, not fatal.
    let v = detect_eigenlayer_with(&p, v190, Some(rc0)).await.unwrap();
    assert_eq!(v, EigenLayerVersion::V1_9OrLater { version: None });
}

#[tokio::test]
async fn absent_contracts_and_reverts_with_data_are_not_absent_functions() {
    let anvil = anvil().await;
    let p = provider(&anvil, DEV_KEY);
    // Nothing deployed there: a typed error, not "every function absent".
    let empty = address!("0x000000000000000000000000000000000000dEaD");
    let err = detect_eigenlayer(&p, empty).await.unwrap_err();
    assert!(matches!(err, Error::NoContract { address } if address == empty), "{err}");

    // A contract that reverts with data (here: Error("paused")) to everything has the
    // function; that is an error to report, not a version to guess.
    let reverting = address!("0x0000000000000000000000000000000000000bad");
    let reason = Revert { reason: "paused".into() }.abi_encode();
    // PUSH len PUSH off PUSH 0 CODECOPY PUSH len PUSH 0 REVERT, then the data.
    let len = u8::try_from(reason.len()).unwrap();
    let mut code = vec![0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xfd];
    code.extend(&reason);
    set_code(&p, reverting, code.into()).await;
    match detect_eigenlayer(&p, reverting).await.unwrap_err() {
        Error::Call { what, revert: Some(data), .. } => {
            assert_eq!(what, "AllocationManager.version");
            assert_eq!(data.as_ref(), reason.as_slice());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rpc_failures_are_errors_not_absent_functions() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead =
        http_provider(format!("http://127.0.0.1:{port}").parse().unwrap(), Duration::from_secs(5));
    let err = detect_eigenlayer(&dead, Address::repeat_byte(1)).await.unwrap_err();
    assert!(matches!(err, Error::Call { revert: None, .. }), "{err}");

    // A node that answers every request with a JSON-RPC error that is not a revert (a rate
    // limit): eth_getCode answers, the first call fails: an error, not "version() absent".
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                // Read headers and body (requests are small).
                loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&got);
                let body = if text.contains("eth_getCode") {
                    r#"{"jsonrpc":"2.0","id":0,"result":"0x6000"}"#.to_owned()
                } else {
                    r#"{"jsonrpc":"2.0","id":0,"error":{"code":-32005,"message":"request limit reached"}}"#
                        .to_owned()
                };
                // Echo the request id.
                let id = text
                    .split("\"id\":")
                    .nth(1)
                    .and_then(|s| s.split([',', '}']).next())
                    .unwrap_or("0")
                    .trim()
                    .to_owned();
                let body = body.replace("\"id\":0", &format!("\"id\":{id}"));
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    let limited = http_provider(url.parse().unwrap(), Duration::from_secs(5));
    match detect_eigenlayer(&limited, Address::repeat_byte(1)).await.unwrap_err() {
        Error::Call { what, reason, revert: None } => {
            assert_eq!(what, "AllocationManager.version");
            assert!(reason.contains("request limit"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}
