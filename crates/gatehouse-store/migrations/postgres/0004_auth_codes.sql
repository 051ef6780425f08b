-- Authorization codes (stored only as SHA-256, single use), signed-in browser sessions (the
-- cookie's SHA-256) and the scopes each user consented to per client (one row per scope item).
CREATE TABLE auth_codes (
    code_hash BYTEA PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    nonce TEXT,
    sid TEXT NOT NULL,
    used BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_codes_expiry ON auth_codes(expires_at);

CREATE TABLE sign_in_sessions (
    id_hash BYTEA PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sign_in_sessions_user ON sign_in_sessions(tenant_id, user_id);

CREATE TABLE consents (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, client_id, scope)
);
