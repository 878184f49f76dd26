//! The gas table's whole-transaction half: receipt `gasUsed` (intrinsic gas and calldata
//! included) of Vigil's transactions on a real anvil (Osaka) with EigenLayer's real v1.3.0 core:
//! registration through the AllocationManager, `submitCertificate` with 0, 1, 10 and 50
//! non-signers, `submitBatchCertificate` for batches of R = 1, 10, 100 and 1,000 checkpoints with
//! 0 and 10 non-signers (and the amortised cost per checkpoint against one certificate per
//! checkpoint, same run), and evidence plus slash (`submitDoubleSign`,
//! `submitCertificateConflict`). Its last line is `amortised_gas_per_checkpoint_r100: X`.
//!
//! `cargo bench -p vigil-chain --bench gas` (or `contracts/script/gas-table.sh`, which also runs
//! the forge half: the call to `verifyCertificate` alone). Not a criterion benchmark: gas is
//! deterministic, so each figure is measured once. CI compiles it and does not run it.
//!
//! The set mirrors `contracts/test/VigilGas.t.sol`: 50 operators with 1 ether of stake (the
//! non-signers, so that 50 of them still leave the threshold met) and 4 with 100 ether.

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use eyre::{OptionExt, Result, WrapErr, eyre};
use vigil_chain::{
    CoreParams, Deployment, Deposit, RegistrationPlan, VigilParams, WAD, Waiting,
    bindings::{TestToken, VigilSlasher, VigilVerifier},
    checkpoint_for_slasher, checkpoint_sol, deploy_core, deploy_vigil, non_signer_bytes,
    register_operator, send, signing_provider,
};
use vigil_crypto::{PublicKey, SecretKey, Signature, aggregate_signatures};
use vigil_test_utils::{Anvil, AnvilConfig, anvil_mine};
use vigil_types::{Batch, BatchHeader, Checkpoint};

/// anvil's first dev account (public, well known): deploys and owns everything.
use vigil_test_utils::DEV_KEY;
/// Operators with 1 ether of stake: the non-signers.
const SMALL: usize = 50;
/// Operators with 100 ether of stake.
const BIG: usize = 4;
/// Non-signer counts of the table.
const NON_SIGNERS: [usize; 4] = [0, 1, 10, 50];
/// Checkpoints per batch in the table.
const BATCH_SIZES: [usize; 4] = [1, 10, 100, 1000];
/// Non-signer counts of the batch rows.
const BATCH_NON_SIGNERS: [usize; 2] = [0, 10];
/// EigenLayer's BLSSignatureChecker (its unit-test figures): the reference line.
const REFERENCE_BASE: u64 = 159_908;
/// The same, per non-signer.
const REFERENCE_PER_NON_SIGNER: u64 = 18_750;

struct Operator {
    address: Address,
    key: SecretKey,
}

