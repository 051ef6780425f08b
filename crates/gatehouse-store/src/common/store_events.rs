//! The sign-in log, implemented once for any sqlx backend by [`impl_event_stores!`]. Expanded
//! after `impl_store!` in the same module; it uses what that imports (`q`, `map_err`, `rows`).

macro_rules! impl_event_stores {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl SignInLog for $store {
            async fn record_sign_in(&self, e: &gatehouse_core::model::SignInEvent) -> StoreResult<()> {
                let sql = q("INSERT INTO sign_in_events (id, tenant_id, at, user_principal_name, user_id, success, result, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
                sqlx::query(&sql)
                    .bind(&e.id)
                    .bind(&e.tenant_id)
                    .bind(e.at)
                    .bind(&e.user_principal_name)
                    .bind(&e.user_id)
                    .bind(e.success)
                    .bind(&e.result)
                    .bind(&e.source)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn sign_ins(&self, tenant_id: &str, upn: Option<&str>, limit: i64) -> StoreResult<Vec<gatehouse_core::model::SignInEvent>> {
                let sql = q("SELECT id, tenant_id, at, user_principal_name, user_id, success, result, source FROM sign_in_events \
                             WHERE tenant_id = $1 AND ($2 = '' OR user_principal_name = $2) ORDER BY at DESC, id DESC LIMIT $3");
                let found = sqlx::query(&sql)
                    .bind(tenant_id)
                    .bind(upn.unwrap_or(""))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                found
                    .iter()
                    .map(|r| {
                        use sqlx::Row;
                        Ok(gatehouse_core::model::SignInEvent {
                            id: rows::Cols::s(r, "id")?,
                            tenant_id: rows::Cols::s(r, "tenant_id")?,
                            at: rows::Cols::i(r, "at")?,
                            user_principal_name: rows::Cols::s(r, "user_principal_name")?,
                            user_id: r.try_get::<Option<String>, _>("user_id").map_err(map_err)?,
                            success: rows::Cols::b(r, "success")?,
                            result: rows::Cols::s(r, "result")?,
                            source: r.try_get::<Option<String>, _>("source").map_err(map_err)?,
                        })
                    })
                    .collect()
            }
        }
    };
}
