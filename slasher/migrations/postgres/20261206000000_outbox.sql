-- Vigil evidence store, schema 2 (PostgreSQL dialect; keep in step with ../sqlite): the kernel's
-- transaction outbox counts attempts durably and records each transaction's nonce.

-- Transactions recorded for the offence (evidence, execute, replacements, resends); the
-- submitter gives up after its max_attempts.
ALTER TABLE offences ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0);
-- The nonce of the transaction in tx_hash, while it is the offence's own (state submitted).
ALTER TABLE offences ADD COLUMN nonce BIGINT CHECK (nonce >= 0);
