-- Vigil aggregator store, schema 2 (SQLite dialect; keep in step with ../postgres): batch rounds
-- (VIGIL_BATCH_V1, issue 16), keyed by what operators sign (the batch header's digest).

-- Every accepted signature over a batch header, one per (digest, key). Rows of rounds that
-- expired without quorum, and of certified rounds below the pruning window, are deleted.
CREATE TABLE batch_signatures (
    id INTEGER PRIMARY KEY CHECK (id >= 1),
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    pubkey BLOB NOT NULL CHECK (length(pubkey) = 96),
    signature BLOB NOT NULL CHECK (length(signature) IN (48, 96)),
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    root BLOB NOT NULL CHECK (length(root) = 32),
    leaf_count INTEGER NOT NULL CHECK (leaf_count BETWEEN 1 AND 65536),
    from_l1_block INTEGER NOT NULL CHECK (from_l1_block >= 0),
    to_l1_block INTEGER NOT NULL CHECK (to_l1_block >= from_l1_block),
    operator BLOB NOT NULL CHECK (length(operator) = 20),
    received_at_ms INTEGER NOT NULL CHECK (received_at_ms >= 0),
    UNIQUE (digest, pubkey)
);
CREATE INDEX batch_signatures_range ON batch_signatures (to_l1_block);

-- One certificate per batch digest and its submission to L1 (the same lifecycle and lease
-- columns as `certificates`).
CREATE TABLE batch_certificates (
    digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    root BLOB NOT NULL CHECK (length(root) = 32),
    leaf_count INTEGER NOT NULL CHECK (leaf_count BETWEEN 1 AND 65536),
    from_l1_block INTEGER NOT NULL CHECK (from_l1_block >= 0),
    to_l1_block INTEGER NOT NULL CHECK (to_l1_block >= from_l1_block),
    -- The non-signers' 96-byte compressed keys, concatenated in certificate order.
    non_signers BLOB NOT NULL CHECK (length(non_signers) % 96 = 0),
    aggregate_signature BLOB NOT NULL CHECK (length(aggregate_signature) IN (48, 96)),
    signed_weight TEXT NOT NULL,
    total_weight TEXT NOT NULL,
    signers INTEGER NOT NULL CHECK (signers BETWEEN 0 AND 4294967295),
    state TEXT NOT NULL CHECK (state IN ('ready', 'submitted', 'mined', 'failed')),
    tx_hash BLOB CHECK (length(tx_hash) = 32),
    nonce INTEGER CHECK (nonce >= 0),
    block_number INTEGER CHECK (block_number >= 0),
    gas_used INTEGER CHECK (gas_used >= 0),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    lease_owner TEXT,
    lease_until_ms INTEGER,
    created_at_ms INTEGER NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= 0)
);
CREATE INDEX batch_certificates_queue ON batch_certificates (state, created_at_ms);
CREATE INDEX batch_certificates_range ON batch_certificates (to_l1_block);
