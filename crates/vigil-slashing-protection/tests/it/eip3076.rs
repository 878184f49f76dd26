//! The EIP-3076 interchange test suite (v5.3.0), mapped to Vigil as
//! `testdata/vectors/README.md` describes:
//!
//! - `genesis_validators_root` ↔ signing domain (the 32 bytes split injectively into
//!   `operatorSetId` (4), `l1ChainId` (8) and `verifier` (20)); the case's root is the
//!   database's domain, the interchange's root the file's, so a mismatch refuses the import;
//! - `pubkey` (48 bytes) ↔ a 96-byte key: the pubkey followed by its keccak256 and 16 zeros;
//! - `slot` ↔ height, on one rollup;
//! - `signing_root` ↔ the block content: `blockHash = signing_root`,
//!   `stateRoot = keccak256(signing_root)`; a missing root is a content of its own per step;
//! - `blocks` only (Vigil has no surround rule); expected outcome `should_succeed_complete`.

use std::{collections::BTreeSet, path::PathBuf};

use serde::Deserialize;
use vigil_slashing_protection::{
    Interchange, InterchangeCheckpoint, InterchangeKey, SlashingDatabase,
};
use vigil_types::{Address, B256, PublicKeyBytes, SigningDomain};

use crate::common::cp;

const ROLLUP: u64 = 1;

/// Every case of the suite; the test fails if one is missing, extra, or not run.
const CASES: [&str; 38] = [
    "duplicate_pubkey_not_slashable",
    "duplicate_pubkey_slashable_attestation",
    "duplicate_pubkey_slashable_block",
    "multiple_interchanges_multiple_validators_repeat_idem",
    "multiple_interchanges_overlapping_validators_merge_stale",
    "multiple_interchanges_overlapping_validators_repeat_idem",
    "multiple_interchanges_single_validator_fail_iff_imported",
    "multiple_interchanges_single_validator_first_surrounds_second",
    "multiple_interchanges_single_validator_multiple_blocks_out_of_order",
    "multiple_interchanges_single_validator_second_surrounds_first",
    "multiple_interchanges_single_validator_single_att_out_of_order",
    "multiple_interchanges_single_validator_single_block_out_of_order",
    "multiple_interchanges_single_validator_single_message_gap",
    "multiple_validators_multiple_blocks_and_attestations",
    "multiple_validators_same_slot_blocks",
    "single_validator_genesis_attestation",
    "single_validator_import_only",
    "single_validator_multiple_block_attempts",
    "single_validator_multiple_blocks_and_attestations",
    "single_validator_out_of_order_attestations",
    "single_validator_out_of_order_blocks",
    "single_validator_resign_attestation",
    "single_validator_resign_block",
    "single_validator_single_attestation",
    "single_validator_single_block",
    "single_validator_single_block_and_attestation",
    "single_validator_single_block_and_attestation_signing_root",
    "single_validator_slashable_attestations_double_vote",
    "single_validator_slashable_attestations_surrounded_by_existing",
    "single_validator_slashable_attestations_surrounds_existing",
    "single_validator_slashable_blocks",
    "single_validator_slashable_blocks_no_root",
    "single_validator_source_greater_than_target",
    "single_validator_source_greater_than_target_sensible_iff_minified",
    "single_validator_source_greater_than_target_surrounded",
    "single_validator_source_greater_than_target_surrounding",
    "single_validator_two_blocks_no_signing_root",
    "wrong_genesis_validators_root",
];

