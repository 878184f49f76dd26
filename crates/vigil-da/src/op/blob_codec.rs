//! OP Stack blob encoding, version 0: how a batcher packs bytes into an EIP-4844 blob.
//!
//! Spec: OP Stack derivation, Ecotone, "Blob Encoding". A blob is 4096 big-endian field elements
//! of 32 bytes, and each must stay below the BLS modulus, so the encoding leaves the top two bits
//! of every field element clear. It reads the payload stream (`version ‖ u24 length ‖ data`,
//! zero-padded) in 1024 rounds of 127 bytes; each round fills 4 field elements:
//!
//! ```text
//! stream:  tailA[31] x  tailB[31] y  tailC[31] z  tailD[31]
//! blob:    | A | tailA | B | tailB | C | tailC | D | tailD |     (A, B, C, D: 6-bit bytes)
//! A = x[0..6]   B = x[6..8] << 4 | y[0..4]   C = z[0..6]   D = z[6..8] << 4 | y[4..8]
//! ```
//!
//! So a blob carries at most `1024 × 127 − 4` = [`MAX_BLOB_DATA_SIZE`] bytes. Decoding rejects
//! anything the encoder would not have produced, so each payload has exactly one blob, with one
//! exception shared by the reference decoders: see [`decode`].

/// Bytes in an EIP-4844 blob: 4096 field elements of 32 bytes.
pub const BLOB_SIZE: usize = 131_072;

/// The most payload one blob carries: 1024 rounds of 127 bytes, less the 4-byte header.
pub const MAX_BLOB_DATA_SIZE: usize = 130_044;

/// The encoding version this module reads and writes (the payload stream's first byte).
pub const ENCODING_VERSION: u8 = 0;

const FIELD_ELEMENT_SIZE: usize = 32;
const FIELD_ELEMENTS_PER_ROUND: usize = 4;
const ROUND_SIZE: usize = FIELD_ELEMENT_SIZE * FIELD_ELEMENTS_PER_ROUND;
const ROUNDS: usize = 1024;
/// Payload bytes per round: 4 × 31 low bytes plus 3 bytes spread over 4 × 6 high bits.
const ROUND_DATA: usize = 127;
/// Version byte and big-endian u24 length at the start of the payload stream.
const HEADER_SIZE: usize = 4;
/// The bits of a field element's first byte that must stay clear.
const HIGH_BITS: u8 = 0b1100_0000;

const _: () = assert!(ROUNDS * ROUND_SIZE == BLOB_SIZE);
const _: () = assert!(ROUNDS * ROUND_DATA - HEADER_SIZE == MAX_BLOB_DATA_SIZE);
const _: () = assert!(MAX_BLOB_DATA_SIZE < 1 << 24);

/// Four field elements: what one round of the encoding fills.
type Round = [[u8; FIELD_ELEMENT_SIZE]; FIELD_ELEMENTS_PER_ROUND];

/// Why bytes are not a valid version-0 OP blob, or data does not fit in one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobCodecError {
    /// The input to [`decode`] is not exactly [`BLOB_SIZE`] bytes.
    #[error("blob is {len} bytes, expected {BLOB_SIZE}")]
    WrongSize {
        /// Length of the input.
        len: usize,
    },
    /// The version byte (blob byte 1) is not [`ENCODING_VERSION`].
    #[error("unknown OP blob encoding version {0}, expected {ENCODING_VERSION}")]
    UnknownVersion(u8),
    /// The blob declares, or [`encode`] was given, more than [`MAX_BLOB_DATA_SIZE`] bytes.
    #[error("{len} bytes of data, at most {MAX_BLOB_DATA_SIZE} fit in a blob")]
    TooLong {
        /// The declared or given length.
        len: usize,
    },
    /// A field element's first byte has one of its top two bits set: the encoder never writes
    /// that, and values this large may not even be field elements.
    #[error("field element {index} has one of its top two bits set")]
    FieldElementOutOfRange {
        /// Index of the field element, 0..4096.
        index: usize,
    },
    /// The blob carries a non-zero byte past its declared length. Padding must be zero, or one
    /// payload would have many encodings.
    #[error("non-zero byte at payload offset {offset}, past the declared length")]
    TrailingData {
        /// Offset of the first non-zero byte in the decoded payload stream, counted like the
        /// data (so at least the declared length).
        offset: usize,
    },
}

