-- Vigil aggregator store, schema 3 (SQLite dialect; keep in step with ../postgres): the
-- checkpoints of each batch (VIGIL_BATCH_V1, issue 16), so that a rollup can fetch its
-- checkpoint with its inclusion proof against a batch certificate.

-- One row per leaf, in the batch's pinned order. Written once per digest, after the first
-- signature over it verified and before that signature counts; deleted with the batch's
-- signatures (expiry) or below the pruning window.
CREATE TABLE batch_leaves (
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    leaf_index INTEGER NOT NULL CHECK (leaf_index BETWEEN 0 AND 65535),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    block_hash BLOB NOT NULL CHECK (length(block_hash) = 32),
    state_root BLOB NOT NULL CHECK (length(state_root) = 32),
    da_commitment BLOB NOT NULL CHECK (length(da_commitment) = 32),
    l1_block INTEGER NOT NULL CHECK (l1_block >= 0),
    to_l1_block INTEGER NOT NULL CHECK (to_l1_block >= 0),
    PRIMARY KEY (digest, leaf_index)
);
CREATE INDEX batch_leaves_checkpoint ON batch_leaves (rollup_id, height);
CREATE INDEX batch_leaves_range ON batch_leaves (to_l1_block);

-- Pruning below the retention window (`aggregation.retain_l1_blocks`) reads signatures and
-- certificates by their checkpoint's L1 block.
CREATE INDEX signatures_l1_block ON signatures (l1_block);
CREATE INDEX certificates_l1_block ON certificates (l1_block);
