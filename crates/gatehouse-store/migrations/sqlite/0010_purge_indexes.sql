-- Indexes for the housekeeping deletes (gatehouse purge, and serve's timer): each deletes by time.
CREATE INDEX refresh_families_expiry ON refresh_families(expires_at);
CREATE INDEX sign_in_sessions_expiry ON sign_in_sessions(expires_at);
CREATE INDEX revocations_expiry ON revocations(expires_at);
CREATE INDEX auth_throttle_locked_until ON auth_throttle(locked_until);
CREATE INDEX sign_in_events_at ON sign_in_events(at);