/// Decodes a version-0 OP blob into the data it carries.
///
/// Refuses a blob that is not [`BLOB_SIZE`] bytes, has another version, declares more than
/// [`MAX_BLOB_DATA_SIZE`] bytes, has a field element with a top bit set, or carries non-zero
/// bytes past the declared length.
///
/// One leniency, on purpose: the top two bits of field element 0 are ignored, not refused. The
/// spec says every field element's top bits must be zero, but op-node (`op-service/eth/blob.go`)
/// and kona both mask these two bits instead of checking them, and the specs were amended to say
/// so (ethereum-optimism/specs#923). Derivation must accept exactly what they accept, or Vigil
/// would disagree with the chain about which batches exist.
pub fn decode(blob: &[u8]) -> Result<Vec<u8>, BlobCodecError> {
    let rounds = as_rounds(blob).ok_or(BlobCodecError::WrongSize { len: blob.len() })?;
    let Some([[_, version, l0, l1, l2, ..], ..]) = rounds.first() else {
        return Err(BlobCodecError::WrongSize { len: blob.len() });
    };
    if *version != ENCODING_VERSION {
        return Err(BlobCodecError::UnknownVersion(*version));
    }
    let len = usize::from(*l0) << 16 | usize::from(*l1) << 8 | usize::from(*l2);
    if len > MAX_BLOB_DATA_SIZE {
        return Err(BlobCodecError::TooLong { len });
    }

    // Decode only the rounds that hold data (at least round 0, which holds the header).
    let data_rounds = (len + HEADER_SIZE).div_ceil(ROUND_DATA).max(1);
    let mut out = Vec::with_capacity(data_rounds * ROUND_DATA);
    for (r, round) in rounds.iter().enumerate().take(data_rounds) {
        check_high_bits(r, round)?;
        decode_round(round, r == 0, &mut out);
    }
    if let Some(pos) = out.get(len..).and_then(|pad| pad.iter().position(|&b| b != 0)) {
        return Err(BlobCodecError::TrailingData { offset: len + pos });
    }
    out.truncate(len);

    // Every later round must be all zero.
    let rest = blob.get(data_rounds * ROUND_SIZE..).unwrap_or_default();
    if let Some(pos) = rest.iter().position(|&b| b != 0) {
        let r = data_rounds + pos / ROUND_SIZE;
        return Err(trailing_round_error(r, rounds.get(r)));
    }
    Ok(out)
}

/// Encodes `data` into one version-0 OP blob of [`BLOB_SIZE`] bytes.
///
/// Refuses data longer than [`MAX_BLOB_DATA_SIZE`] with [`BlobCodecError::TooLong`]; use
/// [`encode_many`] to spread it over several blobs.
pub fn encode(data: &[u8]) -> Result<Vec<u8>, BlobCodecError> {
    if data.len() > MAX_BLOB_DATA_SIZE {
        return Err(BlobCodecError::TooLong { len: data.len() });
    }
    Ok(encode_fitting(data))
}

/// Splits `data` into as many blobs as needed, each carrying up to [`MAX_BLOB_DATA_SIZE`] bytes
/// (every blob full except the last), as a batcher posting a large frame does. Empty data needs
/// no blob. Decoding the blobs in order and concatenating their data gives `data` back.
pub fn encode_many(data: &[u8]) -> Vec<Vec<u8>> {
    data.chunks(MAX_BLOB_DATA_SIZE).map(encode_fitting).collect()
}

/// Encodes data the caller has checked fits (`data.len() <= MAX_BLOB_DATA_SIZE`).
fn encode_fitting(data: &[u8]) -> Vec<u8> {
    debug_assert!(data.len() <= MAX_BLOB_DATA_SIZE);
    let mut blob = vec![0; BLOB_SIZE];
    let (elements, _) = blob.as_chunks_mut::<FIELD_ELEMENT_SIZE>();
    let (rounds, _) = elements.as_chunks_mut::<FIELD_ELEMENTS_PER_ROUND>();
    let mut rounds = rounds.iter_mut();

    // Fits in 24 bits: checked by the caller, and MAX_BLOB_DATA_SIZE < 2^24.
    let [_, l0, l1, l2] = (data.len() as u32).to_be_bytes();
    let header = [ENCODING_VERSION, l0, l1, l2];
    let (first, rest) = data.split_at(data.len().min(ROUND_DATA - HEADER_SIZE));
    if let Some(round) = rounds.next() {
        encode_round(header.into_iter().chain(first.iter().copied()), round);
    }
    // Rounds past the data stay zero.
    for (round, chunk) in rounds.zip(rest.chunks(ROUND_DATA)) {
        encode_round(chunk.iter().copied(), round);
    }
    blob
}

