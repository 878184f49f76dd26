//! The OP blob codec against recorded blobs (op-service's test vectors and a real OP Sepolia
//! blob), hostile blobs, and random data.

use proptest::prelude::*;
use vigil_da::op::blob_codec::{
    BLOB_SIZE, BlobCodecError, ENCODING_VERSION, MAX_BLOB_DATA_SIZE, decode, encode, encode_many,
};

const OP_BATCHES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/realdata/op-batches");

/// Reads a `0x`-hex file under `testdata/realdata/op-batches/`.
fn read_hex(path: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!("{OP_BATCHES}/{path}")).unwrap();
    let text = text.trim();
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).unwrap()
}

fn vector(n: usize) -> Vec<u8> {
    read_hex(&format!("blob-codec-vectors/blob{n}.txt"))
}

/// op-service `blob_test.go`'s vectors: each decodes to the documented data, and encoding that
/// data gives back the identical blob.
#[test]
fn op_service_vectors_decode_and_reencode() {
    let cases: [(usize, &[u8]); 8] = [
        (1, b"this is a test of blob encoding/decoding"),
        (2, b"short"),
        (3, &[0]),
        (4, &[0, 1, 0]),
        (5, &[0; 27]),
        (6, &[0; 26]),
        (7, &[0; 25]),
        (8, &[]),
    ];
    for (n, expected) in cases {
        let blob = vector(n);
        assert_eq!(blob.len(), BLOB_SIZE, "blob{n}");
        assert_eq!(decode(&blob).unwrap(), expected, "blob{n} decodes");
        assert!(encode(expected).unwrap() == blob, "blob{n} re-encodes to the same blob");
    }
}

/// A real OP Sepolia batcher blob (one zlib channel frame).
#[test]
fn op_sepolia_blob_decodes_and_reencodes() {
    let blob = read_hex("op-sepolia-blob-span-zlib/blob9.txt");
    let expected = read_hex("op-sepolia-blob-span-zlib/blob9_decode.txt");
    assert_eq!(expected.len(), 3220);
    let data = decode(&blob).unwrap();
    assert!(data == expected, "decoded data differs from blob9_decode.txt");
    assert_eq!(data.first(), Some(&0), "derivation version byte of the frame data");
    assert!(encode(&data).unwrap() == blob, "re-encodes to the same blob");
}

/// Each hostile change to a valid blob, and the typed error it must get.
#[test]
fn hostile_blobs_get_typed_errors() {
    let valid = vector(1); // 40 bytes of data: only round 0 carries data
    type Edit = fn(&mut Vec<u8>);
    let cases: [(&str, Edit, BlobCodecError); 14] = [
        ("version 1", |b| b[1] = 1, BlobCodecError::UnknownVersion(1)),
        ("version 0xff", |b| b[1] = 0xff, BlobCodecError::UnknownVersion(0xff)),
        (
            "length max + 1",
            |b| b[2..5].copy_from_slice(&[0x01, 0xfb, 0xfd]),
            BlobCodecError::TooLong { len: MAX_BLOB_DATA_SIZE + 1 },
        ),
        (
            "length 2^24 - 1",
            |b| b[2..5].copy_from_slice(&[0xff; 3]),
            BlobCodecError::TooLong { len: 0xff_ffff },
        ),
        (
            "top bit of field element 1",
            |b| b[32] |= 0x80,
            BlobCodecError::FieldElementOutOfRange { index: 1 },
        ),
        (
            "second bit of field element 3",
            |b| b[96] |= 0x40,
            BlobCodecError::FieldElementOutOfRange { index: 3 },
        ),
        (
            "top bits of a field element past the data",
            |b| b[20 * 32] = 0xc0,
            BlobCodecError::FieldElementOutOfRange { index: 20 },
        ),
        (
            "top bits of the last field element",
            |b| b[BLOB_SIZE - 32] = 0x80,
            BlobCodecError::FieldElementOutOfRange { index: 4095 },
        ),
        (
            "non-zero byte right after the data",
            |b| b[1 + 4 + 40] = 1,
            BlobCodecError::TrailingData { offset: 40 },
        ),
        (
            "non-zero byte in round 0's padding",
            |b| b[127] = 0x5a,
            BlobCodecError::TrailingData { offset: 122 },
        ),
        (
            "non-zero byte in a later round",
            |b| b[2 * 128 + 33] = 1,
            BlobCodecError::TrailingData { offset: 2 * 127 - 4 + 32 },
        ),
        (
            "non-zero last byte",
            |b| b[BLOB_SIZE - 1] = 1,
            BlobCodecError::TrailingData { offset: MAX_BLOB_DATA_SIZE - 1 },
        ),
        (
            "one byte short",
            |b| {
                b.pop();
            },
            BlobCodecError::WrongSize { len: BLOB_SIZE - 1 },
        ),
        ("one byte long", |b| b.push(0), BlobCodecError::WrongSize { len: BLOB_SIZE + 1 }),
    ];
    assert!(decode(&valid).is_ok());
    for (name, edit, expected) in cases {
        let mut blob = valid.clone();
        edit(&mut blob);
        assert_eq!(decode(&blob), Err(expected), "{name}");
    }
    assert_eq!(decode(&[]), Err(BlobCodecError::WrongSize { len: 0 }));
}

