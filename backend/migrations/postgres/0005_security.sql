-- Security hardening (issue 4): second factor, password changes, sign-in
-- throttling shared by every backend instance. No population data.

-- TOTP (RFC 6238). The secret is stored encrypted (see auth::totp): a copy
-- of the database alone does not yield working codes. totp_pending holds a
-- secret being enrolled until the officer confirms it with one code.
-- totp_last_step is the last accepted 30-second step: a code is used once.
ALTER TABLE officers ADD COLUMN totp_secret TEXT;
ALTER TABLE officers ADD COLUMN totp_pending TEXT;
ALTER TABLE officers ADD COLUMN totp_last_step BIGINT;
ALTER TABLE officers ADD COLUMN password_changed_at BIGINT;

-- 'complete', 'totp_required' or 'totp_enrolment_required': a session that
-- has passed the password but not the second factor can do nothing else.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete';

-- Failed sign-in attempts, per account name and per client address, in the
-- database so that the limit holds across instances. Purged after the window.
CREATE TABLE sign_in_failures (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures(scope, subject, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures(at);