struct Net {
    _anvil: Anvil,
    owner: DynProvider,
    deployment: Deployment,
    operators: Vec<Operator>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut rows: Vec<(String, u64)> = Vec::new();
    let net = setup(&mut rows).await?;
    let verifier = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());

    let mut certificates = Vec::new();
    for (i, &k) in NON_SIGNERS.iter().enumerate() {
        let cp = checkpoint(&net, 100 + i as u64, "block").await?;
        let cert = certificate(&net, &cp, k)?;
        let label = format!("submitCertificate, {k} non-signer{}", if k == 1 { "" } else { "s" });
        let receipt = send(label.clone(), verifier.submitCertificate(cert.clone())).await?;
        rows.push((label, receipt.gas_used));
        certificates.push((cp, cert));
    }

    // Batched certificates: one aggregate over the root of R checkpoints (VIGIL_BATCH_V1).
    for r in BATCH_SIZES {
        for k in BATCH_NON_SIGNERS {
            let batch = batch(&net, r, k).await?;
            let cert = batch_certificate(&net, batch.header(), k)?;
            let label = format!(
                "submitBatchCertificate, R = {r}, {k} non-signer{}",
                if k == 1 { "" } else { "s" }
            );
            let receipt = send(label.clone(), verifier.submitBatchCertificate(cert)).await?;
            rows.push((label, receipt.gas_used));
        }
    }

    // Double sign: the last operator signs two blocks at one height.
    let offender = net.operators.last().ok_or_eyre("no operators")?;
    let a = checkpoint(&net, 500, "honest").await?;
    let b = Checkpoint { l1_block: a.l1_block, ..checkpoint(&net, 500, "lie").await? };
    let slasher = VigilSlasher::new(net.deployment.vigil.slasher, net.owner.clone());
    let receipt = send(
        "submitDoubleSign",
        slasher.submitDoubleSign(
            offender.address,
            signed(&net, offender, &a),
            signed(&net, offender, &b),
        ),
    )
    .await?;
    rows.push(("submitDoubleSign + slashOperator".to_owned(), receipt.gas_used));

    // Certificate conflict: the recorded 1-non-signer certificate and a conflicting aggregate by
    // the same signers; another big operator is named.
    let (recorded, recorded_cert) =
        certificates.get(1).ok_or_eyre("no 1-non-signer certificate")?;
    let lie = Checkpoint { block_hash: keccak256("conflicting"), ..*recorded };
    let conflicting = certificate(&net, &lie, 1)?;
    let named = net.operators.get(SMALL).ok_or_eyre("no big operator")?;
    let receipt = send(
        "submitCertificateConflict",
        slasher.submitCertificateConflict(
            named.address,
            checkpoint_for_slasher(recorded),
            recorded_cert.nonSignerPubkeys.clone(),
            VigilSlasher::Aggregate {
                checkpoint: checkpoint_for_slasher(&lie),
                nonSignerPubkeys: conflicting.nonSignerPubkeys,
                signature: conflicting.signature,
            },
        ),
    )
    .await?;
    rows.push((
        "submitCertificateConflict + slashOperator, 1 non-signer each".to_owned(),
        receipt.gas_used,
    ));

    print_table(&rows);
    print_amortised(&rows);
    Ok(())
}

/// Deploys the core and Vigil and registers SMALL + BIG operators, recording the gas of the
/// first and last `registerForOperatorSets`.
async fn setup(rows: &mut Vec<(String, u64)>) -> Result<Net> {
    let anvil = Anvil::start(AnvilConfig::default()).await?;
    let owner_signer: PrivateKeySigner = DEV_KEY.parse()?;
    let owner = signing_provider(anvil.url(), owner_signer.clone());
    let core = deploy_core(&owner, owner_signer.address(), CoreParams::default()).await?;
    let deployment = deploy_vigil(&owner, &core, &VigilParams::default()).await?;
    let token = TestToken::new(core.token, owner.clone());
    let ether = U256::from(WAD);
    let mut operators = Vec::new();
    for i in 0..SMALL + BIG {
        let stake = if i < SMALL { ether } else { ether * U256::from(100u64) };
        // Deterministic addresses: calldata gas depends on their zero bytes.
        let signer = PrivateKeySigner::from_bytes(&keccak256(format!("vigil-gas-operator-{i}")))?;
        owner
            .raw_request::<_, serde_json::Value>(
                "anvil_setBalance".into(),
                (signer.address(), U256::from(10u64) * ether),
            )
            .await
            .wrap_err("anvil_setBalance")?;
        send("fund operator", token.transfer(signer.address(), stake)).await?;
        let mut ikm = [0x76u8; 32];
        for (byte, index) in ikm.iter_mut().zip((i as u64).to_le_bytes()) {
            *byte = index;
        }
        let key = SecretKey::from_ikm(&ikm)?;
        let p = signing_provider(anvil.url(), signer.clone());
        let mut plan = RegistrationPlan {
            deposit: Some(Deposit { strategy: core.strategy, amount: stake }),
            magnitude: WAD,
            metadata_uri: String::new(),
        };
        let mut report = register_operator(&p, &deployment, signer.address(), &key, &plan).await?;
        if let Some(Waiting::AllocationDelay { effect_block }) = report.waiting {
            let head = owner.get_block_number().await?;
            anvil_mine(&owner, effect_block.unwrap_or(head + 1).saturating_sub(head)).await?;
            plan.deposit = None;
            report = register_operator(&p, &deployment, signer.address(), &key, &plan).await?;
        }
        if !report.registered_for_set {
            return Err(eyre!("operator {i} was not registered"));
        }
        if i == 0 || i == SMALL + BIG - 1 {
            // anvil mines each transaction in its own block: the registration is the latest.
            let receipts = owner
                .get_block_receipts(BlockId::latest())
                .await?
                .ok_or_eyre("no receipts in the latest block")?;
            let receipt = receipts
                .iter()
                .find(|r| r.from == signer.address())
                .ok_or_eyre("registration receipt not in the latest block")?;
            let label = if i == 0 {
                "registerForOperatorSets, 1st operator (empty set)".to_owned()
            } else {
                format!("registerForOperatorSets, operator {} (set of {i})", i + 1)
            };
            rows.push((label, receipt.gas_used));
        }
        operators.push(Operator { address: signer.address(), key });
    }
    anvil_mine(&owner, 1).await?;
    Ok(Net { _anvil: anvil, owner, deployment, operators })
}

