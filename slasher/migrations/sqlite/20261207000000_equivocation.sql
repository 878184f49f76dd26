-- Vigil evidence store, schema 3 (SQLite dialect; keep in step with ../postgres): evidence kind 3,
-- `equivocation` (two statements of conflicting checkpoints, alone, in aggregates or in batches).
--
-- SQLite cannot change a CHECK constraint in place, so `offences` is rebuilt with the new one. Foreign
-- keys are on and dropping a parent table deletes its children's rows (ON DELETE CASCADE), so the
-- child table `offence_proofs` is rebuilt first and the old parent dropped only once it has no
-- children; renaming the new tables then rewrites the foreign key to `offences`.

CREATE TABLE offences_v3 (
    id INTEGER PRIMARY KEY,
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    pubkey BLOB NOT NULL CHECK (length(pubkey) = 96),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('doubleSign', 'certificateConflict', 'equivocation')),
    evidence TEXT NOT NULL,
    evidence_hash BLOB NOT NULL CHECK (length(evidence_hash) = 32),
    proofs INTEGER NOT NULL DEFAULT 1 CHECK (proofs >= 1),
    state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'queued', 'slashed', 'already_slashed', 'vetoed', 'failed')),
    tx_hash BLOB CHECK (length(tx_hash) = 32),
    block_number INTEGER CHECK (block_number >= 0),
    reason TEXT,
    lease_owner TEXT,
    lease_until_ms INTEGER,
    created_at_ms INTEGER NOT NULL CHECK (created_at_ms >= 0),
    updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= 0),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    nonce INTEGER CHECK (nonce >= 0),
    UNIQUE (l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height)
);
INSERT INTO offences_v3 (
    id, l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height, kind, evidence,
    evidence_hash, proofs, state, tx_hash, block_number, reason, lease_owner, lease_until_ms,
    created_at_ms, updated_at_ms, attempts, nonce
)
SELECT
    id, l1_chain_id, verifier, operator_set_id, pubkey, rollup_id, height, kind, evidence,
    evidence_hash, proofs, state, tx_hash, block_number, reason, lease_owner, lease_until_ms,
    created_at_ms, updated_at_ms, attempts, nonce
FROM offences;

CREATE TABLE offence_proofs_v3 (
    offence_id INTEGER NOT NULL REFERENCES offences_v3 (id) ON DELETE CASCADE,
    evidence_hash BLOB NOT NULL CHECK (length(evidence_hash) = 32),
    evidence TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL CHECK (received_at_ms >= 0),
    PRIMARY KEY (offence_id, evidence_hash)
);
INSERT INTO offence_proofs_v3 (offence_id, evidence_hash, evidence, received_at_ms)
SELECT offence_id, evidence_hash, evidence, received_at_ms FROM offence_proofs;

DROP TABLE offence_proofs;
DROP TABLE offences;
ALTER TABLE offences_v3 RENAME TO offences;
ALTER TABLE offence_proofs_v3 RENAME TO offence_proofs;
CREATE INDEX offences_state ON offences (state, id);
