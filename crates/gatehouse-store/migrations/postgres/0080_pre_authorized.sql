-- The client applications an API pre-authorizes (Entra's api.preAuthorizedApplications):
-- on-behalf-of and token exchange need no consent for the permissions listed.
CREATE TABLE pre_authorized_apps (
    tenant_id TEXT NOT NULL,
    api_app_id TEXT NOT NULL,
    client_app_id TEXT NOT NULL,
    -- Permission names of the API, space-separated.
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, api_app_id, client_app_id)
);
