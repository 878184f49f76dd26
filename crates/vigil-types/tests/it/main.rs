//! Wire formats: JSON and compact round-trips, evidence shape rules, hostile input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use proptest::prelude::*;
use vigil_types::{
    Address, B256, Batch, Certificate, Checkpoint, Compact, Error, Evidence, PublicKeyBytes,
    SignatureBytes, SignedCheckpoint, SigningDomain,
};

fn domain() -> SigningDomain {
    SigningDomain { l1_chain_id: 1, verifier: Address::repeat_byte(0xab), operator_set_id: 0 }
}

fn checkpoint(height: u64, block: u8) -> Checkpoint {
    Checkpoint {
        rollup_id: 10,
        height,
        block_hash: B256::repeat_byte(block),
        state_root: B256::repeat_byte(block.wrapping_add(1)),
        da_commitment: B256::repeat_byte(0xda),
        l1_block: 100,
    }
}

fn signed(height: u64, block: u8, key: u8, compressed: bool) -> SignedCheckpoint {
    SignedCheckpoint {
        domain: domain(),
        checkpoint: checkpoint(height, block),
        pubkey: PublicKeyBytes([key; 96]),
        signature: if compressed {
            SignatureBytes::Compressed([0x11; 48])
        } else {
            SignatureBytes::Uncompressed([0x22; 96])
        },
    }
}

fn certificate(block: u8, non_signers: &[u8]) -> Certificate {
    Certificate {
        domain: domain(),
        checkpoint: checkpoint(7, block),
        non_signers: non_signers.iter().map(|k| PublicKeyBytes([*k; 96])).collect(),
        aggregate_signature: SignatureBytes::Compressed([0x33; 48]),
    }
}

fn all_values() -> (Vec<SignedCheckpoint>, Vec<Certificate>, Vec<Evidence>) {
    let s = vec![signed(1, 1, 1, true), signed(1, 1, 1, false)];
    let c = vec![certificate(1, &[]), certificate(1, &[5, 6, 7])];
    let e = vec![
        Evidence::DoubleSign { first: signed(3, 1, 9, false), second: signed(3, 2, 9, true) },
        Evidence::CertificateConflict {
            offender: PublicKeyBytes([9; 96]),
            recorded: certificate(1, &[5]),
            conflicting: certificate(2, &[]),
        },
    ];
    (s, c, e)
}

#[test]
fn json_and_compact_round_trip() {
    let (s, c, e) = all_values();
    for v in s {
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<SignedCheckpoint>(&json).unwrap(), v);
        assert_eq!(SignedCheckpoint::from_compact(&v.to_compact()).unwrap(), v);
    }
    for v in c {
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Certificate>(&json).unwrap(), v);
        assert_eq!(Certificate::from_compact(&v.to_compact()).unwrap(), v);
    }
    for v in e {
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Evidence>(&json).unwrap(), v);
        assert_eq!(Evidence::from_compact(&v.to_compact()).unwrap(), v);
    }
}

#[test]
fn json_shape_is_stable() {
    let v = serde_json::to_value(signed(1, 1, 1, true)).unwrap();
    assert_eq!(v["checkpoint"]["height"], "1");
    assert_eq!(v["domain"]["l1ChainId"], "1");
    assert_eq!(v["signature"].as_str().unwrap().len(), 2 + 96);
    assert_eq!(v["pubkey"].as_str().unwrap().len(), 2 + 192);
    let e = serde_json::to_value(&all_values().2[0]).unwrap();
    assert_eq!(e["kind"], "doubleSign");
    let e = serde_json::to_value(&all_values().2[1]).unwrap();
    assert_eq!(e["kind"], "certificateConflict");
    assert!(e["recorded"]["nonSigners"].is_array());
}

#[test]
fn json_refuses_bad_lengths_and_unknown_fields() {
    let mut v = serde_json::to_value(signed(1, 1, 1, true)).unwrap();
    v["signature"] = "0x1234".into();
    let err = serde_json::from_value::<SignedCheckpoint>(v).unwrap_err().to_string();
    assert!(err.contains("48 (compressed) or 96"), "{err}");
    let mut v = serde_json::to_value(signed(1, 1, 1, true)).unwrap();
    v["pubkey"] = format!("0x{}", "00".repeat(95)).into();
    assert!(serde_json::from_value::<SignedCheckpoint>(v).is_err());
    let mut v = serde_json::to_value(signed(1, 1, 1, true)).unwrap();
    v["extra"] = 1.into();
    assert!(serde_json::from_value::<SignedCheckpoint>(v).is_err());
    let mut v = serde_json::to_value(signed(1, 1, 1, true)).unwrap();
    v["signature"] = "0xzz".into();
    assert!(serde_json::from_value::<SignedCheckpoint>(v).is_err());
}

