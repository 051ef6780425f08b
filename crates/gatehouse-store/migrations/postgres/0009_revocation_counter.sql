-- Revocations number themselves from their own one-row counter, so publishing one no longer
-- bumps change_counter (which makes every replica drop its directory and key caches).
CREATE TABLE revocation_counter (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO revocation_counter (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM revocations;
