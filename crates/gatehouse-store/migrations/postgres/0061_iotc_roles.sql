-- IoT Central custom roles: a tenant's own roles made of the door's permissions (a JSON list of
-- permission names). Display names are unique per tenant, case-insensitively.
CREATE TABLE iotc_roles (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    organization_role BOOLEAN NOT NULL,
    permissions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX iotc_roles_name ON iotc_roles(tenant_id, lower(display_name));