#[test]
fn compact_refuses_hostile_headers() {
    let good = signed(1, 1, 1, false).to_compact();
    let mut bad = good.clone();
    bad[0] = 2;
    assert!(matches!(
        SignedCheckpoint::from_compact(&bad),
        Err(Error::UnsupportedVersion { found: 2, .. })
    ));
    // A certificate is not a signed checkpoint.
    let cert = certificate(1, &[]).to_compact();
    assert!(matches!(SignedCheckpoint::from_compact(&cert), Err(Error::UnexpectedTag { .. })));
    // Trailing bytes.
    let mut bad = good.clone();
    bad.push(0);
    assert!(matches!(SignedCheckpoint::from_compact(&bad), Err(Error::TrailingBytes { .. })));
    // A bad signature length byte.
    let mut bad = good.clone();
    let len_at = good.len() - 97;
    bad[len_at] = 50;
    assert!(SignedCheckpoint::from_compact(&bad).is_err());
    // A hostile non-signer count does not allocate or panic.
    let mut bad = certificate(1, &[]).to_compact();
    let count_at = 2 + 32 + 120;
    bad[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(Certificate::from_compact(&bad), Err(Error::TooMany { .. })));
    let mut bad = certificate(1, &[]).to_compact();
    bad[count_at..count_at + 4].copy_from_slice(&100u32.to_be_bytes());
    assert!(matches!(Certificate::from_compact(&bad), Err(Error::Truncated { .. })));
}

#[test]
fn evidence_shape_rules() {
    let (_, _, e) = all_values();
    let offence = e[0].offence().unwrap();
    assert_eq!(
        (offence.rollup_id, offence.height, offence.pubkey),
        (10, 3, PublicKeyBytes([9; 96]))
    );
    let offence = e[1].offence().unwrap();
    assert_eq!((offence.rollup_id, offence.height), (10, 7));

    let mut same_block_other_da = signed(3, 1, 9, true);
    same_block_other_da.checkpoint.da_commitment = B256::ZERO;
    same_block_other_da.checkpoint.l1_block = 999;
    let cases: Vec<(&str, Evidence)> = vec![
        (
            "same block, other daCommitment and l1Block",
            Evidence::DoubleSign { first: signed(3, 1, 9, true), second: same_block_other_da },
        ),
        (
            "different keys",
            Evidence::DoubleSign { first: signed(3, 1, 9, true), second: signed(3, 2, 8, true) },
        ),
        (
            "different heights",
            Evidence::DoubleSign { first: signed(3, 1, 9, true), second: signed(4, 2, 9, true) },
        ),
        ("different domains", {
            let mut second = signed(3, 2, 9, true);
            second.domain.operator_set_id = 1;
            Evidence::DoubleSign { first: signed(3, 1, 9, true), second }
        }),
        (
            "offender did not sign the recorded certificate",
            Evidence::CertificateConflict {
                offender: PublicKeyBytes([5; 96]),
                recorded: certificate(1, &[5]),
                conflicting: certificate(2, &[]),
            },
        ),
        (
            "certificates agree",
            Evidence::CertificateConflict {
                offender: PublicKeyBytes([9; 96]),
                recorded: certificate(1, &[]),
                conflicting: certificate(1, &[6]),
            },
        ),
    ];
    for (name, evidence) in cases {
        assert!(
            matches!(evidence.offence(), Err(Error::NotAConflict { .. })),
            "{name}: {:?}",
            evidence.offence()
        );
    }
}

#[test]
fn equivocation_needs_same_key_and_domain() {
    let a = signed(3, 1, 9, true);
    assert!(a.equivocates_with(&signed(3, 2, 9, false)));
    assert!(!a.equivocates_with(&signed(3, 1, 9, false)));
    assert!(!a.equivocates_with(&signed(3, 2, 8, false)));
    let mut other_domain = signed(3, 2, 9, false);
    other_domain.domain.l1_chain_id = 2;
    assert!(!a.equivocates_with(&other_domain));
}

