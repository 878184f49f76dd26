-- Vigil aggregator store, schema 1 (PostgreSQL dialect; keep in step with ../sqlite).
--
-- Integers are BIGINT; the Rust side refuses u64 values above i64::MAX. Hashes, keys and
-- signatures are raw bytes; stake weights (U256) are decimal TEXT.

-- The feed's sequence counter: one row, updated inside every insert transaction. Its row lock
-- serialises writers (a BIGSERIAL would not: transactions commit out of order), so sequence
-- numbers become visible to readers in order and without gaps.
CREATE TABLE feed_counter (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    next_seq BIGINT NOT NULL CHECK (next_seq >= 1)
);
INSERT INTO feed_counter (id, next_seq) VALUES (1, 1);

-- Every accepted signed checkpoint, conflicting ones included: the feed.
CREATE TABLE signatures (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    digest BYTEA NOT NULL CHECK (octet_length(digest) = 32),
    pubkey BYTEA NOT NULL CHECK (octet_length(pubkey) = 96),
    signature BYTEA NOT NULL CHECK (octet_length(signature) IN (48, 96)),
    l1_chain_id BIGINT NOT NULL CHECK (l1_chain_id >= 0),
    verifier BYTEA NOT NULL CHECK (octet_length(verifier) = 20),
    operator_set_id BIGINT NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    rollup_id BIGINT NOT NULL CHECK (rollup_id >= 0),
    height BIGINT NOT NULL CHECK (height >= 0),
    block_hash BYTEA NOT NULL CHECK (octet_length(block_hash) = 32),
    state_root BYTEA NOT NULL CHECK (octet_length(state_root) = 32),
    da_commitment BYTEA NOT NULL CHECK (octet_length(da_commitment) = 32),
    l1_block BIGINT NOT NULL CHECK (l1_block >= 0),
    operator BYTEA NOT NULL CHECK (octet_length(operator) = 20),
    received_at_ms BIGINT NOT NULL CHECK (received_at_ms >= 0),
    -- 1 once the signature failed verification; the feed still carries it.
    invalid BIGINT NOT NULL DEFAULT 0 CHECK (invalid IN (0, 1)),
    UNIQUE (digest, pubkey)
);
CREATE INDEX signatures_round ON signatures (rollup_id, height);

-- One certificate per (rollup, height) and its submission to L1.
CREATE TABLE certificates (
    rollup_id BIGINT NOT NULL CHECK (rollup_id >= 0),
    height BIGINT NOT NULL CHECK (height >= 0),
    l1_chain_id BIGINT NOT NULL CHECK (l1_chain_id >= 0),
    verifier BYTEA NOT NULL CHECK (octet_length(verifier) = 20),
    operator_set_id BIGINT NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    block_hash BYTEA NOT NULL CHECK (octet_length(block_hash) = 32),
    state_root BYTEA NOT NULL CHECK (octet_length(state_root) = 32),
    da_commitment BYTEA NOT NULL CHECK (octet_length(da_commitment) = 32),
    l1_block BIGINT NOT NULL CHECK (l1_block >= 0),
    digest BYTEA NOT NULL CHECK (octet_length(digest) = 32),
    -- The non-signers' 96-byte compressed keys, concatenated in certificate order.
    non_signers BYTEA NOT NULL CHECK (octet_length(non_signers) % 96 = 0),
    aggregate_signature BYTEA NOT NULL CHECK (octet_length(aggregate_signature) IN (48, 96)),
    signed_weight TEXT NOT NULL,
    total_weight TEXT NOT NULL,
    signers BIGINT NOT NULL CHECK (signers BETWEEN 0 AND 4294967295),
    state TEXT NOT NULL CHECK (state IN ('ready', 'submitted', 'mined', 'failed')),
    tx_hash BYTEA CHECK (octet_length(tx_hash) = 32),
    nonce BIGINT CHECK (nonce >= 0),
    block_number BIGINT CHECK (block_number >= 0),
    gas_used BIGINT CHECK (gas_used >= 0),
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    -- The submitter holding the certificate, and until when (unix ms).
    lease_owner TEXT,
    lease_until_ms BIGINT,
    created_at_ms BIGINT NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms BIGINT NOT NULL CHECK (updated_at_ms >= 0),
    PRIMARY KEY (rollup_id, height)
);
CREATE INDEX certificates_queue ON certificates (state, created_at_ms);
