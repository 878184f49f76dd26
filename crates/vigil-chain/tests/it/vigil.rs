//! Vigil on the real EigenLayer core: registration, certificates, equivocation slashing.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    CoreParams, Deployment, Deposit, RegistrationPlan, VigilParams, WAD, Waiting,
    bindings::{
        ProxyAdmin, TestToken, VigilBatchRoots, VigilServiceManager, VigilSlasher, VigilVerifier,
        eigenlayer::{AllocationManager, IAllocationManagerTypes},
    },
    checkpoint_for_slasher, checkpoint_sol, deploy_core, deploy_vigil, non_signer_bytes,
    register_operator, seconds_until, send,
};
use vigil_crypto::{SecretKey, Signature, aggregate_signatures};
use vigil_test_utils::anvil_mine;
use vigil_types::Checkpoint;

use crate::{DEV_KEY, anvil, provider};

struct Net {
    _anvil: vigil_test_utils::Anvil,
    owner: DynProvider,
    deployment: Deployment,
    operators: Vec<(Address, SecretKey)>,
    stake: U256,
}

async fn setup() -> Net {
    let anvil = anvil().await;
    let owner_signer: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let owner = provider(&anvil, DEV_KEY);
    let core = deploy_core(&owner, owner_signer.address(), CoreParams::default()).await.unwrap();
    let deployment = deploy_vigil(&owner, &core, &VigilParams::default()).await.unwrap();
    let stake = U256::from(100u64) * U256::from(WAD);
    let token = TestToken::new(core.token, owner.clone());
    let mut operators = vec![];
    for i in 0..4u8 {
        let signer = PrivateKeySigner::random();
        let key = signer.to_bytes().to_string();
        owner
            .raw_request::<_, serde_json::Value>(
                "anvil_setBalance".into(),
                (signer.address(), U256::from(10u64) * U256::from(WAD)),
            )
            .await
            .unwrap();
        send("fund operator", token.transfer(signer.address(), stake)).await.unwrap();
        let bls = SecretKey::from_ikm(&[i + 1; 32]).unwrap();
        let p = provider(&anvil, &key);
        let metadata_uri = format!("https://operator-{i}.invalid/metadata.json");
        let plan = RegistrationPlan { deposit: None, magnitude: WAD, metadata_uri };
        // The first run registers and stops: the allocation delay is not active until
        // ALLOCATION_CONFIGURATION_DELAY + 1 blocks later.
        let first =
            register_operator(&p, &deployment, signer.address(), &bls, &plan).await.unwrap();
        assert!(first.registered_as_operator && !first.deposited, "{first:?}");
        assert!(!first.allocated && !first.registered_for_set, "{first:?}");
        let Some(Waiting::AllocationDelay { effect_block: Some(effect) }) = first.waiting else {
            panic!("expected to wait for the allocation delay: {first:?}");
        };
        let head = owner.get_block_number().await.unwrap();
        assert_eq!(effect, head + u64::from(core.params.allocation_configuration_delay) + 1);
        assert!(seconds_until(&owner, effect).await.unwrap() > 0);
        // Run again too early: still waiting, nothing sent.
        let early =
            register_operator(&p, &deployment, signer.address(), &bls, &plan).await.unwrap();
        assert_eq!(early.waiting, Some(Waiting::AllocationDelay { effect_block: None }));
        assert!(!early.registered_as_operator && !early.allocated, "{early:?}");
        anvil_mine(&owner, effect - head).await.unwrap();
        // Then: deposit, allocate, register.
        let with_deposit = RegistrationPlan {
            deposit: Some(Deposit { strategy: core.strategy, amount: stake }),
            ..plan.clone()
        };
        let report = register_operator(&p, &deployment, signer.address(), &bls, &with_deposit)
            .await
            .unwrap();
        assert!(!report.registered_as_operator && report.deposited, "{report:?}");
        assert!(
            report.allocated && report.registered_for_set && report.is_complete(),
            "{report:?}"
        );
        assert!(report.pending_allocations.is_empty(), "delay 0: effective at once");
        // Running it again skips every step already done.
        let again =
            register_operator(&p, &deployment, signer.address(), &bls, &plan).await.unwrap();
        assert!(!again.registered_as_operator && !again.allocated && !again.registered_for_set);
        assert!(again.is_complete());
        operators.push((signer.address(), bls));
    }
    anvil_mine(&owner, 1).await.unwrap();
    Net { _anvil: anvil, owner, deployment, operators, stake }
}