fn arb_checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<u64>(),
    )
        .prop_map(|(rollup_id, height, b, s, d, l1_block)| Checkpoint {
            rollup_id,
            height,
            block_hash: b.into(),
            state_root: s.into(),
            da_commitment: d.into(),
            l1_block,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes: every decoder returns a value or a typed error, never panics; and what decodes
    /// re-encodes to the same bytes.
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(v) = SignedCheckpoint::from_compact(&bytes) { prop_assert_eq!(v.to_compact(), bytes.clone()); }
        if let Ok(v) = Certificate::from_compact(&bytes) { prop_assert_eq!(v.to_compact(), bytes.clone()); }
        if let Ok(v) = Evidence::from_compact(&bytes) { prop_assert_eq!(v.to_compact(), bytes.clone()); }
        let _ = serde_json::from_slice::<SignedCheckpoint>(&bytes);
    }

    /// Valid prefixes with random tails, and every truncation, are refused cleanly.
    #[test]
    fn signed_checkpoint_compact_round_trip(cp in arb_checkpoint(), sig in any::<[u8; 48]>(), cut in 0usize..260) {
        let v = SignedCheckpoint { domain: domain(), checkpoint: cp, pubkey: PublicKeyBytes([3; 96]), signature: SignatureBytes::Compressed(sig) };
        let bytes = v.to_compact();
        prop_assert_eq!(SignedCheckpoint::from_compact(&bytes).unwrap(), v);
        let cut = cut.min(bytes.len() - 1);
        prop_assert!(SignedCheckpoint::from_compact(&bytes[..cut]).is_err());
    }

    /// The conflict relation is symmetric and a checkpoint never conflicts with itself.
    #[test]
    fn conflict_is_symmetric(a in arb_checkpoint(), b in arb_checkpoint(), same_slot in any::<bool>()) {
        let mut b = b;
        if same_slot { b.rollup_id = a.rollup_id; b.height = a.height; }
        prop_assert_eq!(a.relation(&b), b.relation(&a));
        prop_assert!(!a.conflicts_with(&a));
    }
}

#[test]
fn batch_wire_types_round_trip_in_json_with_the_pinned_shape() {
    let batch =
        vigil_types::Batch::new(vec![checkpoint(1, 1), checkpoint(2, 2)], 100, 100).unwrap();
    let signed = vigil_types::SignedBatch {
        domain: domain(),
        header: *batch.header(),
        pubkey: PublicKeyBytes([4; 96]),
        signature: SignatureBytes::Compressed([0x44; 48]),
    };
    assert_eq!(signed.digest(), batch.header().digest(&domain()));
    let v = serde_json::to_value(signed).unwrap();
    assert_eq!(v["header"]["leafCount"], "2");
    assert_eq!(v["header"]["fromL1Block"], "100");
    assert_eq!(v["header"]["root"], batch.header().root.to_string());
    assert_eq!(serde_json::from_value::<vigil_types::SignedBatch>(v.clone()).unwrap(), signed);
    let mut extra = v;
    extra["header"]["extra"] = 1.into();
    assert!(serde_json::from_value::<vigil_types::SignedBatch>(extra).is_err());

    let cert = vigil_types::BatchCertificate {
        domain: domain(),
        header: *batch.header(),
        non_signers: vec![PublicKeyBytes([5; 96])],
        aggregate_signature: SignatureBytes::Uncompressed([0x55; 96]),
    };
    let v = serde_json::to_value(&cert).unwrap();
    assert!(v["nonSigners"].is_array() && v["aggregateSignature"].is_string());
    assert_eq!(serde_json::from_value::<vigil_types::BatchCertificate>(v).unwrap(), cert);
}

/// A batch of rollup 10's heights 1..=5 (block byte = height) holding height 3, and the
/// statement forms that put height 3 in it.
mod statements {
    use vigil_types::{Batch, BatchCertificate, SignedBatch, Statement};

    use super::*;

    pub(super) fn batch(block_at_3: u8) -> Batch {
        let cps =
            (1..=5u64).map(|h| checkpoint(h, if h == 3 { block_at_3 } else { h as u8 })).collect();
        Batch::new(cps, 100, 100).unwrap()
    }

    pub(super) fn in_batch(block_at_3: u8, key: u8) -> Statement {
        let b = batch(block_at_3);
        let index = b.position(10, 3).unwrap();
        Statement::InBatch {
            signed: SignedBatch {
                domain: domain(),
                header: *b.header(),
                pubkey: PublicKeyBytes([key; 96]),
                signature: SignatureBytes::Compressed([0x44; 48]),
            },
            checkpoint: b.checkpoints()[index],
            proof: b.proof(index).unwrap(),
        }
    }

    pub(super) fn in_batch_aggregate(block_at_3: u8, non_signers: &[u8]) -> Statement {
        let b = batch(block_at_3);
        let index = b.position(10, 3).unwrap();
        Statement::InBatchAggregate {
            certificate: BatchCertificate {
                domain: domain(),
                header: *b.header(),
                non_signers: non_signers.iter().map(|k| PublicKeyBytes([*k; 96])).collect(),
                aggregate_signature: SignatureBytes::Uncompressed([0x55; 96]),
            },
            checkpoint: b.checkpoints()[index],
            proof: b.proof(index).unwrap(),
        }
    }

