-- The access-token format of each resource API (issue 9 part 3), per tenant, keyed by the
-- resource's appId (lower-case; a built-in resource such as Dev Center has no application
-- row, so there is no foreign key: a registered API's row goes with it in Admin::delete_app's
-- unit of work). No row: signed JWT, except for the built-ins whose default is encrypted.
-- format: 'jwt' | 'encrypted' | 'opaque'. For 'encrypted': key_id (base64url SHA-256 of the
-- public key's SubjectPublicKeyInfo), public_key (that SPKI DER) and, when Gatehouse generated
-- the key, private_key: its PKCS#8 sealed under the key-encryption key (AAD: key_id).
CREATE TABLE api_token_formats (
    tenant_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    format TEXT NOT NULL,
    key_id TEXT,
    public_key BYTEA,
    private_key BYTEA,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, app_id)
);

-- Opaque access tokens, and encrypted ones Gatehouse cannot decrypt itself (only the public
-- key of their API is registered): SHA-256 of the token's text, the claims it stands for
-- (JSON, the same claim set a signed token carries) and its expiry; purged when expired.
CREATE INDEX api_token_formats_key ON api_token_formats(tenant_id, key_id);

CREATE TABLE reference_tokens (
    token_hash BYTEA PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    uti TEXT NOT NULL,
    claims TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX reference_tokens_expiry ON reference_tokens(expires_at);