async fn checkpoint(net: &Net, height: u64, block: &str) -> Checkpoint {
    // Strictly before the latest block: calls execute at the latest block number.
    let l1_block = net.owner.get_block_number().await.unwrap() - 1;
    Checkpoint {
        rollup_id: 901,
        height,
        block_hash: alloy::primitives::keccak256(block),
        state_root: alloy::primitives::keccak256(format!("state-{block}")),
        da_commitment: B256::repeat_byte(0xda),
        l1_block,
    }
}

fn certificate(net: &Net, cp: &Checkpoint, signers: &[usize]) -> VigilVerifier::Certificate {
    let digest = cp.digest(&net.deployment.domain());
    let sigs: Vec<Signature> =
        signers.iter().map(|&i| net.operators[i].1.sign(digest.as_slice())).collect();
    let agg = aggregate_signatures(&sigs).unwrap();
    let non_signers: Vec<_> = (0..net.operators.len())
        .filter(|i| !signers.contains(i))
        .map(|i| net.operators[i].1.public_key())
        .collect();
    VigilVerifier::Certificate {
        checkpoint: checkpoint_sol(cp),
        nonSignerPubkeys: non_signer_bytes(&non_signers),
        signature: Bytes::from(agg.to_eip2537().to_vec()),
    }
}

fn revert_selector(err: &vigil_chain::Error) -> String {
    err.to_string()
}

#[tokio::test]
async fn register_certify_and_slash_on_real_eigenlayer() {
    let net = setup().await;
    let verifier = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());

    // The deployment attached its batch roots: the verifier names them, they name the verifier,
    // and they mirror the default threshold.
    let roots = VigilBatchRoots::new(net.deployment.vigil.batch_roots, net.owner.clone());
    assert_ne!(net.deployment.vigil.batch_roots, Address::ZERO);
    assert_eq!(verifier.batchRoots().call().await.unwrap(), net.deployment.vigil.batch_roots);
    assert_eq!(roots.verifier().call().await.unwrap(), net.deployment.vigil.verifier);
    assert_eq!(roots.thresholds().call().await.unwrap().defaultBps, 6667);

    // The contract's digest is vigil-types' digest.
    let cp = checkpoint(&net, 1000, "block-1000").await;
    let onchain = verifier.checkpointDigest(checkpoint_sol(&cp)).call().await.unwrap();
    assert_eq!(onchain, cp.digest(&net.deployment.domain()));

    // Each operator's weight is its slashable stake; four equal operators.
    let (_, total) = verifier
        .setStateAt(cp.l1_block as u32)
        .call()
        .await
        .map(|r| (r.apk, r.totalWeight))
        .unwrap();
    assert_eq!(U256::from(total), net.stake * U256::from(4u64));

    // Two of four signers do not certify (2/4 < 66.67%).
    let two = certificate(&net, &cp, &[0, 1]);
    let Err(err) = verifier.verifyCertificate(two.clone()).call().await else {
        panic!("2-of-4 must not verify")
    };
    let decoded = err
        .as_decoded_error::<VigilVerifier::InsufficientStake>()
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(U256::from(decoded.signedWeight), net.stake * U256::from(2u64));
    let err = send("submit 2-of-4", verifier.submitCertificate(two)).await.unwrap_err();
    assert!(revert_selector(&err).contains("submit 2-of-4"));
    assert!(!verifier.isCertified(checkpoint_sol(&cp)).call().await.unwrap());

    // Three of four certify.
    let three = certificate(&net, &cp, &[0, 1, 2]);
    let receipt = send("submit 3-of-4", verifier.submitCertificate(three.clone())).await.unwrap();
    println!("submitCertificate with 1 non-signer: {} gas", receipt.gas_used);
    assert!(verifier.isCertified(checkpoint_sol(&cp)).call().await.unwrap());
    let stake = verifier.certifiedStake(checkpoint_sol(&cp)).call().await.unwrap();
    assert_eq!(U256::from(stake.signedWeight), net.stake * U256::from(3u64));
    // The same certificate again is a no-op.
    let again = verifier.submitCertificate(three).call().await.unwrap();
    assert!(!again);

    // Operator 3 (the non-signer) signs a conflicting block for the same height: evidence.
    let (offender, ref offender_key) = net.operators[3];
    let fork = Checkpoint { l1_block: cp.l1_block, ..checkpoint(&net, 1000, "fork-1000").await };
    let sign = |c: &Checkpoint| {
        let sig = offender_key.sign(c.digest(&net.deployment.domain()).as_slice());
        VigilSlasher::SignedCheckpoint {
            checkpoint: checkpoint_for_slasher(c),
            signature: Bytes::from(sig.to_eip2537().to_vec()),
        }
    };
    let slasher = VigilSlasher::new(net.deployment.vigil.slasher, net.owner.clone());
    let am =
        AllocationManager::new(net.deployment.eigenlayer.allocation_manager, net.owner.clone());
    let strategy = net.deployment.eigenlayer.strategy;
    let before = am.getMaxMagnitude(offender, strategy).call().await.unwrap();
    assert_eq!(before, WAD);
    let receipt =
        send("double-sign evidence", slasher.submitDoubleSign(offender, sign(&cp), sign(&fork)))
            .await
            .unwrap();
    println!("submitDoubleSign + slashOperator: {} gas", receipt.gas_used);
    let after = am.getMaxMagnitude(offender, strategy).call().await.unwrap();
    assert_eq!(after, WAD - WAD / 20, "5% slashed");
    assert!(slasher.isPunished(offender, cp.rollup_id, cp.height).call().await.unwrap());

    // The same offence again, even with the evidence reversed, does not slash twice.
    assert!(
        send("again", slasher.submitDoubleSign(offender, sign(&fork), sign(&cp))).await.is_err()
    );
    assert_eq!(am.getMaxMagnitude(offender, strategy).call().await.unwrap(), after);

    // Honest operators are untouched.
    for (op, _) in &net.operators[..3] {
        assert_eq!(am.getMaxMagnitude(*op, strategy).call().await.unwrap(), WAD);
    }
    // Re-signing the same block with another daCommitment is not evidence.
    let mut same_block = cp;
    same_block.da_commitment = B256::ZERO;
    let op0 = &net.operators[0];
    let s = |c: &Checkpoint| VigilSlasher::SignedCheckpoint {
        checkpoint: checkpoint_for_slasher(c),
        signature: Bytes::from(
            op0.1.sign(c.digest(&net.deployment.domain()).as_slice()).to_eip2537().to_vec(),
        ),
    };
    assert!(
        send("not a conflict", slasher.submitDoubleSign(op0.0, s(&cp), s(&same_block)))
            .await
            .is_err()
    );
    let _ = IAllocationManagerTypes::Allocation::default();
}

