-- The change feed (gatehouse_core::store::ChangeStore): one row per thing a cache-relevant write
-- changed. seq is taken from change_counter inside the writing transaction (its row lock orders
-- writers, as revocation_counter does for revocations), so rows commit in seq order and numbers
-- are dense; the writer keeps only the newest rows (StoreOptions::changes_retained).
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL
);
