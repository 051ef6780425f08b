-- The newest access token each refresh family issued per resource (the resource's appId): a
-- refresh for the same resource publishes the replaced one's uti in the revocation feed (seed
-- 003), a refresh for another resource leaves it alone. Rows go with their family.
CREATE TABLE family_access_tokens (
    family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
    resource TEXT NOT NULL,
    uti TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (family_id, resource)
);
