-- Data balikan (issue 6): BKN's ASN registry, its imports, and the outbox of
-- accessed NIKs waiting to be reported back to Dukcapil. The registry is
-- BKN's own staff data; raw NIKs are kept only here and in the outbox
-- (ARCHITECTURE invariant 1). Times are Unix milliseconds.
CREATE TABLE asn_registry (
    nik TEXT PRIMARY KEY,
    nip TEXT NOT NULL UNIQUE,
    nama TEXT NOT NULL,
    -- PNS, CPNS or PPPK.
    status_kepegawaian TEXT NOT NULL,
    -- aktif, cltn, tugas_belajar, pemberhentian_sementara,
    -- masa_persiapan_pensiun, pensiun, meninggal, diberhentikan.
    kedudukan_hukum TEXT NOT NULL,
    instansi TEXT NOT NULL,
    office_code TEXT NOT NULL,
    -- The export's own "last update" column, when present.
    source_updated TEXT,
    import_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE registry_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    by_username TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- applied, rejected or checked (a dry run).
    status TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    -- The validation report (JSON): line numbers and reasons, never values.
    report TEXT NOT NULL
);

-- One row per access that touched a person's data (several accesses to the
-- same NIK share one pending row). state: waiting (no NIP yet), ready,
-- in_flight (leased by a worker until lease_until), delivered, parked
-- (poison: the receiver refused it), closed (no NIP within the horizon).
CREATE TABLE balikan_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nik TEXT NOT NULL,
    nik_token TEXT NOT NULL,
    audit_id BIGINT NOT NULL,
    mechanism TEXT NOT NULL,
    office_code TEXT NOT NULL,
    accessed_at BIGINT NOT NULL,
    -- WIB calendar day of the access, for the per-day dashboard.
    accessed_day TEXT NOT NULL,
    state TEXT NOT NULL,
    nip TEXT,
    status_kepegawaian TEXT,
    kedudukan_hukum TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    delivered_at BIGINT,
    -- How it was delivered: sent, already_sent (the receiver had it), or
    -- earlier (an earlier row for the same NIK and NIP was delivered).
    delivery TEXT,
    closed_reason TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX balikan_outbox_due ON balikan_outbox(state, next_attempt_at);
CREATE INDEX balikan_outbox_nik ON balikan_outbox(nik, state);
CREATE INDEX balikan_outbox_day ON balikan_outbox(accessed_day);
