//! The batch format batchers post in blobs, and operators decode to check availability.
//!
//! Layout (the byte payload; packing it into blob field elements is the blob coder's job):
//!
//! ```text
//! magic "VGLB" (4) | version 0x01 (1) | rollupId u64 BE (8) | first u64 BE (8) | last u64 BE (8)
//! then, for each height first..=last, one RLP item: [header, [tx, ...]]
//! ```
//!
//! `header` is the block header's own RLP (so `keccak256(header)` is the block hash) and each
//! `tx` is an RLP byte string holding the EIP-2718 encoding of a transaction. RLP items are
//! self-delimiting, so no lengths are needed and nothing may follow the last block.

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable, Header};

use crate::{Error, Result};

/// The first four bytes of every batch.
pub const BATCH_MAGIC: [u8; 4] = *b"VGLB";
/// The batch format version this build writes and reads.
pub const BATCH_VERSION: u8 = 1;
/// Index of `stateRoot` in an Ethereum block header's RLP list.
const HEADER_STATE_ROOT_INDEX: usize = 3;
/// Index of `number` in an Ethereum block header's RLP list.
const HEADER_NUMBER_INDEX: usize = 8;

/// The fixed-size header at the start of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// The L2's chain id.
    pub rollup_id: u64,
    /// Height of the first block.
    pub first: u64,
    /// Height of the last block (inclusive).
    pub last: u64,
}

impl BatchHeader {
    /// Encoded size in bytes.
    pub const LEN: usize = 4 + 1 + 8 + 8 + 8;

    fn decode(buf: &mut &[u8]) -> Result<Self> {
        let magic: [u8; 4] = take_array(buf, "batch magic")?;
        if magic != BATCH_MAGIC {
            return Err(Error::BadMagic { found: magic });
        }
        let [version] = take_array(buf, "batch version")?;
        if version != BATCH_VERSION {
            return Err(Error::UnsupportedVersion { found: version, supported: BATCH_VERSION });
        }
        let rollup_id = u64::from_be_bytes(take_array(buf, "batch rollupId")?);
        let first = u64::from_be_bytes(take_array(buf, "batch first height")?);
        let last = u64::from_be_bytes(take_array(buf, "batch last height")?);
        if last < first {
            return Err(Error::InvalidRange { first, last });
        }
        Ok(Self { rollup_id, first, last })
    }
}

/// One L2 block in a batch: its header RLP and its transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchBlock {
    header: Bytes,
    transactions: Vec<Bytes>,
    number: u64,
    state_root: B256,
}

impl BatchBlock {
    /// Builds a block from its header's RLP and its EIP-2718-encoded transactions, reading the
    /// block number and state root out of the header.
    pub fn new(header: Bytes, transactions: Vec<Bytes>) -> Result<Self> {
        let (number, state_root) = parse_header(&header)?;
        Ok(Self { header, transactions, number, state_root })
    }

    /// The block hash: `keccak256` of the header RLP.
    pub fn hash(&self) -> B256 {
        keccak256(&self.header)
    }

    /// The block number from the header.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The state root from the header.
    pub fn state_root(&self) -> B256 {
        self.state_root
    }

    /// The header's RLP.
    pub fn header_rlp(&self) -> &Bytes {
        &self.header
    }

    /// The transactions, EIP-2718 encoded.
    pub fn transactions(&self) -> &[Bytes] {
        &self.transactions
    }

    fn txs_payload_len(&self) -> usize {
        self.transactions.iter().map(|t| t.length()).sum()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let txs_len = self.txs_payload_len();
        let txs_header = Header { list: true, payload_length: txs_len };
        let payload = self.header.len() + txs_header.length() + txs_len;
        Header { list: true, payload_length: payload }.encode(out);
        out.extend_from_slice(&self.header);
        txs_header.encode(out);
        for tx in &self.transactions {
            tx.encode(out);
        }
    }

    fn decode(buf: &mut &[u8]) -> Result<Self> {
        let mut body = take_list(buf, "batch block")?;
        let header = take_raw_item(&mut body, "block header")?;
        let mut txs = take_list(&mut body, "block transactions")?;
        if !body.is_empty() {
            return Err(rlp_err("batch block", "more than [header, transactions]"));
        }
        let mut transactions = Vec::new();
        while !txs.is_empty() {
            let tx = Bytes::decode(&mut txs).map_err(|e| rlp_err("transaction", e))?;
            transactions.push(tx);
        }
        Self::new(Bytes::copy_from_slice(header), transactions)
    }
}

/// A batch: consecutive L2 blocks of one rollup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    rollup_id: u64,
    blocks: Vec<BatchBlock>,
}

impl Batch {
    /// A batch of consecutive, non-empty blocks.
    pub fn new(rollup_id: u64, blocks: Vec<BatchBlock>) -> Result<Self> {
        let first = blocks.first().ok_or(Error::EmptyBatch)?.number;
        check_consecutive(first, &blocks)?;
        Ok(Self { rollup_id, blocks })
    }

