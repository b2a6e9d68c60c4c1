-- KTP-el readers and their SAMs, registered by admins with the activation
-- record Dukcapil issued (profile §8.3). One row per SAM: re-registering a
-- SAM replaces its reader, office and record. Times are Unix milliseconds.
CREATE TABLE card_readers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sam_serial TEXT NOT NULL UNIQUE,
    reader_serial TEXT NOT NULL,
    office_code TEXT NOT NULL REFERENCES offices(code),
    -- Hex of the Dukcapil-signed record; NULL until one is known (the demo
    -- reader is registered at start-up and learns it from its SAM).
    activation_record TEXT,
    valid_from BIGINT,
    valid_until BIGINT,
    -- 'active' or 'deactivated'.
    status TEXT NOT NULL DEFAULT 'active',
    registered_at BIGINT NOT NULL,
    registered_by TEXT NOT NULL
);

-- Single-use nonces for KTP-el reads, bound to the officer and the page
-- origin. Consumed atomically (used_at), purged after expiry.
CREATE TABLE card_nonces (
    nonce TEXT PRIMARY KEY,
    officer_id BIGINT NOT NULL,
    origin TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX card_nonces_expiry ON card_nonces(expires_at);
