-- Vigil aggregator store, schema 1 (SQLite dialect; keep in step with ../postgres).
--
-- Integers are signed 64-bit; the Rust side refuses u64 values above i64::MAX. Hashes, keys and
-- signatures are raw bytes; stake weights (U256) are decimal TEXT.

-- The feed's sequence counter: one row, updated inside every insert transaction. Its row lock
-- (on SQLite, the database write lock) serialises writers, so sequence numbers become visible to
-- readers in order and without gaps.
CREATE TABLE feed_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_seq INTEGER NOT NULL CHECK (next_seq >= 1)
);
INSERT INTO feed_counter (id, next_seq) VALUES (1, 1);

-- Every accepted signed checkpoint, conflicting ones included: the feed.
CREATE TABLE signatures (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    pubkey BLOB NOT NULL CHECK (length(pubkey) = 96),
    signature BLOB NOT NULL CHECK (length(signature) IN (48, 96)),
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    block_hash BLOB NOT NULL CHECK (length(block_hash) = 32),
    state_root BLOB NOT NULL CHECK (length(state_root) = 32),
    da_commitment BLOB NOT NULL CHECK (length(da_commitment) = 32),
    l1_block INTEGER NOT NULL CHECK (l1_block >= 0),
    operator BLOB NOT NULL CHECK (length(operator) = 20),
    received_at_ms INTEGER NOT NULL CHECK (received_at_ms >= 0),
    -- 1 once the signature failed verification; the feed still carries it.
    invalid INTEGER NOT NULL DEFAULT 0 CHECK (invalid IN (0, 1)),
    UNIQUE (digest, pubkey)
);
CREATE INDEX signatures_round ON signatures (rollup_id, height);

-- One certificate per (rollup, height) and its submission to L1.
CREATE TABLE certificates (
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    block_hash BLOB NOT NULL CHECK (length(block_hash) = 32),
    state_root BLOB NOT NULL CHECK (length(state_root) = 32),
    da_commitment BLOB NOT NULL CHECK (length(da_commitment) = 32),
    l1_block INTEGER NOT NULL CHECK (l1_block >= 0),
    digest BLOB NOT NULL CHECK (length(digest) = 32),
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
    -- The submitter holding the certificate, and until when (unix ms).
    lease_owner TEXT,
    lease_until_ms INTEGER,
    created_at_ms INTEGER NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= 0),
    PRIMARY KEY (rollup_id, height)
);
CREATE INDEX certificates_queue ON certificates (state, created_at_ms);
