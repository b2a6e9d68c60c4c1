-- Padan's own records. No population data: see ARCHITECTURE invariant 1.
-- Times are Unix milliseconds (BIGINT) so SQLite and PostgreSQL agree.

CREATE TABLE offices (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE officers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    nip TEXT,
    role TEXT NOT NULL,
    office_code TEXT NOT NULL REFERENCES offices(code),
    password_hash TEXT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    officer_id BIGINT NOT NULL REFERENCES officers(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_officer ON sessions(officer_id);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    numbers TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One row per clause that grants a mechanism; where two clauses of one
-- agreement disagree, the policy grants their intersection.
CREATE TABLE agreement_grants (
    agreement_id BIGINT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    mechanism TEXT NOT NULL,
    client TEXT NOT NULL,
    clause TEXT NOT NULL,
    elements TEXT NOT NULL,
    PRIMARY KEY (agreement_id, mechanism, clause)
);

-- Who accessed which NIK (as a keyed hash), when, why, how, and the verdict
-- codes. Never the data itself.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    event TEXT NOT NULL,
    officer_id BIGINT,
    username TEXT,
    office_code TEXT,
    role TEXT,
    client TEXT NOT NULL,
    mechanism TEXT,
    purpose TEXT,
    nik_token TEXT,
    outcome TEXT NOT NULL,
    verdicts TEXT,
    detail TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_officer ON audit_log(officer_id, at);
CREATE INDEX audit_log_nik ON audit_log(nik_token);