    /// The header this batch encodes with.
    pub fn header(&self) -> BatchHeader {
        let first = self.blocks.first().map_or(0, BatchBlock::number);
        let last = self.blocks.last().map_or(0, BatchBlock::number);
        BatchHeader { rollup_id: self.rollup_id, first, last }
    }

    /// The rollup's chain id.
    pub fn rollup_id(&self) -> u64 {
        self.rollup_id
    }

    /// The blocks, in height order.
    pub fn blocks(&self) -> &[BatchBlock] {
        &self.blocks
    }

    /// The block at `height`, if the batch holds it.
    pub fn block(&self, height: u64) -> Option<&BatchBlock> {
        let first = self.blocks.first()?.number;
        let index = usize::try_from(height.checked_sub(first)?).ok()?;
        self.blocks.get(index)
    }

    /// Encodes the batch payload.
    pub fn encode(&self) -> Vec<u8> {
        let h = self.header();
        let mut out = Vec::with_capacity(BatchHeader::LEN + 512 * self.blocks.len());
        out.extend_from_slice(&BATCH_MAGIC);
        out.push(BATCH_VERSION);
        out.extend_from_slice(&h.rollup_id.to_be_bytes());
        out.extend_from_slice(&h.first.to_be_bytes());
        out.extend_from_slice(&h.last.to_be_bytes());
        for block in &self.blocks {
            block.encode(&mut out);
        }
        out
    }

    /// Decodes and validates a batch payload: magic, version, the announced range against the
    /// block numbers in the headers, well-formed RLP, and nothing trailing.
    pub fn decode(mut buf: &[u8]) -> Result<Self> {
        let header = BatchHeader::decode(&mut buf)?;
        let mut blocks = Vec::new();
        while !buf.is_empty() {
            blocks.push(BatchBlock::decode(&mut buf)?);
        }
        let announced = (header.last - header.first).saturating_add(1);
        let found = blocks.len() as u64;
        if announced != found {
            return Err(Error::BlockCountMismatch { announced, found });
        }
        check_consecutive(header.first, &blocks)?;
        Ok(Self { rollup_id: header.rollup_id, blocks })
    }
}

fn check_consecutive(first: u64, blocks: &[BatchBlock]) -> Result<()> {
    let mut expected = first;
    for (index, block) in blocks.iter().enumerate() {
        if block.number != expected {
            return Err(Error::BlockNumberMismatch { index, expected, found: block.number });
        }
        expected = expected.wrapping_add(1);
    }
    Ok(())
}

fn rlp_err(what: &'static str, reason: impl ToString) -> Error {
    Error::Rlp { what, reason: reason.to_string() }
}

fn take_array<const N: usize>(buf: &mut &[u8], what: &'static str) -> Result<[u8; N]> {
    let (head, rest) = buf
        .split_first_chunk::<N>()
        .ok_or(Error::Truncated { what, needed: N.saturating_sub(buf.len()) })?;
    *buf = rest;
    Ok(*head)
}

/// Takes one RLP list item off `buf`, returning its payload.
fn take_list<'a>(buf: &mut &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let header = Header::decode(buf).map_err(|e| rlp_err(what, e))?;
    if !header.list {
        return Err(rlp_err(what, "expected a list"));
    }
    let (payload, rest) = buf
        .split_at_checked(header.payload_length)
        .ok_or_else(|| rlp_err(what, "list payload runs past the input"))?;
    *buf = rest;
    Ok(payload)
}

/// Takes one RLP item (string or list) off `buf`, returning it whole, prefix included.
fn take_raw_item<'a>(buf: &mut &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let start = *buf;
    let header = Header::decode(buf).map_err(|e| rlp_err(what, e))?;
    // The prefix is what the decoder consumed: nothing for a single byte below 0x80, which is its
    // own item (so `Header::length_with_payload` would count one byte too many).
    let prefix = start.len().saturating_sub(buf.len());
    let total = prefix.saturating_add(header.payload_length);
    let (item, rest) =
        start.split_at_checked(total).ok_or_else(|| rlp_err(what, "item runs past the input"))?;
    *buf = rest;
    Ok(item)
}

