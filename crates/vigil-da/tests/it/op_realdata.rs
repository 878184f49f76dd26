//! The OP Stack path on real mainnet and testnet batcher data (testdata/realdata, copied with
//! sources from public repositories): every batch decodes to the values its README states.

use std::path::PathBuf;

use alloy::{
    consensus::{Transaction as _, TxEnvelope},
    eips::eip2718::Decodable2718,
    primitives::{Address, B256, keccak256},
};
use vigil_da::op::{
    BatchKind, BatcherData, Carrier, ChannelAssembler, Compression, DecodedChannel, OpRollupConfig,
    ParentCheck, assemble, blob_codec,
};

fn realdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata").join(path)
}

fn hex_file(path: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(realdata(path)).unwrap();
    hex::decode(text.trim().trim_start_matches("0x")).unwrap()
}

fn config(name: &str) -> OpRollupConfig {
    OpRollupConfig::read(&realdata(&format!("rollup-configs/{name}"))).unwrap()
}

/// Feeds one batcher data item through a fresh assembler and expects exactly one channel.
fn one_channel(config: &OpRollupConfig, carrier: Carrier, item: Vec<u8>) -> DecodedChannel {
    let mut asm = ChannelAssembler::new();
    let data = vec![BatcherData { carrier, items: vec![item] }];
    let (channels, refusals) = assemble(&mut asm, config, 1, 0, data);
    assert!(refusals.is_empty(), "{refusals:?}");
    let [channel] = <[DecodedChannel; 1]>::try_from(channels).unwrap();
    channel
}

fn b20(hex: &str) -> alloy::primitives::FixedBytes<20> {
    hex.parse().unwrap()
}

#[test]
fn op_mainnet_calldata_span_batch() {
    // A real EIP-2718 batcher transaction (kona's testdata).
    let raw =
        std::fs::read(realdata("op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex"))
            .unwrap();
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert_eq!(
        *tx.tx_hash(),
        "0xe69d94330faafb4f716f7ad9b3b50ea8ff5ce57aea6d2f8be07afb7fe49cd6cf"
            .parse::<B256>()
            .unwrap()
    );
    let mut cfg = config("mainnet-op.toml");
    let from = alloy::consensus::transaction::SignerRecoverable::recover_signer(&tx).unwrap();
    assert_eq!(from, "0x6887246668a3b87F54DeB3b94Ba47a6f63F32985".parse::<Address>().unwrap());
    assert_eq!(tx.to(), Some(cfg.batch_inbox));
    assert_eq!(tx.input().len(), 119_823);
    cfg.batcher = from;

    let carrier =
        Carrier { tx_hash: *tx.tx_hash(), l1_block: 19_426_590, versioned_hashes: vec![] };
    let c = one_channel(&cfg, carrier.clone(), tx.input().to_vec());
    assert_eq!(c.id, "0xac329933f5efdcc35ccd284232a376d3");
    assert_eq!((c.frames, c.compression, c.decompressed_len), (1, Compression::Zlib, 240_308));
    assert_eq!(c.batches.len(), 1);
    assert_eq!(c.batches[0].kind, BatchKind::Span);
    assert_eq!(c.range(), Some((117_369_690, 117_369_716)));
    assert_eq!(c.blocks.len(), 27);
    assert_eq!(c.tx_count(), 209);
    let counts: Vec<usize> = c.blocks.iter().map(|b| b.tx_hashes.len()).collect();
    assert_eq!(
        counts,
        [10, 12, 7, 8, 10, 6, 5, 3, 6, 7, 8, 6, 3, 9, 6, 8, 12, 10, 4, 14, 11, 9, 9, 6, 6, 8, 6]
    );
    assert_eq!(c.blocks[0].timestamp, 1_710_338_157);
    assert_eq!(c.blocks[0].epoch_num, 19_426_582);
    assert_eq!(c.blocks[26].epoch_num, 19_426_585);
    assert!(c.blocks.windows(2).all(|w| w[0].epoch_num <= w[1].epoch_num));
    assert_eq!(
        c.blocks[0].parent,
        Some(ParentCheck::Prefix(b20("0x4a78c6069d413ac5cd75401310076b7acbc10cea")))
    );
    assert_eq!(c.blocks[26].origin_prefix, Some(b20("0x4fcd7915716bdcf8ba963e591577721000dd2bf7")));
    assert!(c.blocks[1..].iter().all(|b| b.parent.is_none()));
    // Calldata: the daCommitment covers the carrying transaction.
    assert_eq!(c.da_commitment, keccak256(tx.tx_hash()));
    assert_eq!(c.l1_block, 19_426_590);
}