/// A checkpoint at the latest block but one (a certificate's l1Block must be in the past).
async fn checkpoint(net: &Net, height: u64, block: &str) -> Result<Checkpoint> {
    let latest = net.owner.get_block_number().await?;
    Ok(Checkpoint {
        rollup_id: 901,
        height,
        block_hash: keccak256(format!("{block}-{height}")),
        state_root: keccak256(format!("state-{block}-{height}")),
        da_commitment: B256::repeat_byte(0xda),
        l1_block: latest.checked_sub(1).ok_or_eyre("chain too short")?,
    })
}

/// A certificate on `cp` in which operators 0..k (the small ones) do not sign.
fn certificate(net: &Net, cp: &Checkpoint, k: usize) -> Result<VigilVerifier::Certificate> {
    let digest = cp.digest(&net.deployment.domain());
    let (non, signers) = net.operators.split_at(k);
    let sigs: Vec<Signature> = signers.iter().map(|o| o.key.sign(digest.as_slice())).collect();
    let aggregate = aggregate_signatures(&sigs)?;
    let non_signers: Vec<PublicKey> = non.iter().map(|o| o.key.public_key()).collect();
    Ok(VigilVerifier::Certificate {
        checkpoint: checkpoint_sol(cp),
        nonSignerPubkeys: non_signer_bytes(&non_signers),
        signature: Bytes::from(aggregate.to_eip2537().to_vec()),
    })
}

/// A batch of `r` checkpoints over 10 rollups (heights from `100·k`, so every row's root
/// differs), all derived from the latest L1 block but one.
async fn batch(net: &Net, r: usize, k: usize) -> Result<Batch> {
    let latest = net.owner.get_block_number().await?;
    let l1_block = latest.checked_sub(1).ok_or_eyre("chain too short")?;
    let cps = (0..r as u64)
        .map(|i| Checkpoint {
            rollup_id: 10_000 + i % 10,
            height: 100 * k as u64 + i / 10,
            block_hash: keccak256(format!("batch-{r}-{k}-{i}")),
            state_root: keccak256(format!("batch-state-{r}-{k}-{i}")),
            da_commitment: B256::repeat_byte(0xda),
            l1_block,
        })
        .collect();
    Ok(Batch::new(cps, l1_block, l1_block)?)
}

