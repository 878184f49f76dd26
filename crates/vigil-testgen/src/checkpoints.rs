//! `testdata/checkpoints.json`: the vector file Rust and Solidity are both tested against.

use alloy_primitives::{Address, B256, keccak256};
use eyre::Result;
use serde_json::{Value, json};
use vigil_crypto::SecretKey;
use vigil_types::{Checkpoint, SigningDomain, da_commitment, pop_message};

fn h(tag: &str) -> B256 {
    keccak256(tag.as_bytes())
}

fn key(seed: u8) -> SecretKey {
    // Fixed IKM: the file must be reproducible byte for byte.
    SecretKey::from_ikm(&[seed; 32]).unwrap_or_else(|_| unreachable!("32-byte IKM"))
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn domain_json(d: &SigningDomain) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

/// The named checkpoints: ordinary ones, each field at its edges, and pairs for the conflict
/// table.
fn checkpoints() -> Vec<(&'static str, SigningDomain, Checkpoint)> {
    let local = SigningDomain {
        l1_chain_id: 31337,
        verifier: Address::repeat_byte(0x5f),
        operator_set_id: 0,
    };
    let mainnet =
        SigningDomain { l1_chain_id: 1, verifier: Address::from([0xde; 20]), operator_set_id: 7 };
    let max_domain = SigningDomain {
        l1_chain_id: u64::MAX,
        verifier: Address::repeat_byte(0xff),
        operator_set_id: u32::MAX,
    };
    let base = Checkpoint {
        rollup_id: 901,
        height: 1000,
        block_hash: h("block-1000"),
        state_root: h("state-1000"),
        da_commitment: da_commitment(&[h("blob-a"), h("blob-b")]),
        l1_block: 77,
    };
    let with = |f: &dyn Fn(&mut Checkpoint)| {
        let mut c = base;
        f(&mut c);
        c
    };
    vec![
        ("base", local, base), // 0
        ("same block, other daCommitment", local, with(&|c| c.da_commitment = h("other-da"))), // 1
        ("same block, other l1Block", local, with(&|c| c.l1_block = 78)), // 2
        ("other blockHash", local, with(&|c| c.block_hash = h("fork-1000"))), // 3
        ("other stateRoot", local, with(&|c| c.state_root = h("fork-state"))), // 4
        (
            "other blockHash and stateRoot",
            local,
            with(&|c| {
                c.block_hash = h("fork-1000");
                c.state_root = h("fork-state");
            }),
        ), // 5
        (
            "next height",
            local,
            with(&|c| {
                c.height = 1001;
                c.block_hash = h("block-1001");
            }),
        ), // 6
        (
            "other rollup, same height",
            local,
            with(&|c| {
                c.rollup_id = 902;
                c.block_hash = h("fork-1000");
            }),
        ), // 7
        ("mainnet domain", mainnet, base), // 8
        (
            "all zero",
            local,
            Checkpoint {
                rollup_id: 0,
                height: 0,
                block_hash: B256::ZERO,
                state_root: B256::ZERO,
                da_commitment: B256::ZERO,
                l1_block: 0,
            },
        ), // 9
        (
            "all max",
            max_domain,
            Checkpoint {
                rollup_id: u64::MAX,
                height: u64::MAX,
                block_hash: B256::repeat_byte(0xff),
                state_root: B256::repeat_byte(0xff),
                da_commitment: B256::repeat_byte(0xff),
                l1_block: u64::MAX,
            },
        ), // 10
        ("height at u32 boundary", local, with(&|c| c.height = u64::from(u32::MAX) + 1)), // 11
        ("rollupId high bit", local, with(&|c| c.rollup_id = 1 << 63)), // 12
        ("empty DA (no blobs)", local, with(&|c| c.da_commitment = da_commitment(&[]))), // 13
        ("operator set 1", SigningDomain { operator_set_id: 1, ..local }, base), // 14
        ("other verifier", SigningDomain { verifier: Address::repeat_byte(0x60), ..local }, base), // 15
        ("other L1 chain", SigningDomain { l1_chain_id: 17000, ..local }, base), // 16
        (
            "arbitrum-like",
            mainnet,
            Checkpoint {
                rollup_id: 42161,
                height: 250_000_000,
                block_hash: h("arb-block"),
                state_root: h("arb-state"),
                da_commitment: da_commitment(&[h("arb-blob")]),
                l1_block: 21_000_000,
            },
        ), // 17
        (
            "base-like",
            mainnet,
            Checkpoint {
                rollup_id: 8453,
                height: 22_000_000,
                block_hash: h("base-block"),
                state_root: h("base-state"),
                da_commitment: da_commitment(&[
                    h("b1"),
                    h("b2"),
                    h("b3"),
                    h("b4"),
                    h("b5"),
                    h("b6"),
                ]),
                l1_block: 21_000_001,
            },
        ), // 18
        (
            "small values",
            local,
            Checkpoint {
                rollup_id: 1,
                height: 1,
                block_hash: B256::with_last_byte(1),
                state_root: B256::with_last_byte(2),
                da_commitment: B256::with_last_byte(3),
                l1_block: 1,
            },
        ), // 19
        (
            "next height, forked",
            local,
            with(&|c| {
                c.height = 1001;
                c.block_hash = h("fork-1001");
            }),
        ), // 20
    ]
}

/// Pairs (indices into the checkpoint list, same domain) and whether they conflict.
const CONFLICTS: &[(usize, usize, bool)] = &[
    (0, 0, false),
    (0, 1, false),
    (0, 2, false),
    (1, 2, false),
    (0, 3, true),
    (0, 4, true),
    (0, 5, true),
    (3, 4, true),
    (1, 3, true),
    (2, 5, true),
    (0, 6, false),
    (0, 7, false),
    (6, 20, true),
    (3, 20, false),
    (0, 11, false),
    (0, 12, false),
    (0, 13, false),
];

pub(crate) fn generate() -> Result<String> {
    let cps = checkpoints();
    let signer = key(1);
    let pubkey = signer.public_key();
    let checkpoint_json: Vec<Value> = cps
        .iter()
        .map(|(name, domain, cp)| {
            json!({
                "name": name,
                "domain": domain_json(domain),
                "checkpoint": serde_json::to_value(cp).unwrap_or(Value::Null),
                "digest": cp.digest(domain).to_string(),
            })
        })
        .collect();

    let conflicts: Vec<Value> = CONFLICTS
        .iter()
        .map(|&(a, b, conflict)| {
            let (Some((_, da, ca)), Some((_, db, cb))) = (cps.get(a), cps.get(b)) else {
                unreachable!("indices are in range")
            };
            assert_eq!(da, db, "conflict pairs share a domain");
            assert_eq!(ca.conflicts_with(cb), conflict, "pair ({a}, {b})");
            json!({"a": a, "b": b, "conflict": conflict})
        })
        .collect();

    let registrar = Address::repeat_byte(0x4e);
    let pops: Vec<Value> = (1u8..=4)
        .map(|i| {
            let sk = key(i);
            let pk = sk.public_key().to_eip2537();
            let operator = Address::repeat_byte(0x10 + i);
            let chain = if i == 4 { 1 } else { 31337 };
            let message = pop_message(chain, registrar, operator, &pk);
            json!({
                "l1ChainId": chain.to_string(),
                "registrar": registrar.to_string(),
                "operator": operator.to_string(),
                "pubkey": hex0x(&pk),
                "message": message.to_string(),
                "signature": hex0x(&sk.sign_pop(message.as_slice()).to_eip2537()),
            })
        })
        .collect();

    // Signatures over checkpoint digests: valid ones, and invalid ones of each kind.
    let mut signatures = Vec::new();
    for (i, (_, domain, cp)) in cps.iter().enumerate().take(6) {
        let digest = cp.digest(domain);
        let sig = signer.sign(digest.as_slice());
        signatures.push(json!({
            "pubkey": hex0x(&pubkey.to_eip2537()),
            "message": digest.to_string(),
            "signature": hex0x(&sig.to_eip2537()),
            "valid": true,
            "why": format!("signature over checkpoint {i}"),
        }));
    }
    let (_, d0, c0) = cps.first().copied().unwrap_or_else(|| unreachable!());
    let digest0 = c0.digest(&d0);
    let sig0 = signer.sign(digest0.as_slice());
    let invalid = [
        ("other message", pubkey, digest0, signer.sign(h("not the digest").as_slice())),
        ("other key", key(2).public_key(), digest0, sig0),
        ("PoP DST instead of signature DST", pubkey, digest0, signer.sign_pop(digest0.as_slice())),
    ];
    for (why, pk, msg, sig) in invalid {
        signatures.push(json!({
            "pubkey": hex0x(&pk.to_eip2537()),
            "message": msg.to_string(),
            "signature": hex0x(&sig.to_eip2537()),
            "valid": false,
            "why": why,
        }));
    }

    let da_sets: Vec<Vec<B256>> = vec![
        vec![],
        vec![h("blob-a")],
        vec![h("blob-a"), h("blob-b")],
        vec![h("blob-b"), h("blob-a")],
    ];
    let da: Vec<Value> = da_sets
        .iter()
        .map(|hashes| {
            json!({
                "versionedHashes": hashes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "commitment": da_commitment(hashes).to_string(),
            })
        })
        .collect();

    let file = json!({
        "description": "Vigil cross-language vectors: checkpoint digests (VIGIL_CHECKPOINT_V1), conflict verdicts, proof-of-possession messages (VIGIL_POP_V1) with signatures under the BLS_POP_ DST, checkpoint signatures under the BLS_SIG_ DST (EIP-2537 encodings), and DA commitments. Integers are decimal strings. Generated by `cargo run -p vigil-testgen -- checkpoints testdata/checkpoints.json`; do not edit by hand.",
        "checkpoints": checkpoint_json,
        "conflicts": conflicts,
        "pops": pops,
        "signatures": signatures,
        "daCommitments": da,
    });
    Ok(serde_json::to_string_pretty(&file)? + "\n")
}
