-- Directory roles of users and service principals (Graph application permissions such as
-- Application.ReadWrite.All, and the user roles Global Administrator / Directory Readers).
CREATE TABLE directory_roles (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    principal_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, principal_id, role)
);
