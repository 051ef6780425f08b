-- IoT Central's objects: the organization tree of a tenant (parent NULL: under the root), the
-- principals holding IoT Central roles, and API tokens (only the SHA-256 of the secret).
-- Roles are JSON lists of {role, organization?}.
CREATE TABLE iotc_organizations (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    parent TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent) REFERENCES iotc_organizations(tenant_id, id)
);
CREATE INDEX iotc_organizations_parent ON iotc_organizations(tenant_id, parent);

CREATE TABLE iotc_users (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    email TEXT,
    roles TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, principal_id)
);

CREATE TABLE iotc_api_tokens (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    roles TEXT NOT NULL,
    expiry_ms INTEGER NOT NULL,
    secret_hash BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