/// The data length lives in the payload stream, so a shorter declared length leaves real data
/// past it: refused, never truncated.
#[test]
fn shortened_length_is_trailing_data() {
    let mut blob = vector(1);
    blob[4] = 39;
    assert_eq!(decode(&blob), Err(BlobCodecError::TrailingData { offset: 39 }));
}

#[test]
fn encode_many_splits_into_full_blobs() {
    assert!(encode_many(&[]).is_empty());
    for len in [1, MAX_BLOB_DATA_SIZE, MAX_BLOB_DATA_SIZE + 1, 5 * MAX_BLOB_DATA_SIZE + 777] {
        let data = random_bytes(len as u64, len);
        let blobs = encode_many(&data);
        assert_eq!(blobs.len(), len.div_ceil(MAX_BLOB_DATA_SIZE), "len {len}");
        let mut joined = Vec::new();
        for (i, blob) in blobs.iter().enumerate() {
            assert_eq!(blob.len(), BLOB_SIZE);
            let piece = decode(blob).unwrap();
            if i + 1 < blobs.len() {
                assert_eq!(piece.len(), MAX_BLOB_DATA_SIZE, "every blob but the last is full");
            }
            joined.extend_from_slice(&piece);
        }
        assert!(joined == data, "len {len}: concatenation differs");
    }
}

/// Deterministic bytes from a seed (splitmix64): keeps random inputs cheap to generate and
/// shrink, unlike a strategy with one value tree per byte.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Lengths at the edges of field elements, rounds and the blob, and anything in between.
fn data_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop::sample::select(vec![
            0,
            1,
            26,
            27,
            28,
            58,
            59,
            60,
            122,
            123,
            124,
            127,
            128,
            250,
            MAX_BLOB_DATA_SIZE - 127,
            MAX_BLOB_DATA_SIZE - 1,
            MAX_BLOB_DATA_SIZE,
        ]),
        0..=MAX_BLOB_DATA_SIZE,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random data round-trips, and the encoding is a blob of canonical field elements.
    #[test]
    fn encode_then_decode_round_trips(len in data_len(), seed in any::<u64>()) {
        let data = random_bytes(seed, len);
        let blob = encode(&data).unwrap();
        prop_assert_eq!(blob.len(), BLOB_SIZE);
        prop_assert_eq!(blob[1], ENCODING_VERSION);
        for (i, element) in blob.chunks_exact(32).enumerate() {
            prop_assert_eq!(element[0] & 0b1100_0000, 0, "field element {}", i);
        }
        prop_assert!(decode(&blob).unwrap() == data);
    }

    /// One flipped bit in a valid blob is refused or changes the data; the only exception is
    /// the top two bits of field element 0, which the reference decoders ignore.
    #[test]
    fn flipped_bit_never_decodes_to_the_same_data(
        len in data_len(),
        seed in any::<u64>(),
        bit in 0..BLOB_SIZE * 8,
    ) {
        let data = random_bytes(seed, len);
        let mut blob = encode(&data).unwrap();
        blob[bit / 8] ^= 1 << (bit % 8);
        match decode(&blob) {
            Ok(decoded) if decoded == data => prop_assert!(bit == 6 || bit == 7, "bit {}", bit),
            Ok(_) | Err(_) => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Arbitrary bytes never panic the decoder, even with a plausible header.
    #[test]
    fn decode_of_arbitrary_bytes_never_panics(
        seed in any::<u64>(),
        version_zero in any::<bool>(),
        len in 0u32..1 << 24,
        clear_top_bits in any::<bool>(),
    ) {
        let mut blob = random_bytes(seed, BLOB_SIZE);
        if version_zero {
            blob[1] = 0;
            blob[2..5].copy_from_slice(&len.to_be_bytes()[1..]);
        }
        if clear_top_bits {
            for element in blob.chunks_exact_mut(32) {
                element[0] &= 0b0011_1111;
            }
        }
        let _ = decode(&blob);
        let _ = decode(&blob[..BLOB_SIZE - 1]);
    }
}
