//! The detector against a brute-force oracle on random streams (as lighthouse's slasher tests
//! do), plus table cases for the rules.

use std::{
    collections::{BTreeSet, HashMap},
    sync::LazyLock,
};

use alloy_primitives::{Address, B256};
use proptest::prelude::*;
use vigil_crypto::{PublicKey, SecretKey, Signature, verify};
use vigil_slasher::{Detector, Ingested};
use vigil_types::{
    Checkpoint, Evidence, Offence, PublicKeyBytes, SignatureBytes, SignedCheckpoint, SigningDomain,
};

const KEYS: usize = 3;
const DOMAINS: usize = 2;
const ROLLUPS: u64 = 2;
const HEIGHTS: u64 = 3;
/// Block variants: 0 and 1 differ in blockHash, 2 differs from 0 only in stateRoot.
const BLOCKS: usize = 3;
const DAS: u8 = 2;
const L1S: u64 = 2;

fn domain(i: usize) -> SigningDomain {
    SigningDomain {
        l1_chain_id: 31_337,
        verifier: Address::repeat_byte(0x11),
        operator_set_id: u32::try_from(i).unwrap(),
    }
}

fn checkpoint(rollup: u64, height: u64, block: usize, da: u8, l1: u64) -> Checkpoint {
    let (bh, sr) = [(1u8, 1u8), (2, 1), (1, 2)][block];
    Checkpoint {
        rollup_id: 10 + rollup,
        height: 100 + height,
        block_hash: B256::repeat_byte(bh),
        state_root: B256::repeat_byte(0x40 | sr),
        da_commitment: B256::repeat_byte(0x80 | da),
        l1_block: 1_000 + l1,
    }
}

/// How a stream item is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Sig {
    /// A valid signature, uncompressed (the default wire form).
    Valid,
    /// The same valid signature, compressed.
    ValidCompressed,
    /// A valid signature over another message (another l1Block): invalid here.
    WrongMessage,
    /// Bytes that do not decode to a point.
    Garbage,
}

/// One stream item, as indices into the small universe above. Key index `KEYS` is a malformed
/// public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Item {
    domain: usize,
    key: usize,
    rollup: u64,
    height: u64,
    block: usize,
    da: u8,
    l1: u64,
    sig: Sig,
}

/// An [`Item`]'s fields in declaration order, as the stream strategy generates them.
type ItemFields = (usize, usize, u64, u64, usize, u8, u64, Sig);

impl From<ItemFields> for Item {
    fn from((domain, key, rollup, height, block, da, l1, sig): ItemFields) -> Self {
        Self { domain, key, rollup, height, block, da, l1, sig }
    }
}

struct Universe {
    keys: Vec<SecretKey>,
    pubkeys: Vec<PublicKeyBytes>,
    /// Signatures per item (computed lazily would need a lock; the universe is small).
    signed: HashMap<Item, SignedCheckpoint>,
}

fn garbage_key() -> PublicKeyBytes {
    PublicKeyBytes([0x5a; 96])
}