/// Vigil's contracts are proxies under one ProxyAdmin the owner holds, and a parameter changes only
/// through the timelock: queued, visible with its eta, refused before it, applied after it.
#[tokio::test]
async fn parameters_change_only_through_the_timelock() {
    let anvil = anvil().await;
    let owner_signer: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let owner = provider(&anvil, DEV_KEY);
    let core = deploy_core(&owner, owner_signer.address(), CoreParams::default()).await.unwrap();
    let params = VigilParams { governance_delay: 3600, ..VigilParams::default() };
    let deployment = deploy_vigil(&owner, &core, &params).await.unwrap();
    let vigil = deployment.vigil;

    let admin = ProxyAdmin::new(vigil.proxy_admin, owner.clone());
    assert_eq!(admin.owner().call().await.unwrap(), owner_signer.address());
    for proxy in [vigil.service_manager, vigil.verifier, vigil.slasher] {
        assert_eq!(admin.getProxyAdmin(proxy).call().await.unwrap(), vigil.proxy_admin);
        let implementation = admin.getProxyImplementation(proxy).call().await.unwrap();
        assert_ne!(implementation, proxy);
    }

    let verifier = VigilVerifier::new(vigil.verifier, owner.clone());
    assert_eq!(verifier.owner().call().await.unwrap(), owner_signer.address());
    assert_eq!(verifier.governanceDelay().call().await.unwrap(), 3600);
    assert_eq!(verifier.defaultThresholdBps().call().await.unwrap(), 6667);

    send("queue threshold", verifier.queueDefaultThreshold(8000)).await.unwrap();
    let pending = verifier.pendingDefaultThreshold().call().await.unwrap();
    assert_eq!(pending.bps, 8000);
    let now =
        owner.get_block(alloy::eips::BlockId::latest()).await.unwrap().unwrap().header.timestamp;
    assert_eq!(pending.eta, now + 3600);
    let Err(err) = verifier.applyDefaultThreshold().call().await else {
        panic!("applied before its eta")
    };
    assert!(err.as_decoded_error::<VigilVerifier::ChangeNotReady>().is_some(), "{err}");

    // Test only: anvil's clock moves past the delay.
    owner.raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (3600u64,)).await.unwrap();
    anvil_mine(&owner, 1).await.unwrap();
    send("apply threshold", verifier.applyDefaultThreshold()).await.unwrap();
    assert_eq!(verifier.defaultThresholdBps().call().await.unwrap(), 8000);
    assert_eq!(verifier.pendingDefaultThreshold().call().await.unwrap().eta, 0);

    // The slasher and the service manager expose their pending changes the same way.
    let slasher = VigilSlasher::new(vigil.slasher, owner.clone());
    send("queue veto", slasher.queueVetoConfig(Address::repeat_byte(0xc0), 10)).await.unwrap();
    let veto = slasher.pendingVetoConfig().call().await.unwrap();
    assert_eq!((veto.committee, veto.windowBlocks), (Address::repeat_byte(0xc0), 10));
    assert!(veto.eta > now);
    let sm = VigilServiceManager::new(vigil.service_manager, owner.clone());
    assert_eq!(sm.slasher().call().await.unwrap(), vigil.slasher);
    assert_eq!(sm.pendingSlasher().call().await.unwrap().eta, 0);
}

