-- Issue 14: tell an account's owner when its second factor or password
-- changed (by them, by an admin, or by whoever holds their session).
-- Shown in the SPA until the owner acknowledges it. No population data:
-- the kind, when, and the client address the change came from.
CREATE TABLE account_notices (
    id BIGSERIAL PRIMARY KEY,
    officer_id BIGINT NOT NULL REFERENCES officers(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    acknowledged_at BIGINT
);
CREATE INDEX account_notices_pending ON account_notices(officer_id, acknowledged_at);