static UNIVERSE: LazyLock<Universe> = LazyLock::new(|| {
    let keys: Vec<SecretKey> = (0..KEYS)
        .map(|i| SecretKey::from_ikm(&[u8::try_from(i).unwrap() + 1; 32]).unwrap())
        .collect();
    let pubkeys: Vec<PublicKeyBytes> = keys.iter().map(|k| k.public_key().to_wire()).collect();
    let mut signed = HashMap::new();
    for d in 0..DOMAINS {
        for key in 0..=KEYS {
            for rollup in 0..ROLLUPS {
                for height in 0..HEIGHTS {
                    for block in 0..BLOCKS {
                        for da in 0..DAS {
                            for l1 in 0..L1S {
                                let cp = checkpoint(rollup, height, block, da, l1);
                                let dom = domain(d);
                                let (pubkey, sig, wrong) = if key < KEYS {
                                    let sk = &keys[key];
                                    let other = Checkpoint { l1_block: cp.l1_block + 7, ..cp };
                                    (
                                        pubkeys[key],
                                        sk.sign(cp.digest(&dom).as_slice()),
                                        sk.sign(other.digest(&dom).as_slice()),
                                    )
                                } else {
                                    // A malformed key "signing" with someone's real signature.
                                    let sk = &keys[0];
                                    let s = sk.sign(cp.digest(&dom).as_slice());
                                    (garbage_key(), s, s)
                                };
                                for mode in [
                                    Sig::Valid,
                                    Sig::ValidCompressed,
                                    Sig::WrongMessage,
                                    Sig::Garbage,
                                ] {
                                    let signature = match mode {
                                        Sig::Valid => sig.to_wire(false),
                                        Sig::ValidCompressed => sig.to_wire(true),
                                        Sig::WrongMessage => wrong.to_wire(false),
                                        Sig::Garbage => SignatureBytes::Uncompressed([0xa5; 96]),
                                    };
                                    let item =
                                        Item::from((d, key, rollup, height, block, da, l1, mode));
                                    signed.insert(
                                        item,
                                        SignedCheckpoint {
                                            domain: dom,
                                            checkpoint: cp,
                                            pubkey,
                                            signature,
                                        },
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Universe { keys, pubkeys, signed }
});

fn signed(item: &Item) -> SignedCheckpoint {
    UNIVERSE.signed[item]
}

fn is_valid(s: &SignedCheckpoint) -> bool {
    match (PublicKey::from_wire(&s.pubkey), Signature::from_wire(&s.signature)) {
        (Ok(pk), Ok(sig)) => verify(&pk, s.digest().as_slice(), &sig).is_ok(),
        _ => false,
    }
}

fn offence_of(s: &SignedCheckpoint) -> Offence {
    Offence {
        domain: s.domain,
        pubkey: s.pubkey,
        rollup_id: s.checkpoint.rollup_id,
        height: s.checkpoint.height,
    }
}

/// Every offence proven by a pair of valid signatures in the stream: all pairs compared.
fn oracle(stream: &[SignedCheckpoint]) -> BTreeSet<Offence> {
    let valid: Vec<&SignedCheckpoint> = stream.iter().filter(|s| is_valid(s)).collect();
    let mut found = BTreeSet::new();
    for (i, a) in valid.iter().enumerate() {
        for b in &valid[i + 1..] {
            if a.equivocates_with(b) {
                found.insert(offence_of(a));
            }
        }
    }
    found
}

/// The offences in the detector's results, checking every piece of evidence on the way.
fn reported(results: &[Ingested]) -> BTreeSet<Offence> {
    let mut found = BTreeSet::new();
    for r in results {
        if let Ingested::Equivocation(evidence) = r {
            let Evidence::DoubleSign { first, second } = evidence.as_ref() else {
                panic!("the detector only builds double-sign evidence");
            };
            assert!(is_valid(first), "evidence from an invalid signature: {first:?}");
            assert!(is_valid(second), "evidence from an invalid signature: {second:?}");
            // Never for daCommitment/l1Block-only differences: offence() checks the rule.
            found.insert(evidence.offence().expect("evidence proves an offence"));
        }
    }
    found
}

fn sig_strategy() -> impl Strategy<Value = Sig> {
    prop_oneof![
        12 => Just(Sig::Valid),
        2 => Just(Sig::ValidCompressed),
        2 => Just(Sig::WrongMessage),
        1 => Just(Sig::Garbage),
    ]
}

fn item_strategy() -> impl Strategy<Value = Item> {
    (
        0..DOMAINS,
        prop_oneof![10 => 0..KEYS, 1 => Just(KEYS)],
        0..ROLLUPS,
        0..HEIGHTS,
        // Mostly block 0, so that daCommitment/l1Block-only variations are common.
        prop_oneof![6 => Just(0usize), 1 => Just(1usize), 1 => Just(2usize)],
        0..DAS,
        0..L1S,
        sig_strategy(),
    )
        .prop_map(Item::from)
}

/// A stream and a way to split it into batches (cut points as fractions).
fn stream_strategy() -> impl Strategy<Value = (Vec<Item>, Vec<usize>)> {
    prop::collection::vec(item_strategy(), 0..80).prop_flat_map(|items| {
        let n = items.len();
        (Just(items), prop::collection::vec(0..=n, 0..6))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn detector_matches_oracle((items, cuts) in stream_strategy()) {
        let stream: Vec<SignedCheckpoint> = items.iter().map(signed).collect();

        let mut one = Detector::new();
        let singles: Vec<Ingested> = stream.iter().map(|s| one.ingest(s)).collect();
        prop_assert_eq!(reported(&singles), oracle(&stream));

        let mut cuts = cuts;
        cuts.push(0);
        cuts.push(stream.len());
        cuts.sort_unstable();
        let mut batched = Detector::new();
        let mut results = Vec::new();
        for w in cuts.windows(2) {
            results.extend(batched.ingest_batch(&stream[w[0]..w[1]]));
        }
        prop_assert_eq!(&results, &singles);
        prop_assert_eq!(batched.len(), one.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Table cases

fn item(key: usize, block: usize, da: u8, l1: u64, sig: Sig) -> SignedCheckpoint {
    signed(&Item::from((0, key, 0, 0, block, da, l1, sig)))
}

#[test]
fn rules_table() {
    use Sig::*;
    type Case = (&'static str, Vec<SignedCheckpoint>, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        ("first is new", vec![item(0, 0, 0, 0, Valid)], vec!["new"]),
        (
            "same block, other daCommitment and l1Block: no offence",
            vec![item(0, 0, 0, 0, Valid), item(0, 0, 1, 0, Valid), item(0, 0, 0, 1, Valid)],
            vec!["new", "dup", "dup"],
        ),
        (
            "other blockHash: offence",
            vec![item(0, 0, 0, 0, Valid), item(0, 1, 0, 0, Valid)],
            vec!["new", "equivocation"],
        ),
        (
            "other stateRoot only: offence",
            vec![item(0, 0, 0, 0, Valid), item(0, 2, 1, 1, ValidCompressed)],
            vec!["new", "equivocation"],
        ),
        (
            "third block: another proof of the same offence",
            vec![item(0, 0, 0, 0, Valid), item(0, 1, 0, 0, Valid), item(0, 2, 0, 0, Valid)],
            vec!["new", "equivocation", "equivocation"],
        ),
        (
            "conflicting but invalid new signature: ignored",
            vec![
                item(0, 0, 0, 0, Valid),
                item(0, 1, 0, 0, WrongMessage),
                item(0, 1, 0, 0, Garbage),
            ],
            vec!["new", "invalid", "invalid"],
        ),
        (
            "invalid indexed signature is replaced",
            vec![item(0, 0, 0, 0, Garbage), item(0, 1, 0, 0, Valid), item(0, 0, 0, 0, Valid)],
            vec!["new", "replaced", "equivocation"],
        ),
        (
            "a forged first signature does not shield the offender",
            vec![item(0, 0, 0, 0, WrongMessage), item(0, 0, 1, 0, Valid), item(0, 1, 0, 0, Valid)],
            vec!["new", "dup", "equivocation"],
        ),
        (
            "malformed key never panics and proves nothing",
            vec![item(KEYS, 0, 0, 0, Valid), item(KEYS, 1, 0, 0, Valid)],
            vec!["new", "invalid"],
        ),
        (
            "other keys are other entries",
            vec![item(0, 0, 0, 0, Valid), item(1, 1, 0, 0, Valid), item(2, 2, 0, 0, Valid)],
            vec!["new", "new", "new"],
        ),
    ];
    for (name, stream, expected) in cases {
        let mut d = Detector::new();
        let got: Vec<&str> = d
            .ingest_batch(&stream)
            .iter()
            .map(|r| match r {
                Ingested::New => "new",
                Ingested::Duplicate => "dup",
                Ingested::Replaced => "replaced",
                Ingested::Equivocation(_) => "equivocation",
                Ingested::InvalidSignature => "invalid",
                Ingested::BelowPruned => "below",
            })
            .collect();
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn prune_bounds_the_index() {
    let u = &*UNIVERSE;
    let dom = domain(0);
    let mut d = Detector::new();
    let sig = u.keys[0].sign(b"reused").to_wire(false);
    for height in 0..100u64 {
        for k in &u.pubkeys {
            let cp = Checkpoint { height, ..checkpoint(0, 0, 0, 0, 0) };
            let s = SignedCheckpoint { domain: dom, checkpoint: cp, pubkey: *k, signature: sig };
            assert_eq!(d.ingest(&s), Ingested::New);
        }
    }
    assert_eq!(d.len(), 300);
    assert_eq!(d.prune_below(10, 60), 180);
    assert_eq!(d.len(), 120);
    assert_eq!(d.floor(10), 60);
    // Below the mark: refused, not indexed.
    let old = SignedCheckpoint {
        domain: dom,
        checkpoint: Checkpoint { height: 5, ..checkpoint(0, 0, 0, 0, 0) },
        pubkey: u.pubkeys[0],
        signature: sig,
    };
    assert_eq!(d.ingest(&old), Ingested::BelowPruned);
    assert_eq!(d.len(), 120);
    // The mark never moves down; other rollups are untouched.
    assert_eq!(d.prune_below(10, 30), 0);
    assert_eq!(d.floor(10), 60);
    assert_eq!(d.prune_below(11, 1_000), 0);
    assert_eq!(d.len(), 120);
}
