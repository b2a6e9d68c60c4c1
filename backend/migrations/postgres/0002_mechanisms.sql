-- An agreement may extend another (its grants are copied when recorded).
ALTER TABLE agreements ADD COLUMN extends BIGINT;

-- What admins must look at: Dukcapil configuration faults, quota, outages.
-- Recurrences of an open alert bump its count instead of adding rows.
CREATE TABLE admin_alerts (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT,
    message TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 1,
    resolved_at BIGINT,
    resolved_by TEXT
);
CREATE INDEX admin_alerts_open ON admin_alerts(kind, code, resolved_at);

-- Applications that call Padan's service API (SIASN). Only a SHA-256 of
-- each API key is kept; keys are long random strings shown once.
CREATE TABLE service_clients (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
