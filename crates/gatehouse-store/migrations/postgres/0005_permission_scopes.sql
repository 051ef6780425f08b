-- Delegated permissions an API declares (JSON list of {id, value, implies}).
ALTER TABLE applications ADD COLUMN oauth2_scopes TEXT NOT NULL DEFAULT '[]';