/// Deployment files written before the proxies (no `proxyAdmin`) still read.
#[test]
fn a_deployment_names_its_network_instead_of_eigenlayers_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hoodi.json");
    let vigil = serde_json::json!({
        "proxyAdmin": Address::repeat_byte(4), "serviceManager": Address::repeat_byte(1),
        "verifier": Address::repeat_byte(2), "slasher": Address::repeat_byte(3), "operatorSetId": 0,
    });
    let write = |v: serde_json::Value| std::fs::write(&file, v.to_string()).unwrap();
    write(serde_json::json!({"network": "hoodi", "strategy": "WETH Strategy", "vigil": vigil}));
    let d = Deployment::read(&file).unwrap();
    let hoodi = vigil_chain::Network::by_name("hoodi").unwrap();
    assert_eq!(d.chain_id, 560_048);
    assert_eq!(d.eigenlayer.allocation_manager, hoodi.eigenlayer.allocation_manager);
    assert_eq!(d.eigenlayer.delegation_manager, hoodi.eigenlayer.delegation_manager);
    assert_eq!(d.eigenlayer.permission_controller, hoodi.eigenlayer.permission_controller);
    assert_eq!(Some(d.eigenlayer.strategy), hoodi.strategy("WETH Strategy"));
    assert_eq!(d.vigil.verifier, Address::repeat_byte(2));
    assert_eq!(d.domain().l1_chain_id, 560_048);

    // Refused: another chain's id, an unknown strategy, an unknown network, both forms at once.
    let refused = |v: serde_json::Value| {
        write(v);
        Deployment::read(&file).unwrap_err().to_string()
    };
    let e = refused(
        serde_json::json!({"network": "hoodi", "chainId": 1, "strategy": "WETH Strategy", "vigil": vigil}),
    );
    assert!(e.contains("not hoodi's (560048)"), "{e}");
    let e = refused(serde_json::json!({"network": "hoodi", "strategy": "DOGE", "vigil": vigil}));
    assert!(e.contains("no strategy \"DOGE\"") && e.contains("WETH Strategy"), "{e}");
    let e = refused(serde_json::json!({"network": "goerli", "strategy": "x", "vigil": vigil}));
    assert!(e.contains("hoodi") && e.contains("mainnet") && e.contains("sepolia"), "{e}");
    let e = refused(
        serde_json::json!({"network": "hoodi", "strategy": "WETH Strategy", "vigil": vigil, "eigenlayer": {}}),
    );
    assert!(e.contains("not both"), "{e}");
}

#[test]
fn deployment_without_proxy_admin_reads() {
    let zero = Address::ZERO;
    let json = serde_json::json!({
        "serviceManager": zero, "verifier": Address::repeat_byte(1), "slasher": zero,
        "operatorSetId": 0,
    });
    let contracts: vigil_chain::VigilContracts = serde_json::from_value(json).unwrap();
    assert_eq!(contracts.proxy_admin, Address::ZERO);
    assert_eq!(contracts.verifier, Address::repeat_byte(1));
    let params: VigilParams = serde_json::from_value(serde_json::json!({})).unwrap();
    assert_eq!(params.governance_delay, vigil_chain::DEFAULT_GOVERNANCE_DELAY);
}
