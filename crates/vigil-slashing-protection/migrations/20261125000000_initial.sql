-- Vigil slashing protection, schema 1.
--
-- Integers are SQLite INTEGERs (signed 64-bit); the Rust side refuses values above i64::MAX.

-- The operator's BLS keys (96-byte compressed G2). A key must be registered before it signs.
CREATE TABLE keys (
    id INTEGER PRIMARY KEY,
    pubkey BLOB NOT NULL UNIQUE CHECK (length(pubkey) = 96)
);

-- Signing domains: (l1ChainId, verifier, operatorSetId).
CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    l1_chain_id INTEGER NOT NULL CHECK (l1_chain_id >= 0),
    verifier BLOB NOT NULL CHECK (length(verifier) = 20),
    operator_set_id INTEGER NOT NULL CHECK (operator_set_id BETWEEN 0 AND 4294967295),
    UNIQUE (l1_chain_id, verifier, operator_set_id)
);

-- Every block a key signed (or was imported as having signed). Several blocks may share a
-- height when an import brought in conflicting history: every record is kept.
CREATE TABLE signed_checkpoints (
    key_id INTEGER NOT NULL REFERENCES keys (id),
    domain_id INTEGER NOT NULL REFERENCES domains (id),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    height INTEGER NOT NULL CHECK (height >= 0),
    block_hash BLOB NOT NULL CHECK (length(block_hash) = 32),
    state_root BLOB NOT NULL CHECK (length(state_root) = 32),
    PRIMARY KEY (key_id, domain_id, rollup_id, height, block_hash, state_root)
) WITHOUT ROWID;

-- Low-water marks per (key, domain, rollup): heights at or below either mark are refused unless
-- they repeat a recorded block.
--   imported_height: the lowest height ever imported (EIP-3076's rule for a complete database);
--   pruned_height:   the highest height pruned away (only ever rises).
CREATE TABLE low_water_marks (
    key_id INTEGER NOT NULL REFERENCES keys (id),
    domain_id INTEGER NOT NULL REFERENCES domains (id),
    rollup_id INTEGER NOT NULL CHECK (rollup_id >= 0),
    imported_height INTEGER CHECK (imported_height >= 0),
    pruned_height INTEGER CHECK (pruned_height >= 0),
    PRIMARY KEY (key_id, domain_id, rollup_id)
) WITHOUT ROWID;
