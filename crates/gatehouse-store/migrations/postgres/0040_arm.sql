-- Azure Resource Manager: subscriptions (each owned by one tenant), their resource groups, a
-- tenant's custom RBAC role definitions, and role assignments at a subscription or resource
-- group scope (resource_group = '' at subscription scope). Deleting a subscription removes
-- its groups and assignments; deleting a group removes the assignments at its scope.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_tenant ON subscriptions(tenant_id);

CREATE TABLE resource_groups (
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    tags TEXT NOT NULL,
    managed_by TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, key)
);

CREATE TABLE rbac_role_definitions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    role_name TEXT NOT NULL,
    role_name_key TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    assignable_scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, role_name_key)
);

CREATE TABLE rbac_assignments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    resource_group TEXT NOT NULL,
    resource_group_name TEXT NOT NULL,
    role_definition_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    description TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (subscription_id, resource_group, role_definition_id, principal_id)
);
CREATE INDEX rbac_assignments_subscription ON rbac_assignments(subscription_id);
CREATE INDEX rbac_assignments_definition ON rbac_assignments(tenant_id, role_definition_id);