#[derive(Deserialize)]
struct Case {
    name: String,
    genesis_validators_root: B256,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    should_succeed: bool,
    interchange: Eip3076Interchange,
    blocks: Vec<TestBlock>,
    attestations: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Eip3076Interchange {
    metadata: Eip3076Metadata,
    data: Vec<Eip3076Validator>,
}

#[derive(Deserialize)]
struct Eip3076Metadata {
    interchange_format_version: String,
    genesis_validators_root: B256,
}

#[derive(Deserialize)]
struct Eip3076Validator {
    pubkey: alloy_primitives::Bytes,
    signed_blocks: Vec<Eip3076Block>,
}

#[derive(Deserialize)]
struct Eip3076Block {
    slot: String,
    signing_root: Option<B256>,
}

#[derive(Deserialize)]
struct TestBlock {
    pubkey: alloy_primitives::Bytes,
    slot: String,
    signing_root: Option<B256>,
    should_succeed_complete: bool,
}

fn to_domain(root: B256) -> SigningDomain {
    let b = root.0;
    SigningDomain {
        operator_set_id: u32::from_be_bytes(b[0..4].try_into().unwrap()),
        l1_chain_id: u64::from_be_bytes(b[4..12].try_into().unwrap()),
        verifier: Address::from_slice(&b[12..32]),
    }
}

fn to_key(pubkey: &[u8]) -> PublicKeyBytes {
    assert_eq!(pubkey.len(), 48);
    let mut key = [0u8; 96];
    key[..48].copy_from_slice(pubkey);
    key[48..80].copy_from_slice(alloy_primitives::keccak256(pubkey).as_slice());
    PublicKeyBytes(key)
}

fn to_content(signing_root: Option<B256>, case: &str, step: usize) -> (B256, B256) {
    let block_hash = signing_root.unwrap_or_else(|| {
        alloy_primitives::keccak256(format!("eip3076 missing signing_root/{case}/{step}"))
    });
    (block_hash, alloy_primitives::keccak256(block_hash))
}

fn to_interchange(case: &str, step: usize, eip: &Eip3076Interchange) -> Interchange {
    assert_eq!(eip.metadata.interchange_format_version, "5", "{case}");
    let mut interchange = Interchange::new(to_domain(eip.metadata.genesis_validators_root));
    for validator in &eip.data {
        interchange.data.push(InterchangeKey {
            pubkey: to_key(&validator.pubkey),
            signed_checkpoints: validator
                .signed_blocks
                .iter()
                .map(|b| {
                    let (block_hash, state_root) = to_content(b.signing_root, case, step);
                    InterchangeCheckpoint {
                        rollup_id: ROLLUP,
                        height: b.slot.parse().unwrap(),
                        block_hash,
                        state_root,
                    }
                })
                .collect(),
        });
    }
    interchange
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors/eip3076")
}

#[tokio::test]
async fn eip3076_interchange_suite() {
    let dir = vector_dir();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && n != "interchange-schema.json")
        .collect();
    let expected: BTreeSet<String> = CASES.iter().map(|c| format!("{c}.json")).collect();
    assert_eq!(on_disk, expected, "the suite's files differ from the 38 known cases");

    let (mut cases_run, mut steps_run, mut imports, mut blocks_checked, mut attestations_skipped) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    for name in CASES {
        let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let case: Case = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(case.name, name);
        let tmp = tempfile::tempdir().unwrap();
        let db = SlashingDatabase::open(tmp.path().join("p.sqlite")).await.unwrap();
        let domain = to_domain(case.genesis_validators_root);
        // As lighthouse's runner does: every key the case mentions is registered up front.
        for step in &case.steps {
            for v in &step.interchange.data {
                db.register_key(&to_key(&v.pubkey)).await.unwrap();
            }
            for b in &step.blocks {
                db.register_key(&to_key(&b.pubkey)).await.unwrap();
            }
        }
        for (i, step) in case.steps.iter().enumerate() {
            let interchange = to_interchange(name, i, &step.interchange);
            // Through JSON, so the file format is exercised too.
            let interchange =
                Interchange::from_json_str(&interchange.to_json_string().unwrap()).unwrap();
            let imported = db.import_interchange(&interchange, &domain).await;
            assert_eq!(
                imported.is_ok(),
                step.should_succeed,
                "{name} step {i}: import {imported:?}"
            );
            imports += 1;
            for (j, b) in step.blocks.iter().enumerate() {
                let (block_hash, state_root) = to_content(b.signing_root, name, i);
                let checkpoint = cp(ROLLUP, b.slot.parse().unwrap(), block_hash, state_root);
                let result = db.check_and_insert(&to_key(&b.pubkey), &domain, &checkpoint).await;
                assert_eq!(
                    result.is_ok(),
                    b.should_succeed_complete,
                    "{name} step {i} block {j} (slot {}): {result:?}",
                    b.slot
                );
                blocks_checked += 1;
            }
            attestations_skipped += step.attestations.len();
            steps_run += 1;
        }
        db.integrity_check().await.unwrap();
        db.close().await;
        cases_run += 1;
    }
    eprintln!(
        "eip3076: {cases_run} cases, {steps_run} steps, {imports} imports, {blocks_checked} blocks checked, {attestations_skipped} attestations not applicable"
    );
    assert_eq!(cases_run, CASES.len());
    assert_eq!(cases_run, 38);
}