/// A batch certificate on `header` in which operators 0..k (the small ones) do not sign.
fn batch_certificate(
    net: &Net,
    header: &BatchHeader,
    k: usize,
) -> Result<VigilVerifier::BatchCertificate> {
    let digest = header.digest(&net.deployment.domain());
    let (non, signers) = net.operators.split_at(k);
    let sigs: Vec<Signature> = signers.iter().map(|o| o.key.sign(digest.as_slice())).collect();
    let aggregate = aggregate_signatures(&sigs)?;
    let non_signers: Vec<PublicKey> = non.iter().map(|o| o.key.public_key()).collect();
    Ok(VigilVerifier::BatchCertificate {
        header: VigilVerifier::BatchHeader {
            root: header.root,
            leafCount: header.leaf_count,
            fromL1Block: header.from_l1_block,
            toL1Block: header.to_l1_block,
        },
        nonSignerPubkeys: non_signer_bytes(&non_signers),
        signature: Bytes::from(aggregate.to_eip2537().to_vec()),
    })
}

fn signed(net: &Net, op: &Operator, cp: &Checkpoint) -> VigilSlasher::SignedCheckpoint {
    let sig = op.key.sign(cp.digest(&net.deployment.domain()).as_slice());
    VigilSlasher::SignedCheckpoint {
        checkpoint: checkpoint_for_slasher(cp),
        signature: Bytes::from(sig.to_eip2537().to_vec()),
    }
}

fn print_table(rows: &[(String, u64)]) {
    println!();
    println!("Whole transactions on anvil (osaka), receipt gasUsed, EigenLayer v1.3.0 core:");
    println!();
    println!("| transaction | gas |");
    println!("| --- | ---: |");
    for (what, gas) in rows {
        println!("| `{what}` | {} |", thousands(*gas));
    }
    let submit = |k: usize| {
        rows.iter()
            .find(|(w, _)| *w == format!("submitCertificate, {k} non-signers"))
            .map(|(_, g)| *g)
    };
    let single = submit(0);
    let batched = |r: usize| {
        rows.iter()
            .find(|(w, _)| *w == format!("submitBatchCertificate, R = {r}, 0 non-signers"))
            .map(|(_, g)| *g)
    };
    if let Some(single) = single {
        println!();
        println!("Batched certificates, amortised per certified checkpoint (0 non-signers):");
        println!();
        println!("| R | whole transaction | per checkpoint | vs one certificate per checkpoint |");
        println!("| ---: | ---: | ---: | ---: |");
        for r in BATCH_SIZES {
            if let Some(g) = batched(r) {
                let per = g / r as u64;
                println!(
                    "| {r} | {} | {} | {:.4} (vs {}) |",
                    thousands(g),
                    thousands(per),
                    per as f64 / single as f64,
                    thousands(single)
                );
            }
        }
    }
    if let (Some(g0), Some(g50)) = (submit(0), submit(50)) {
        let per = g50.saturating_sub(g0) / 50;
        println!();
        println!(
            "submitCertificate per non-signer (whole transaction, calldata included): {} gas \
             ({:.2}x EigenLayer's {} per non-signer, which excludes calldata)",
            thousands(per),
            per as f64 / REFERENCE_PER_NON_SIGNER as f64,
            thousands(REFERENCE_PER_NON_SIGNER)
        );
        println!(
            "(reference for verification alone: {} gas with 0 non-signers)",
            thousands(REFERENCE_BASE)
        );
    }
}

/// The figure the gas table ends with (then `contracts/script/gas-table.sh` adds the inclusion
/// check, which forge measures).
fn print_amortised(rows: &[(String, u64)]) {
    let r100 = rows
        .iter()
        .find(|(w, _)| w == "submitBatchCertificate, R = 100, 0 non-signers")
        .map(|(_, g)| *g);
    if let Some(g) = r100 {
        println!();
        println!("amortised_gas_per_checkpoint_r100: {}", g / 100);
    }
}

/// 1234567 -> "1,234,567".
fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
