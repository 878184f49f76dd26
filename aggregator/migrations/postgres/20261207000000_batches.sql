-- Vigil aggregator store, schema 2 (PostgreSQL dialect; keep in step with ../sqlite): batch rounds
-- (VIGIL_BATCH_V1, issue 16), keyed by what operators sign (the batch header's digest).

-- Every accepted signature over a batch header, one per (digest, key). Rows of rounds that
-- expired without quorum, and of certified rounds below the pruning window, are deleted.
CREATE TABLE batch_signatures (
    id BIGSERIAL PRIMARY KEY,
    digest BYTEA NOT NULL CHECK (octet_length(digest) = 32),
    pubkey BYTEA NOT NULL CHECK (octet_length(pubkey) = 96),
    signature BYTEA NOT NULL CHECK (octet_length(signature) IN (48, 96)),
    l1_chain_id BIGINT NOT NULL CHECK (l1_chain_id >= 0),
    verifier BYTEA NOT NULL CHECK (octet_length(verifier) = 20),
    operator_set_id BIGINT NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    root BYTEA NOT NULL CHECK (octet_length(root) = 32),
    leaf_count BIGINT NOT NULL CHECK (leaf_count BETWEEN 1 AND 65536),
    from_l1_block BIGINT NOT NULL CHECK (from_l1_block >= 0),
    to_l1_block BIGINT NOT NULL CHECK (to_l1_block >= from_l1_block),
    operator BYTEA NOT NULL CHECK (octet_length(operator) = 20),
    received_at_ms BIGINT NOT NULL CHECK (received_at_ms >= 0),
    UNIQUE (digest, pubkey)
);
CREATE INDEX batch_signatures_range ON batch_signatures (to_l1_block);

-- One certificate per batch digest and its submission to L1 (the same lifecycle and lease
-- columns as `certificates`).
CREATE TABLE batch_certificates (
    digest BYTEA PRIMARY KEY CHECK (octet_length(digest) = 32),
    l1_chain_id BIGINT NOT NULL CHECK (l1_chain_id >= 0),
    verifier BYTEA NOT NULL CHECK (octet_length(verifier) = 20),
    operator_set_id BIGINT NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    root BYTEA NOT NULL CHECK (octet_length(root) = 32),
    leaf_count BIGINT NOT NULL CHECK (leaf_count BETWEEN 1 AND 65536),
    from_l1_block BIGINT NOT NULL CHECK (from_l1_block >= 0),
    to_l1_block BIGINT NOT NULL CHECK (to_l1_block >= from_l1_block),
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
    lease_owner TEXT,
    lease_until_ms BIGINT,
    created_at_ms BIGINT NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms BIGINT NOT NULL CHECK (updated_at_ms >= 0)
);
CREATE INDEX batch_certificates_queue ON batch_certificates (state, created_at_ms);
CREATE INDEX batch_certificates_range ON batch_certificates (to_l1_block);