/// Views a blob as its 1024 rounds, or `None` if it is not [`BLOB_SIZE`] bytes.
fn as_rounds(blob: &[u8]) -> Option<&[Round]> {
    if blob.len() != BLOB_SIZE {
        return None;
    }
    let (elements, _) = blob.as_chunks::<FIELD_ELEMENT_SIZE>();
    let (rounds, _) = elements.as_chunks::<FIELD_ELEMENTS_PER_ROUND>();
    Some(rounds)
}

/// Checks the top two bits of round `r`'s field elements, except field element 0's (see
/// [`decode`]).
fn check_high_bits(r: usize, round: &Round) -> Result<(), BlobCodecError> {
    for (i, [first, ..]) in round.iter().enumerate() {
        if first & HIGH_BITS != 0 && (r, i) != (0, 0) {
            return Err(BlobCodecError::FieldElementOutOfRange {
                index: r * FIELD_ELEMENTS_PER_ROUND + i,
            });
        }
    }
    Ok(())
}

/// Appends the 127 payload bytes of one round to `out`, or 123 for round 0 (`skip_header`),
/// whose first 4 are the version and length. The top bits must have been checked.
fn decode_round(round: &Round, skip_header: bool, out: &mut Vec<u8>) {
    let [[a, tail_a @ ..], [b, tail_b @ ..], [c, tail_c @ ..], [d, tail_d @ ..]] = round;
    let x = (a & 0b0011_1111) | (b & 0b0011_0000) << 2;
    let y = (b & 0b0000_1111) | (d & 0b0000_1111) << 4;
    let z = (c & 0b0011_1111) | (d & 0b0011_0000) << 2;
    let [_, _, _, _, after_header @ ..] = tail_a;
    out.extend_from_slice(if skip_header { after_header } else { tail_a });
    out.push(x);
    out.extend_from_slice(tail_b);
    out.push(y);
    out.extend_from_slice(tail_c);
    out.push(z);
    out.extend_from_slice(tail_d);
}

/// The error for a non-zero byte in round `r`, a round past the declared length.
fn trailing_round_error(r: usize, round: Option<&Round>) -> BlobCodecError {
    let round_start = r * ROUND_DATA - HEADER_SIZE;
    let Some(round) = round else {
        return BlobCodecError::TrailingData { offset: round_start };
    };
    if let Err(e) = check_high_bits(r, round) {
        return e;
    }
    // Decoding is one-to-one once the top bits are clear, so some decoded byte is non-zero.
    let mut decoded = Vec::with_capacity(ROUND_DATA);
    decode_round(round, false, &mut decoded);
    let pos = decoded.iter().position(|&b| b != 0).unwrap_or_default();
    BlobCodecError::TrailingData { offset: round_start + pos }
}

/// Fills one round from the next 127 bytes of `stream`, padding with zeros when it runs out.
fn encode_round(mut stream: impl Iterator<Item = u8>, round: &mut Round) {
    let [[a, tail_a @ ..], [b, tail_b @ ..], [c, tail_c @ ..], [d, tail_d @ ..]] = round;
    fill(tail_a, &mut stream);
    let x = stream.next().unwrap_or_default();
    fill(tail_b, &mut stream);
    let y = stream.next().unwrap_or_default();
    fill(tail_c, &mut stream);
    let z = stream.next().unwrap_or_default();
    fill(tail_d, &mut stream);
    *a = x & 0b0011_1111;
    *b = (x & 0b1100_0000) >> 2 | (y & 0b0000_1111);
    *c = z & 0b0011_1111;
    *d = (z & 0b1100_0000) >> 2 | (y & 0b1111_0000) >> 4;
}