/// Reads `(number, stateRoot)` from a block header's RLP.
fn parse_header(header: &[u8]) -> Result<(u64, B256)> {
    let mut outer = header;
    let mut fields = take_list(&mut outer, "block header")?;
    if !outer.is_empty() {
        return Err(rlp_err("block header", "trailing bytes after the header list"));
    }
    let mut state_root = None;
    let mut number = None;
    let mut index = 0usize;
    while !fields.is_empty() {
        let mut item = take_raw_item(&mut fields, "header field")?;
        match index {
            HEADER_STATE_ROOT_INDEX => {
                state_root =
                    Some(B256::decode(&mut item).map_err(|e| rlp_err("header stateRoot", e))?);
            }
            HEADER_NUMBER_INDEX => {
                number = Some(u64::decode(&mut item).map_err(|e| rlp_err("header number", e))?);
                break;
            }
            _ => {}
        }
        index = index.saturating_add(1);
    }
    match (number, state_root) {
        (Some(n), Some(root)) => Ok((n, root)),
        _ => Err(rlp_err("block header", "fewer than 9 fields")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A syntactically real (pre-London shaped) header RLP with the given number and state root.
    pub(crate) fn header_rlp(number: u64, state_root: B256) -> Bytes {
        let mut payload = Vec::new();
        B256::repeat_byte(0x11).encode(&mut payload); // parentHash
        B256::repeat_byte(0x22).encode(&mut payload); // ommersHash
        alloy_primitives::Address::repeat_byte(0x33).encode(&mut payload); // beneficiary
        state_root.encode(&mut payload);
        B256::repeat_byte(0x44).encode(&mut payload); // transactionsRoot
        B256::repeat_byte(0x55).encode(&mut payload); // receiptsRoot
        Bytes::from(vec![0u8; 256]).encode(&mut payload); // logsBloom
        0u64.encode(&mut payload); // difficulty
        number.encode(&mut payload);
        30_000_000u64.encode(&mut payload); // gasLimit
        21_000u64.encode(&mut payload); // gasUsed
        1_700_000_000u64.encode(&mut payload); // timestamp
        Bytes::new().encode(&mut payload); // extraData
        let mut out = Vec::new();
        Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(&payload);
        out.into()
    }

    fn block(n: u64) -> BatchBlock {
        let txs = vec![Bytes::from(vec![2u8, 0xc0 | 1, n as u8]), Bytes::from(vec![0x80; 70])];
        BatchBlock::new(header_rlp(n, B256::repeat_byte(n as u8)), txs).unwrap()
    }

    #[test]
    fn round_trip_and_lookup() {
        let batch = Batch::new(10, (5..9).map(block).collect()).unwrap();
        let bytes = batch.encode();
        assert_eq!(&bytes[..4], b"VGLB");
        let back = Batch::decode(&bytes).unwrap();
        assert_eq!(back, batch);
        assert_eq!(back.header(), BatchHeader { rollup_id: 10, first: 5, last: 8 });
        let b7 = back.block(7).unwrap();
        assert_eq!(b7.number(), 7);
        assert_eq!(b7.state_root(), B256::repeat_byte(7));
        assert_eq!(b7.hash(), keccak256(header_rlp(7, B256::repeat_byte(7))));
        assert_eq!(b7.transactions().len(), 2);
        assert!(back.block(4).is_none());
        assert!(back.block(9).is_none());
    }

    /// A header whose last field is a single-byte item (< 0x80, no prefix) parses; the number's
    /// encoding covers every length class.
    #[test]
    fn single_byte_items_are_their_own_prefix() {
        for number in [0u64, 1, 0x7f, 0x80, 0xff, 0x1_0000, u64::MAX] {
            let mut payload = Vec::new();
            for i in 0..8u8 {
                B256::repeat_byte(i).encode(&mut payload);
            }
            number.encode(&mut payload);
            let mut rlp = Vec::new();
            Header { list: true, payload_length: payload.len() }.encode(&mut rlp);
            rlp.extend_from_slice(&payload);
            let block = BatchBlock::new(rlp.into(), vec![]).unwrap();
            assert_eq!(block.number(), number);
            assert_eq!(block.state_root(), B256::repeat_byte(3));
        }
    }

    #[test]
    fn refuses_gaps_and_empty() {
        assert_eq!(Batch::new(1, vec![]), Err(Error::EmptyBatch));
        let err = Batch::new(1, vec![block(1), block(3)]).unwrap_err();
        assert_eq!(err, Error::BlockNumberMismatch { index: 1, expected: 2, found: 3 });
    }

    #[test]
    fn decode_refuses_hostile_payloads() {
        let good = Batch::new(10, (5..8).map(block).collect()).unwrap().encode();
        // Bad magic.
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(matches!(Batch::decode(&bad), Err(Error::BadMagic { .. })));
        // Unknown version.
        let mut bad = good.clone();
        bad[4] = 2;
        assert!(matches!(Batch::decode(&bad), Err(Error::UnsupportedVersion { found: 2, .. })));
        // Header announces more blocks than present.
        let mut bad = good.clone();
        bad[28] = 9; // last = 9
        assert!(matches!(Batch::decode(&bad), Err(Error::BlockCountMismatch { .. })));
        // Reversed range.
        let mut bad = good.clone();
        bad[20] = 0xff;
        assert!(matches!(Batch::decode(&bad), Err(Error::InvalidRange { .. })));
        // Truncated anywhere: an error, never a panic.
        for cut in 0..good.len() {
            assert!(Batch::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        // Trailing garbage.
        let mut bad = good.clone();
        bad.push(0x01);
        assert!(Batch::decode(&bad).is_err());
    }
}
