-- Vigil evidence store, schema 3 (PostgreSQL dialect; keep in step with ../sqlite): evidence kind 3,
-- `equivocation` (two statements of conflicting checkpoints, alone, in aggregates or in batches).
ALTER TABLE offences DROP CONSTRAINT offences_kind_check;
ALTER TABLE offences ADD CONSTRAINT offences_kind_check
    CHECK (kind IN ('doubleSign', 'certificateConflict', 'equivocation'));
