-- Tamper-evident audit trail (docs/audit.md). Each record carries its
-- place in the chain (seq), the previous record's hash and its own hash.
-- Rows written before this migration are chained once at start-up, in id
-- order. The one-row audit_head serialises appends: every append takes its
-- write lock first (UPDATE … RETURNING), on SQLite and PostgreSQL alike.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);
CREATE INDEX audit_log_office ON audit_log(office_code, at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    checkpoint_seq BIGINT NOT NULL,
    checkpoint_at BIGINT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, checkpoint_seq, checkpoint_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0, 0);

-- Signed statements "the chain had hash H at seq N". Exported for
-- safekeeping outside the system (padan audit export-checkpoints).
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
