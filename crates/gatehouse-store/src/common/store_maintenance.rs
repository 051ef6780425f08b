//! Housekeeping deletes, implemented once for any sqlx backend by [`impl_maintenance_store!`].
//! Expanded after `impl_store!` in the same module; it uses what that imports (`q`, `map_err`).

macro_rules! impl_maintenance_store {
    ($store:ty) => {
        impl $store {
            async fn delete_where(&self, sql: &str, before: UnixTime) -> StoreResult<u64> {
                let done = sqlx::query(&q(sql))
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl MaintenanceStore for $store {
            async fn purge(
                &self,
                expired_before: UnixTime,
                sign_ins_before: Option<UnixTime>,
            ) -> StoreResult<gatehouse_core::model::PurgeReport> {
                let t = expired_before;
                Ok(gatehouse_core::model::PurgeReport {
                    // Their refresh tokens go with them (ON DELETE CASCADE on both backends).
                    refresh_families: self
                        .delete_where("DELETE FROM refresh_families WHERE expires_at < $1", t)
                        .await?,
                    auth_codes: self
                        .delete_where("DELETE FROM auth_codes WHERE expires_at < $1", t)
                        .await?,
                    device_codes: self
                        .delete_where("DELETE FROM device_codes WHERE expires_at < $1", t)
                        .await?,
                    sessions: self
                        .delete_where("DELETE FROM sign_in_sessions WHERE expires_at < $1", t)
                        .await?,
                    revocations: self
                        .delete_where("DELETE FROM revocations WHERE expires_at < $1", t)
                        .await?,
                    throttle_entries: self
                        .delete_where(
                            "DELETE FROM auth_throttle WHERE locked_until < $1 AND window_start < $1",
                            t,
                        )
                        .await?,
                    sign_in_events: match sign_ins_before {
                        Some(before) => {
                            self.delete_where("DELETE FROM sign_in_events WHERE at < $1", before)
                                .await?
                        }
                        None => 0,
                    },
                })
            }
        }
    };
}
