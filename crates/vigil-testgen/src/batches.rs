//! `testdata/batches.json`: the batched-certificate vectors (`VIGIL_BATCH_V1`) Rust and
//! Solidity are both tested against: leaves, roots, digests and inclusion proofs of batches of
//! every shape (one leaf, powers of two and the sizes around them, several rollups given out of
//! order, fields at their edges), and proofs that must fail.

use alloy_primitives::{Address, B256, keccak256};
use eyre::{Result, eyre};
use serde_json::{Value, json};
use vigil_types::{
    Batch, Checkpoint, InclusionProof, SigningDomain,
    batch::{batch_leaf_typehash, batch_typehash},
};

fn h(tag: &str) -> B256 {
    keccak256(tag.as_bytes())
}

/// Checkpoint `height` of `rollup`, with fields derived from both (reproducible).
fn cp(rollup_id: u64, height: u64, l1_block: u64) -> Checkpoint {
    let tag = |what: &str| h(&format!("{what}/{rollup_id}/{height}"));
    Checkpoint {
        rollup_id,
        height,
        block_hash: tag("block"),
        state_root: tag("state"),
        da_commitment: tag("da"),
        l1_block,
    }
}

/// The named batches: (name, domain, checkpoints in the order given, L1 range).
fn batches() -> Vec<(&'static str, SigningDomain, Vec<Checkpoint>, u64, u64)> {
    let local = SigningDomain {
        l1_chain_id: 31337,
        verifier: Address::repeat_byte(0x5f),
        operator_set_id: 0,
    };
    let mainnet = SigningDomain {
        l1_chain_id: 1,
        verifier: Address::repeat_byte(0xa1),
        operator_set_id: u32::MAX,
    };
    let mut out = vec![("one leaf", local, vec![cp(901, 1, 70)], 70, 70)];
    for n in [2u64, 3, 4, 5, 7, 8, 9, 16, 33] {
        let name: &'static str = match n {
            2 => "2 leaves",
            3 => "3 leaves (one padding leaf)",
            4 => "4 leaves",
            5 => "5 leaves (three padding leaves)",
            7 => "7 leaves",
            8 => "8 leaves",
            9 => "9 leaves (depth 4)",
            16 => "16 leaves",
            _ => "33 leaves (depth 6)",
        };
        out.push((name, local, (1..=n).map(|i| cp(901, i, 70 + i / 4)).collect(), 70, 80));
    }
    // Three rollups, given interleaved and reversed: the pinned order sorts them.
    let mut mixed: Vec<Checkpoint> = Vec::new();
    for height in (1..=4u64).rev() {
        for rollup in [8453u64, 10, 42_069] {
            mixed.push(cp(rollup, height * 100, 1000 + height));
        }
    }
    out.push(("3 rollups given out of order", mainnet, mixed, 1000, 1004));
    let edges = vec![
        Checkpoint { block_hash: B256::ZERO, ..cp(0, 0, 0) },
        Checkpoint { state_root: B256::repeat_byte(0xff), ..cp(u64::MAX, u64::MAX, u64::MAX) },
        Checkpoint { da_commitment: B256::ZERO, ..cp(1, u64::MAX, 0) },
    ];
    out.push(("fields at their edges", mainnet, edges, 0, u64::MAX));
    out
}

fn proof_json(p: &InclusionProof) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

pub(crate) fn generate() -> Result<String> {
    let mut batch_json = Vec::new();
    let mut bad = Vec::new();
    for (i, (name, domain, cps, from, to)) in batches().into_iter().enumerate() {
        let batch = Batch::new(cps, from, to).map_err(|e| eyre!("batch {name:?}: {e}"))?;
        let header = *batch.header();
        let proofs: Vec<InclusionProof> = (0..batch.checkpoints().len())
            .map(|j| batch.proof(j).ok_or_else(|| eyre!("batch {name:?}: no proof of leaf {j}")))
            .collect::<Result<_>>()?;
        for (c, p) in batch.checkpoints().iter().zip(&proofs) {
            if !header.includes(c, p) {
                return Err(eyre!("batch {name:?}: a proof does not verify"));
            }
        }
        batch_json.push(json!({
            "name": name,
            "domain": serde_json::to_value(domain)?,
            "checkpoints": serde_json::to_value(batch.checkpoints())?,
            "leaves": batch.checkpoints().iter().map(|c| c.leaf_hash().to_string()).collect::<Vec<_>>(),
            "header": serde_json::to_value(header)?,
            "depth": header.depth().to_string(),
            "digest": header.digest(&domain).to_string(),
            "proofs": proofs.iter().map(proof_json).collect::<Vec<_>>(),
        }));

        // Proofs that must fail, for batches deep enough to have siblings.
        let Some(p) = proofs.get(1) else { continue };
        let leaf = 1usize;
        let mut cases: Vec<(String, InclusionProof)> = Vec::new();
        let mut flipped = p.clone();
        if let Some(s) = flipped.siblings.first_mut() {
            s.0[31] ^= 1;
        }
        cases.push(("a sibling with one bit flipped".into(), flipped));
        cases.push(("the index of another leaf".into(), InclusionProof { index: 0, ..p.clone() }));
        let mut short = p.clone();
        short.siblings.pop();
        cases.push(("one sibling too few".into(), short));
        let mut long = p.clone();
        long.siblings.push(B256::ZERO);
        cases.push(("one sibling too many".into(), long));
        let width = 1u32 << header.depth();
        cases.push((
            "the same low index bits, past the padded width".into(),
            InclusionProof { index: p.index + width, ..p.clone() },
        ));
        if let Some(other) = proofs.get(leaf + 1) {
            cases.push(("another leaf's proof".into(), other.clone()));
        }
        for (why, q) in cases {
            let Some(c) = batch.checkpoints().get(leaf) else { continue };
            if header.includes(c, &q) {
                return Err(eyre!("batch {name:?}: the bad proof {why:?} verifies"));
            }
            let mut case = proof_json(&q);
            if let Some(fields) = case.as_object_mut() {
                fields.insert("batch".into(), i.to_string().into());
                fields.insert("leaf".into(), leaf.to_string().into());
                fields.insert("why".into(), why.into());
            }
            bad.push(case);
        }
    }
    let file = json!({
        "description": "Vigil cross-language vectors for batched certificates (VIGIL_BATCH_V1): each batch's checkpoints in the pinned order (ascending rollupId, height), their leaves (VIGIL_BATCH_LEAF_V1), the header (root, leafCount, L1 range), tree depth, the digest operators sign, and every leaf's inclusion proof; badProofs must not verify for batches[batch].checkpoints[leaf]. Integers are decimal strings. Generated by `cargo run -p vigil-testgen -- batches testdata/batches.json`; do not edit by hand.",
        "leafTag": batch_leaf_typehash().to_string(),
        "batchTag": batch_typehash().to_string(),
        "batches": batch_json,
        "badProofs": bad,
    });
    Ok(serde_json::to_string_pretty(&file)? + "\n")
}
