-- When a token was last issued to a client for a user (the "last use" of an authorized app).
CREATE TABLE app_uses (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, client_id)
);
CREATE INDEX refresh_families_user_client ON refresh_families(tenant_id, user_id, client_id);
