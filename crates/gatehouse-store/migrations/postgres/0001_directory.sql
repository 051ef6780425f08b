-- Gatehouse schema, PostgreSQL. Timestamps are Unix seconds. JSON arrays are TEXT.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    signing_alg TEXT NOT NULL,
    token_lifetime_seconds BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    app_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    identifier_uris TEXT NOT NULL,
    app_roles TEXT NOT NULL,
    public_client BOOLEAN NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX applications_tenant ON applications(tenant_id);

-- One row per identifier URI, so a lookup is an index probe and a URI names one API per tenant.
CREATE TABLE identifier_uris (
    tenant_id TEXT NOT NULL,
    uri TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, uri)
);

CREATE TABLE service_principals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    app_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    account_enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, app_id)
);

CREATE TABLE client_secrets (
    key_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    hint TEXT NOT NULL,
    secret_hash BYTEA NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL
);
CREATE INDEX client_secrets_app ON client_secrets(application_id);

CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    resource_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    app_role_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (principal_id, resource_id, app_role_id)
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    alg TEXT NOT NULL,
    sealed_private BYTEA NOT NULL,
    public_jwk TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX signing_keys_tenant ON signing_keys(tenant_id);

-- One row; every write a cache must follow bumps it in its own transaction.
CREATE TABLE change_counter (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 0);

CREATE TABLE auth_throttle (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
