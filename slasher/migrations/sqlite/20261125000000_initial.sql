-- Vigil evidence store, schema 1 (SQLite dialect; keep in step with ../postgres).
--
-- Integers are signed 64-bit; the Rust side refuses u64 values above i64::MAX. Keys and hashes
-- are raw bytes; evidence is the `vigil-types` serde JSON.

-- One row per offence (domain, key, rollup, height): it is slashed once however many proofs
-- of it exist. `evidence` is the first proof, the one submitted.
CREATE TABLE offences (
    id INTEGER PRIMARY KEY,
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    pubkey BLOB NOT NULL CHECK (length(pubkey) = 96),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('doubleSign', 'certificateConflict')),
    evidence TEXT NOT NULL,
    evidence_hash BLOB NOT NULL CHECK (length(evidence_hash) = 32),
    -- Distinct proofs stored: this one plus the rows of offence_proofs.
    proofs INTEGER NOT NULL DEFAULT 1 CHECK (proofs >= 1),
    state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'queued', 'slashed', 'already_slashed', 'vetoed', 'failed')),
    -- submitted: the evidence transaction; queued/slashed: the transaction that recorded it.
    tx_hash BLOB CHECK (length(tx_hash) = 32),
    -- slashed: the block of the slash; queued: the block from which it can be executed.
    block_number INTEGER CHECK (block_number >= 0),
    reason TEXT,
    -- The submitter replica working on the offence, until lease_until_ms (see claim_next).
    lease_owner TEXT,
    lease_until_ms INTEGER,
    created_at_ms INTEGER NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= 0),
    UNIQUE (l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height)
);
CREATE INDEX offences_state ON offences (state, id);

-- Further distinct proofs of an offence (a third block, a certificate conflict), capped per
-- offence by the code.
CREATE TABLE offence_proofs (
    offence_id INTEGER NOT NULL REFERENCES offences (id) ON DELETE CASCADE,
    evidence_hash BLOB NOT NULL CHECK (length(evidence_hash) = 32),
    evidence TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL CHECK (received_at_ms >= 0),
    PRIMARY KEY (offence_id, evidence_hash)
);

-- How far each source (the aggregator feed, …) has been durably processed.
CREATE TABLE cursors (
    source TEXT PRIMARY KEY,
    seq INTEGER NOT NULL CHECK (seq >= 0)
);

-- Signed checkpoints submitted through the public endpoint (the fisherman's path), verified
-- before they are stored. A durable source like the aggregator feed: the in-memory index is
-- rebuilt from it after a restart (its cursors are 'public' and 'public#window').
CREATE TABLE public_feed (
    seq INTEGER PRIMARY KEY,
    signed TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL CHECK (received_at_ms >= 0)
);

-- Certificates the verifier recorded (from its CheckpointCertified events and the certificate in
-- the transaction's calldata), one per (rollup, height): a signature of another block by one
-- of its signers is evidence. Pruned with the in-memory index; the cursor 'chain' is the last
-- L1 block scanned.
CREATE TABLE certificates (
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    certificate TEXT NOT NULL,
    tx_hash BLOB NOT NULL CHECK (length(tx_hash) = 32),
    block_number INTEGER NOT NULL CHECK (block_number >= 0),
    PRIMARY KEY (rollup_id, height)
);
