-- Certificate credentials of applications (the public part only; private keys are never
-- stored), and the client-assertion ids (jti) already used, per tenant, until they expire.
CREATE TABLE client_certificates (
    key_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    thumbprint_sha1 BLOB NOT NULL,
    thumbprint_sha256 BLOB NOT NULL,
    cert_der BLOB NOT NULL,
    public_key BLOB NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    UNIQUE (application_id, thumbprint_sha256)
);

CREATE TABLE used_assertions (
    tenant_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, jti)
);
CREATE INDEX used_assertions_expiry ON used_assertions(expires_at);
