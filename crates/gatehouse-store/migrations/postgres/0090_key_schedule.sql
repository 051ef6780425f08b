-- Scheduled signing-key rotation: each key's schedule (when it signs, when it leaves the
-- JWKS) and its generation per tenant and algorithm. Which key signs is computed from these and
-- the clock (gatehouse_keys::schedule); `status` is no longer read.
ALTER TABLE signing_keys ADD COLUMN activates_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN retires_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
UPDATE signing_keys SET activates_at = created_at;
-- Keys added before this migration: numbered oldest first within their tenant and algorithm.
UPDATE signing_keys SET generation = (
    SELECT COUNT(*) FROM signing_keys k
    WHERE k.tenant_id = signing_keys.tenant_id AND k.alg = signing_keys.alg
      AND (k.created_at < signing_keys.created_at
           OR (k.created_at = signing_keys.created_at AND k.kid < signing_keys.kid))
);
-- One key per generation: of two processes rotating at once, one adds the key.
CREATE UNIQUE INDEX signing_keys_generation ON signing_keys(tenant_id, alg, generation);
