-- Personal access tokens (Azure DevOps' PATs) and what each user may put in them. A PAT is
-- stored only as SHA-256 of its text (token_hash, the lookup key) and goes with its user
-- (ON DELETE CASCADE: in the same transaction as the user's delete). Timestamps are Unix seconds.
CREATE TABLE pats (
    authorization_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX pats_user ON pats(tenant_id, user_id, authorization_id);

-- Scopes (space-separated) an administrator allowed a user; no row: the default entitlement.
CREATE TABLE pat_entitlements (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    scopes TEXT NOT NULL
);
