-- The revocation feed: seq comes from change_counter inside the writing transaction, so entries
-- become visible in seq order on every backend.
CREATE TABLE revocations (
    seq BIGINT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revocations_tenant_seq ON revocations(tenant_id, seq);
CREATE INDEX revocations_value ON revocations(value);
