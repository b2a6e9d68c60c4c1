-- Issue 14: a read nonce is issued (and audited) for one purpose; the
-- verification that consumes it must state the same purpose.
ALTER TABLE card_nonces ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
