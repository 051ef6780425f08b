-- Every password check and its outcome (the sign-in log).
CREATE TABLE sign_in_events (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    user_principal_name TEXT NOT NULL,
    user_id TEXT,
    success BOOLEAN NOT NULL,
    result TEXT NOT NULL,
    source TEXT
);
CREATE INDEX sign_in_events_tenant_at ON sign_in_events(tenant_id, at);
