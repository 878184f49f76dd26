//! Checks the committed `testdata/checkpoints.json` entry by entry with `vigil-types` and
//! `vigil-crypto`. The forge test `CheckpointVectors.t.sol` checks the same file in Solidity, so
//! both sides provably agree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod batches;

use std::str::FromStr;

use serde_json::Value;
use vigil_crypto::{PublicKey, Signature, verify, verify_pop};
use vigil_types::{Address, B256, Checkpoint, Relation, SigningDomain, da_commitment, pop_message};

fn file() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/checkpoints.json");
    serde_json::from_slice(&std::fs::read(path).expect("testdata/checkpoints.json")).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn b256(v: &Value) -> B256 {
    B256::from_str(v.as_str().unwrap()).unwrap()
}

fn parsed() -> Vec<(SigningDomain, Checkpoint, B256)> {
    file()["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                serde_json::from_value(c["domain"].clone()).unwrap(),
                serde_json::from_value(c["checkpoint"].clone()).unwrap(),
                b256(&c["digest"]),
            )
        })
        .collect()
}

#[test]
fn digests() {
    let cps = parsed();
    assert!(cps.len() >= 20, "at least 20 checkpoints, found {}", cps.len());
    for (i, (domain, cp, digest)) in cps.iter().enumerate() {
        assert_eq!(cp.digest(domain), *digest, "checkpoint {i}");
    }
    // All digests differ: every entry exercises something.
    let mut all: Vec<_> = cps.iter().map(|c| c.2).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), cps.len());
}

#[test]
fn conflict_verdicts() {
    let cps = parsed();
    let pairs = file()["conflicts"].as_array().unwrap().clone();
    assert!(pairs.len() >= 10);
    let (mut yes, mut no) = (0, 0);
    for p in &pairs {
        let (a, b) = (p["a"].as_u64().unwrap() as usize, p["b"].as_u64().unwrap() as usize);
        let expected = p["conflict"].as_bool().unwrap();
        assert_eq!(cps[a].0, cps[b].0, "pair ({a}, {b}) shares a domain");
        assert_eq!(cps[a].1.conflicts_with(&cps[b].1), expected, "pair ({a}, {b})");
        assert_eq!(cps[a].1.relation(&cps[b].1) == Relation::Conflict, expected);
        if expected { yes += 1 } else { no += 1 }
    }
    assert!(yes >= 5 && no >= 5, "both verdicts covered: {yes} conflicts, {no} not");
}

#[test]
fn pops() {
    let pops = file()["pops"].as_array().unwrap().clone();
    assert!(!pops.is_empty());
    for (i, p) in pops.iter().enumerate() {
        let pk_bytes: [u8; 256] = bytes(&p["pubkey"]).try_into().unwrap();
        let chain: u64 = p["l1ChainId"].as_str().unwrap().parse().unwrap();
        let registrar = Address::from_str(p["registrar"].as_str().unwrap()).unwrap();
        let operator = Address::from_str(p["operator"].as_str().unwrap()).unwrap();
        let message = pop_message(chain, registrar, operator, &pk_bytes);
        assert_eq!(message, b256(&p["message"]), "pop {i}");
        let pk = PublicKey::from_eip2537(&pk_bytes).unwrap();
        let sig = Signature::from_eip2537(&bytes(&p["signature"]).try_into().unwrap()).unwrap();
        verify_pop(&pk, message.as_slice(), &sig).unwrap();
        // Bound to the operator: the same proof for another operator fails.
        let stolen = pop_message(chain, registrar, Address::repeat_byte(0xee), &pk_bytes);
        assert!(verify_pop(&pk, stolen.as_slice(), &sig).is_err());
    }
}

#[test]
fn signatures() {
    let sigs = file()["signatures"].as_array().unwrap().clone();
    let (mut valid, mut invalid) = (0, 0);
    for (i, s) in sigs.iter().enumerate() {
        let pk = PublicKey::from_eip2537(&bytes(&s["pubkey"]).try_into().unwrap()).unwrap();
        let sig = Signature::from_eip2537(&bytes(&s["signature"]).try_into().unwrap()).unwrap();
        let ok = verify(&pk, b256(&s["message"]).as_slice(), &sig).is_ok();
        assert_eq!(ok, s["valid"].as_bool().unwrap(), "signature {i}: {}", s["why"]);
        if ok { valid += 1 } else { invalid += 1 }
    }
    assert!(valid > 0 && invalid > 0);
}

#[test]
fn da_commitments() {
    for d in file()["daCommitments"].as_array().unwrap() {
        let hashes: Vec<B256> = d["versionedHashes"].as_array().unwrap().iter().map(b256).collect();
        assert_eq!(da_commitment(&hashes), b256(&d["commitment"]));
    }
}

/// The committed file is exactly what the generator writes today.
#[test]
fn file_is_up_to_date() {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vigil-testgen"))
        .args(["checkpoints", "--check"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/checkpoints.json"))
        .status()
        .unwrap();
    assert!(status.success(), "testdata/checkpoints.json is stale: regenerate it");
}
