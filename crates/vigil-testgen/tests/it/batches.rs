//! Checks the committed `testdata/batches.json` with `vigil-types`: each batch rebuilt from its
//! checkpoints (given in reverse, so the pinned order is re-derived) has the committed leaves,
//! header, depth, digest and proofs; every proof verifies and every bad proof does not. The
//! forge test `BatchVectors.t.sol` checks the same file in Solidity.

use std::str::FromStr;

use alloy_primitives::keccak256;
use serde_json::Value;
use vigil_types::{B256, Batch, BatchHeader, Checkpoint, InclusionProof, SigningDomain};

fn file() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/batches.json");
    serde_json::from_slice(&std::fs::read(path).expect("testdata/batches.json")).unwrap()
}

fn b256(v: &Value) -> B256 {
    B256::from_str(v.as_str().unwrap()).unwrap()
}

fn batches(f: &Value) -> Vec<(SigningDomain, Vec<Checkpoint>, BatchHeader, Value)> {
    f["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                serde_json::from_value(b["domain"].clone()).unwrap(),
                serde_json::from_value(b["checkpoints"].clone()).unwrap(),
                serde_json::from_value(b["header"].clone()).unwrap(),
                b.clone(),
            )
        })
        .collect()
}

#[test]
fn tags_are_the_pinned_strings() {
    let f = file();
    assert_eq!(b256(&f["leafTag"]), keccak256(b"VIGIL_BATCH_LEAF_V1"));
    assert_eq!(b256(&f["batchTag"]), keccak256(b"VIGIL_BATCH_V1"));
}

#[test]
fn every_batch_rebuilds_to_the_committed_values() {
    let f = file();
    let all = batches(&f);
    assert!(all.len() >= 10, "at least 10 batches, found {}", all.len());
    let mut depths = std::collections::BTreeSet::new();
    for (domain, cps, header, raw) in &all {
        let name = raw["name"].as_str().unwrap();
        let keys: Vec<_> = cps.iter().map(|c| (c.rollup_id, c.height)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{name}: pinned order");
        let mut given = cps.clone();
        given.reverse();
        let rebuilt = Batch::new(given, header.from_l1_block, header.to_l1_block).unwrap();
        assert_eq!(rebuilt.header(), header, "{name}: header");
        assert_eq!(rebuilt.checkpoints(), cps.as_slice(), "{name}: order");
        assert_eq!(header.digest(domain), b256(&raw["digest"]), "{name}: digest");
        assert_eq!(header.depth().to_string(), raw["depth"].as_str().unwrap(), "{name}: depth");
        depths.insert(header.depth());
        let leaves = raw["leaves"].as_array().unwrap();
        let proofs: Vec<InclusionProof> = serde_json::from_value(raw["proofs"].clone()).unwrap();
        assert_eq!((leaves.len(), proofs.len()), (cps.len(), cps.len()), "{name}");
        for (i, c) in cps.iter().enumerate() {
            assert_eq!(c.leaf_hash(), b256(&leaves[i]), "{name}: leaf {i}");
            assert_eq!(rebuilt.proof(i).as_ref(), Some(&proofs[i]), "{name}: proof {i}");
            assert!(header.includes(c, &proofs[i]), "{name}: proof {i} verifies");
        }
    }
    assert!(depths.contains(&0) && depths.len() >= 6, "depths covered: {depths:?}");
}

#[test]
fn bad_proofs_fail() {
    let f = file();
    let all = batches(&f);
    let bad = f["badProofs"].as_array().unwrap();
    assert!(bad.len() >= 30, "at least 30 bad proofs, found {}", bad.len());
    for case in bad {
        let i: usize = case["batch"].as_str().unwrap().parse().unwrap();
        let leaf: usize = case["leaf"].as_str().unwrap().parse().unwrap();
        let proof = InclusionProof {
            index: case["index"].as_str().unwrap().parse().unwrap(),
            siblings: serde_json::from_value(case["siblings"].clone()).unwrap(),
        };
        let (_, cps, header, _) = &all[i];
        assert!(!header.includes(&cps[leaf], &proof), "{}", case["why"]);
    }
}