/// Copies bytes from `stream` into `dst` until either runs out (`dst` keeps its zeros).
fn fill(dst: &mut [u8], stream: &mut impl Iterator<Item = u8>) {
    // `zip` asks `dst` first, so it takes no byte from `stream` once `dst` is full.
    for (slot, byte) in dst.iter_mut().zip(stream) {
        *slot = byte;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data whose byte `i` is `i` (mod 251), so misplaced bytes show.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn constants_match_the_spec() {
        assert_eq!(BLOB_SIZE, 4096 * 32);
        assert_eq!(MAX_BLOB_DATA_SIZE, (4 * 31 + 3) * 1024 - 4);
    }

    /// The layout worked by hand from the spec's pseudocode: header and first 27 data bytes in
    /// field element 0, stream bytes 31, 63, 95 (data 27, 59, 91) split over the 6-bit bytes.
    #[test]
    fn layout_follows_the_spec() {
        let mut data = pattern(200);
        data[27] = 0b1110_0101; // x
        data[59] = 0b1010_1011; // y
        data[91] = 0b0111_1111; // z
        let blob = encode(&data).unwrap();
        assert_eq!(blob[1..5], [ENCODING_VERSION, 0, 0, 200]);
        assert_eq!(blob[5..32], data[..27]);
        assert_eq!(blob[0], 0b0010_0101, "A = x & 0x3f");
        assert_eq!(blob[32], 0b0011_1011, "B = (x >> 6) << 4 | y & 0x0f");
        assert_eq!(blob[33..64], data[28..59]);
        assert_eq!(blob[64], 0b0011_1111, "C = z & 0x3f");
        assert_eq!(blob[96], 0b0001_1010, "D = (z >> 6) << 4 | y >> 4");
        assert_eq!(blob[97..128], data[92..123]);
        // Round 1 starts at data byte 123 (stream byte 127).
        assert_eq!(blob[129..160], data[123..154]);
        assert!(blob[2 * 128..].iter().all(|&b| b == 0), "rounds past the data stay zero");
        assert_eq!(decode(&blob).unwrap(), data);
    }

    #[test]
    fn round_trips_one_round_of_ones() {
        let stream = [0xff; ROUND_DATA];
        let mut round = [[0; FIELD_ELEMENT_SIZE]; FIELD_ELEMENTS_PER_ROUND];
        encode_round(stream.iter().copied(), &mut round);
        for element in &round {
            assert_eq!(element[0], 0b0011_1111);
        }
        let mut out = Vec::new();
        decode_round(&round, false, &mut out);
        assert_eq!(out, stream);
    }

    #[test]
    fn round_trips_around_round_boundaries() {
        for len in (0..=400).chain(MAX_BLOB_DATA_SIZE - 130..=MAX_BLOB_DATA_SIZE) {
            let data = pattern(len);
            let blob = encode(&data).unwrap();
            assert_eq!(blob.len(), BLOB_SIZE);
            assert_eq!(decode(&blob).unwrap(), data, "len {len}");
        }
    }

    #[test]
    fn empty_data_is_the_zero_blob() {
        assert_eq!(encode(&[]).unwrap(), vec![0; BLOB_SIZE]);
        assert_eq!(decode(&[0; BLOB_SIZE]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn encode_refuses_too_much_data() {
        let data = vec![1; MAX_BLOB_DATA_SIZE + 1];
        assert_eq!(encode(&data), Err(BlobCodecError::TooLong { len: MAX_BLOB_DATA_SIZE + 1 }));
    }

    #[test]
    fn field_element_zero_top_bits_are_ignored_like_op_node() {
        let data = pattern(300);
        let mut blob = encode(&data).unwrap();
        blob[0] |= HIGH_BITS;
        assert_eq!(decode(&blob).unwrap(), data);
        // Every other field element's top bits are checked.
        blob[0] &= !HIGH_BITS;
        blob[32] |= 0b0100_0000;
        assert_eq!(decode(&blob), Err(BlobCodecError::FieldElementOutOfRange { index: 1 }));
    }

    #[test]
    fn trailing_error_points_at_the_payload_offset() {
        let blob = encode(b"short").unwrap();
        let cases = [
            // (blob byte, value, payload offset)
            (10, 1, 5),                                 // field element 0, tail
            (0, 1, 27),                                 // x, low bits (A)
            (32, 0b0001_0000, 27),                      // x, high bits (B)
            (96, 0b0000_0001, 59),                      // y, high bits (D)
            (127, 1, 122),                              // last byte of round 0
            (128 + 1, 1, 123),                          // round 1, first stream byte
            (3 * 128 + 1, 7, 3 * 127 - 4),              // a later round
            (BLOB_SIZE - 1, 1, MAX_BLOB_DATA_SIZE - 1), // the last byte
        ];
        for (at, value, offset) in cases {
            let mut bad = blob.clone();
            bad[at] = value;
            assert_eq!(decode(&bad), Err(BlobCodecError::TrailingData { offset }), "byte {at}");
        }
    }

    #[test]
    fn high_bits_past_the_data_are_out_of_range() {
        let mut blob = encode(b"short").unwrap();
        blob[5 * 128 + 64] = 0b1000_0000;
        assert_eq!(decode(&blob), Err(BlobCodecError::FieldElementOutOfRange { index: 22 }));
    }
}
