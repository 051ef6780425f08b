-- Users, device authorizations (RFC 8628) and refresh-token families. Timestamps are Unix
-- seconds (last_poll_ms: milliseconds). Codes and tokens are stored only as SHA-256.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_principal_name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    account_enabled BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, user_principal_name)
);

CREATE TABLE device_codes (
    device_code_hash BLOB PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    state TEXT NOT NULL,
    user_id TEXT,
    approval_hash BLOB,
    poll_interval INTEGER NOT NULL,
    last_poll_ms INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX device_codes_expiry ON device_codes(expires_at);

CREATE TABLE refresh_families (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked BOOLEAN NOT NULL
);
CREATE INDEX refresh_families_user ON refresh_families(tenant_id, user_id);

CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
    used BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