#[test]
fn op_mainnet_calldata_singular_batches() {
    let cfg = config("mainnet-op.toml");
    let data = hex_file("op-batches/op-mainnet-calldata-singular-zlib/calldata.txt");
    let carrier =
        Carrier { tx_hash: B256::repeat_byte(1), l1_block: 18_976_430, versioned_hashes: vec![] };
    let c = one_channel(&cfg, carrier, data);
    assert_eq!(c.id, "0xdc0da7c1a3f3c429b8668e2ca31014d9");
    assert_eq!((c.compression, c.decompressed_len), (Compression::Zlib, 248_253));
    assert_eq!(c.batches.len(), 34);
    assert!(c.batches.iter().all(|b| b.kind == BatchKind::Singular));
    assert_eq!(c.tx_count(), 689);
    assert_eq!(c.range(), Some((114_644_746, 114_644_779)));
    assert_eq!(c.blocks[0].timestamp, 1_704_888_269);
    assert_eq!(c.blocks[33].timestamp, 1_704_888_335);
    let counts: Vec<usize> = c.blocks.iter().map(|b| b.tx_hashes.len()).collect();
    assert_eq!(
        counts,
        [
            14, 15, 28, 27, 26, 16, 10, 20, 16, 21, 23, 23, 11, 7, 12, 7, 17, 7, 32, 35, 24, 26,
            36, 30, 30, 16, 21, 31, 30, 16, 19, 17, 18, 8
        ]
    );
    assert_eq!(
        c.blocks[0].parent,
        Some(ParentCheck::Hash(
            "0xcc519a842a3393f5423a9c756005b4dde21e4ae897a7cc4a5045fb35e9f67498".parse().unwrap()
        ))
    );
    let epochs: std::collections::BTreeSet<u64> = c.blocks.iter().map(|b| b.epoch_num).collect();
    assert_eq!(
        epochs.into_iter().collect::<Vec<_>>(),
        (18_976_424..=18_976_429).collect::<Vec<_>>()
    );
    // Singular batches name their epoch's full hash; the README gives its first bytes.
    let first_epoch = c.blocks.iter().find(|b| b.epoch_num == 18_976_424).unwrap();
    assert!(format!("{}", first_epoch.epoch_hash.unwrap()).starts_with("0x479a8a41"));
}

#[test]
fn op_sepolia_blob_span_batch() {
    let cfg = config("sepolia-op.toml");
    let blob = hex_file("op-batches/op-sepolia-blob-span-zlib/blob9.txt");
    let verified = vigil_da::recompute(vec![blob.clone().into()]).unwrap();
    assert_eq!(
        verified[0].versioned_hash,
        "0x012b58d372c2db56265bcf57392027acf6fb5b85ae14336e116b08e13c194e16"
            .parse::<B256>()
            .unwrap()
    );
    let data = blob_codec::decode(&blob).unwrap();
    assert_eq!(data, hex_file("op-batches/op-sepolia-blob-span-zlib/blob9_decode.txt"));
    let carrier = Carrier {
        tx_hash: B256::repeat_byte(2),
        l1_block: 5_335_450,
        versioned_hashes: vec![verified[0].versioned_hash],
    };
    let c = one_channel(&cfg, carrier, data);
    assert_eq!(c.id, "0x2f127415c9cb64ca077f23db3cfa302e");
    assert_eq!((c.compression, c.decompressed_len), (Compression::Zlib, 6_095));
    assert_eq!(c.batches.len(), 1);
    assert_eq!(c.blocks.len(), 22);
    assert_eq!(c.tx_count(), 20);
    assert_eq!(c.range(), Some((8_366_435, 8_366_456)));
    assert_eq!((c.blocks[0].epoch_num, c.blocks[21].epoch_num), (5_335_444, 5_335_447));
    assert_eq!(
        c.blocks[0].parent,
        Some(ParentCheck::Prefix(b20("0x07209f379e90ea388298b985b293e59322c2c1a9")))
    );
    assert_eq!(c.blocks[21].origin_prefix, Some(b20("0x83f62f0d8655d8d8ec412efe65f8202154140486")));
    // Blobs: the daCommitment covers the versioned hashes.
    assert_eq!(c.da_commitment, vigil_types::da_commitment(&[verified[0].versioned_hash]));
    assert!(c.in_blobs());
}

#[test]
fn real_l1_attributes_deposit_gives_the_l1_origin() {
    // op-node's L1-attributes calldata is decoded by kona; a block carrying it reports its
    // origin. Built from the Ecotone layout with the README's span batch's last origin.
    let origin = 19_426_585u64;
    let hash = B256::repeat_byte(0x4f);
    let mut input = vec![0x44, 0x0a, 0x5e, 0x20]; // setL1BlockValuesEcotone()
    input.extend_from_slice(&[0u8; 4]); // baseFeeScalar
    input.extend_from_slice(&[0u8; 4]); // blobBaseFeeScalar
    input.extend_from_slice(&0u64.to_be_bytes()); // sequenceNumber
    input.extend_from_slice(&1_710_338_100u64.to_be_bytes()); // timestamp
    input.extend_from_slice(&origin.to_be_bytes()); // number
    input.extend_from_slice(&[0u8; 32]); // basefee
    input.extend_from_slice(&[0u8; 32]); // blobBaseFee
    input.extend_from_slice(hash.as_slice());
    input.extend_from_slice(&[0u8; 32]); // batcherHash
    let block = vigil_da::op::L2Block {
        number: 1,
        hash: B256::ZERO,
        parent_hash: B256::ZERO,
        state_root: B256::ZERO,
        timestamp: 0,
        transactions: vec![
            vigil_da::op::L2Tx {
                hash: B256::repeat_byte(1),
                ty: vigil_da::op::DEPOSIT_TX_TYPE,
                to: Some(vigil_da::op::L1_BLOCK_PREDEPLOY),
                input: input.into(),
            },
            vigil_da::op::L2Tx {
                hash: B256::repeat_byte(2),
                ty: 2,
                to: None,
                input: Default::default(),
            },
        ],
    };
    assert_eq!(block.l1_origin(), Some((origin, hash)));
    assert_eq!(block.user_tx_hashes(), vec![B256::repeat_byte(2)]);
}
