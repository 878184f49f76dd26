-- Vigil aggregator store, schema 3 (PostgreSQL dialect; keep in step with ../sqlite): the
-- checkpoints of each batch (VIGIL_BATCH_V1, issue 16), so that a rollup can fetch its
-- checkpoint with its inclusion proof against a batch certificate.

-- One row per leaf, in the batch's pinned order. Written once per digest, after the first
-- signature over it verified and before that signature counts; deleted with the batch's
-- signatures (expiry) or below the pruning window.
CREATE TABLE batch_leaves (
    digest BYTEA NOT NULL CHECK (octet_length(digest) = 32),
    leaf_index BIGINT NOT NULL CHECK (leaf_index BETWEEN 0 AND 65535),
    rollup_id BIGINT NOT NULL CHECK (rollup_id >= 0),
    height BIGINT NOT NULL CHECK (height >= 0),
    block_hash BYTEA NOT NULL CHECK (octet_length(block_hash) = 32),
    state_root BYTEA NOT NULL CHECK (octet_length(state_root) = 32),
    da_commitment BYTEA NOT NULL CHECK (octet_length(da_commitment) = 32),
    l1_block BIGINT NOT NULL CHECK (l1_block >= 0),
    to_l1_block BIGINT NOT NULL CHECK (to_l1_block >= 0),
    PRIMARY KEY (digest, leaf_index)
);
CREATE INDEX batch_leaves_checkpoint ON batch_leaves (rollup_id, height);
CREATE INDEX batch_leaves_range ON batch_leaves (to_l1_block);

-- Pruning below the retention window (`aggregation.retain_l1_blocks`) reads signatures and
-- certificates by their checkpoint's L1 block.
CREATE INDEX signatures_l1_block ON signatures (l1_block);
CREATE INDEX certificates_l1_block ON certificates (l1_block);