    pub(super) fn equivocation(first: Statement, second: Statement) -> Evidence {
        Evidence::Equivocation {
            offender: PublicKeyBytes([9; 96]),
            first: Box::new(first),
            second: Box::new(second),
        }
    }
}

/// Evidence kind 3: every pairing of the four statement forms round-trips (JSON and compact)
/// and proves the same offence, `(key, rollupId, height)`, as the other kinds.
#[test]
fn equivocation_from_batches_round_trips_and_names_the_offence() {
    use statements::*;
    use vigil_types::Statement;
    let mut conflicting_cert = certificate(2, &[5]);
    conflicting_cert.checkpoint.height = 3;
    let forms_at_block_3 = [
        Statement::Signed { signed: signed(3, 3, 9, true) },
        in_batch(3, 9),
        in_batch_aggregate(3, &[5, 6]),
    ];
    let forms_at_block_7 = [
        Statement::Signed { signed: signed(3, 7, 9, false) },
        Statement::Aggregate {
            certificate: {
                let mut c = conflicting_cert.clone();
                c.checkpoint.block_hash = B256::repeat_byte(7);
                c
            },
        },
        in_batch(7, 9),
        in_batch_aggregate(7, &[]),
    ];
    for a in &forms_at_block_3 {
        for b in &forms_at_block_7 {
            let e = equivocation(a.clone(), b.clone());
            let offence = e.offence().unwrap_or_else(|err| panic!("{a:?} / {b:?}: {err}"));
            assert_eq!(
                (offence.rollup_id, offence.height, offence.pubkey, offence.domain),
                (10, 3, PublicKeyBytes([9; 96]), domain())
            );
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Evidence>(&json).unwrap(), e);
            assert_eq!(Evidence::from_compact(&e.to_compact()).unwrap(), e);
        }
    }
}

#[test]
fn equivocation_statements_must_name_the_offender_and_prove_inclusion() {
    use statements::*;
    use vigil_types::Statement;
    let cases: Vec<(&str, Evidence)> = vec![
        (
            "the same block in two overlapping batches",
            equivocation(in_batch(3, 9), {
                // Another batch (another range) holding the same block at height 3.
                let Statement::InBatch { mut signed, mut checkpoint, .. } = in_batch(3, 9) else {
                    unreachable!()
                };
                checkpoint.l1_block = 101;
                let b = Batch::new(vec![checkpoint], 101, 101).unwrap();
                signed.header = *b.header();
                Statement::InBatch { signed, checkpoint, proof: b.proof(0).unwrap() }
            }),
        ),
        ("another key's batch", equivocation(in_batch(3, 9), in_batch(7, 8))),
        ("offender a non-signer", equivocation(in_batch(3, 9), in_batch_aggregate(7, &[9]))),
        ("a proof of another leaf", {
            let Statement::InBatch { signed, checkpoint, .. } = in_batch(7, 9) else {
                unreachable!()
            };
            let proof = batch(7).proof(0).unwrap();
            equivocation(in_batch(3, 9), Statement::InBatch { signed, checkpoint, proof })
        }),
        ("a checkpoint the batch does not hold", {
            let Statement::InBatchAggregate { certificate, proof, .. } = in_batch_aggregate(7, &[])
            else {
                unreachable!()
            };
            let checkpoint = checkpoint(3, 0x77);
            equivocation(
                in_batch(3, 9),
                Statement::InBatchAggregate { certificate, checkpoint, proof },
            )
        }),
        ("different domains", {
            let Statement::InBatch { mut signed, checkpoint, proof } = in_batch(7, 9) else {
                unreachable!()
            };
            signed.domain.l1_chain_id = 2;
            equivocation(in_batch(3, 9), Statement::InBatch { signed, checkpoint, proof })
        }),
    ];
    for (name, evidence) in cases {
        assert!(
            matches!(evidence.offence(), Err(Error::NotAConflict { .. })),
            "{name}: {:?}",
            evidence.offence()
        );
    }
}

#[test]
fn hostile_compact_statements_are_refused() {
    use statements::*;
    let good = equivocation(in_batch(3, 9), in_batch_aggregate(7, &[])).to_compact();
    for cut in [good.len() - 1, 100, 3] {
        assert!(Evidence::from_compact(&good[..cut]).is_err(), "truncated at {cut}");
    }
    // An unknown statement form.
    let mut bad = good.clone();
    bad[2 + 96] = 9;
    assert!(matches!(Evidence::from_compact(&bad), Err(Error::UnexpectedTag { .. })));
    let mut trailing = good;
    trailing.push(0);
    assert!(matches!(Evidence::from_compact(&trailing), Err(Error::TrailingBytes { .. })));
}
