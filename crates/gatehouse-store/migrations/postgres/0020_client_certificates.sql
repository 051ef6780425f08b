-- Certificate credentials of applications (the public part only; private keys are never
-- stored), and the client-assertion ids (jti) already used, per tenant, until they expire.
CREATE TABLE client_certificates (
    key_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    thumbprint_sha1 BYTEA NOT NULL,
    thumbprint_sha256 BYTEA NOT NULL,
    cert_der BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    UNIQUE (application_id, thumbprint_sha256)
);

CREATE TABLE used_assertions (
    tenant_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, jti)
);
CREATE INDEX used_assertions_expiry ON used_assertions(expires_at);
