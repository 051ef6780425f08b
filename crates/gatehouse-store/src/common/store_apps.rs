//! Authorized apps (consents and last use per user and client, revoking them) and sign-out,
//! implemented once for any sqlx backend by [`impl_app_stores!`]. Expanded after
//! `impl_session_stores!` in the same module; it uses what those import (`q`, `map_err`, `rows`).

macro_rules! impl_app_stores {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl AuthorizedAppStore for $store {
            async fn record_app_use(&self, tenant_id: &str, user_id: &str, client_id: &str, now: UnixTime) -> StoreResult<()> {
                let sql = q("INSERT INTO app_uses (tenant_id, user_id, client_id, last_used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, user_id, client_id) DO UPDATE SET last_used_at = excluded.last_used_at WHERE app_uses.last_used_at < excluded.last_used_at - 60");
                sqlx::query(&sql)
                    .bind(tenant_id)
                    .bind(user_id)
                    .bind(client_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn authorized_apps(&self, tenant_id: &str, user_id: &str) -> StoreResult<Vec<AppGrant>> {
                let sql = q("SELECT client_id, scope, granted_at FROM consents WHERE tenant_id = $1 AND user_id = $2 ORDER BY client_id, scope");
                let consents = sqlx::query(&sql).bind(tenant_id).bind(user_id).fetch_all(&self.pool).await.map_err(map_err)?;
                let sql = q("SELECT client_id, last_used_at FROM app_uses WHERE tenant_id = $1 AND user_id = $2");
                let uses = sqlx::query(&sql).bind(tenant_id).bind(user_id).fetch_all(&self.pool).await.map_err(map_err)?;
                let mut out: std::collections::BTreeMap<String, AppGrant> = Default::default();
                let entry = |out: &mut std::collections::BTreeMap<String, AppGrant>, id: String| {
                    out.entry(id.clone()).or_insert_with(|| AppGrant { client_id: id, scopes: Vec::new(), consented_at: None, last_used_at: None }).clone()
                };
                for r in &consents {
                    let id = rows::Cols::s(r, "client_id")?;
                    let mut g = entry(&mut out, id.clone());
                    g.scopes.push(rows::Cols::s(r, "scope")?);
                    let at = rows::Cols::i(r, "granted_at")?;
                    g.consented_at = Some(g.consented_at.map_or(at, |c| c.min(at)));
                    out.insert(id, g);
                }
                for r in &uses {
                    let id = rows::Cols::s(r, "client_id")?;
                    let mut g = entry(&mut out, id.clone());
                    g.last_used_at = Some(rows::Cols::i(r, "last_used_at")?);
                    out.insert(id, g);
                }
                Ok(out.into_values().collect())
            }

            async fn revoke_app(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for table in ["consents", "app_uses"] {
                    let sql = q(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3"));
                    sqlx::query(&sql).bind(tenant_id).bind(user_id).bind(client_id).execute(&mut *tx).await.map_err(map_err)?;
                }
                let sql = q("UPDATE refresh_families SET revoked = TRUE WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3 AND revoked = FALSE RETURNING id");
                let revoked = sqlx::query(&sql).bind(tenant_id).bind(user_id).bind(client_id).fetch_all(&mut *tx).await.map_err(map_err)?;
                let ids = revoked.iter().map(|r| rows::Cols::s(r, "id")).collect::<StoreResult<Vec<String>>>()?;
                tx.commit().await.map_err(map_err)?;
                Ok(ids)
            }

            async fn revoke_tenant_consent(&self, tenant_id: &str, client_id: &str) -> StoreResult<Vec<String>> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let sql = q("DELETE FROM consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3");
                sqlx::query(&sql)
                    .bind(tenant_id)
                    .bind(gatehouse_core::consent::TENANT_WIDE)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let sql = q("UPDATE refresh_families SET revoked = TRUE WHERE tenant_id = $1 AND client_id = $2 AND revoked = FALSE RETURNING id");
                let revoked = sqlx::query(&sql).bind(tenant_id).bind(client_id).fetch_all(&mut *tx).await.map_err(map_err)?;
                let ids = revoked.iter().map(|r| rows::Cols::s(r, "id")).collect::<StoreResult<Vec<String>>>()?;
                tx.commit().await.map_err(map_err)?;
                Ok(ids)
            }

            async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<bool> {
                let sql = q("DELETE FROM sign_in_sessions WHERE id_hash = $1");
                let n = sqlx::query(&sql).bind(hash.to_vec()).execute(&self.pool).await.map_err(map_err)?.rows_affected();
                Ok(n == 1)
            }
        }
    };
}
