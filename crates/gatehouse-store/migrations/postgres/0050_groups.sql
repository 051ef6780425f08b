-- Groups (Graph's group) and their direct members: users, service principals or groups.
-- Transitive membership is read with a recursive query (GroupStore::transitive_groups).
CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    mail_nickname TEXT NOT NULL,
    description TEXT,
    security_enabled BOOLEAN NOT NULL,
    mail_enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX groups_tenant ON groups(tenant_id);

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members(tenant_id, member_id);
