//! Authorization codes, signed-in sessions and consents, implemented once for any sqlx backend
//! by [`impl_session_stores!`]. Expanded after `impl_user_stores!` in the same module; it uses
//! what those import (`q`, `map_err`, `rows`, `Bind`, `insert_family`, `insert_refresh`).

macro_rules! impl_session_stores {
    ($store:ty, $db:ty) => {
        use gatehouse_core::model::{AuthCode, SignInSession};

        #[async_trait]
        impl AuthCodeStore for $store {
            async fn create_auth_code(&self, c: &AuthCode) -> StoreResult<()> {
                let sql = q("INSERT INTO auth_codes (code_hash, tenant_id, client_id, user_id, redirect_uri, scope, code_challenge, nonce, sid, used, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
                sqlx::query(&sql)
                    .bind(c.code_hash.to_vec())
                    .bind(&c.tenant_id)
                    .bind(&c.client_id)
                    .bind(&c.user_id)
                    .bind(&c.redirect_uri)
                    .bind(&c.scope)
                    .bind(c.code_challenge.as_deref())
                    .bind(c.nonce.as_deref())
                    .bind(&c.sid)
                    .bind(c.used)
                    .bind(c.created_at)
                    .bind(c.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn auth_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<AuthCode>> {
                let sql = q("SELECT * FROM auth_codes WHERE code_hash = $1");
                let row = sqlx::query(&sql).bind(hash.to_vec()).fetch_optional(&self.pool).await.map_err(map_err)?;
                row.as_ref().map(rows::auth_code).transpose()
            }

            async fn redeem_auth_code(
                &self,
                hash: &[u8; 32],
                now: UnixTime,
                family: Option<(&RefreshFamily, &RefreshToken)>,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                // The conditional UPDATE is the lock: of concurrent callers, one sees used = FALSE.
                let n = sqlx::query(&q("UPDATE auth_codes SET used = TRUE WHERE code_hash = $1 AND used = FALSE AND expires_at > $2"))
                    .bind(hash.to_vec())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if n != 1 {
                    tx.rollback().await.map_err(map_err)?;
                    return Ok(false);
                }
                if let Some((f, first)) = family {
                    insert_family(&mut tx, f).await?;
                    insert_refresh(&mut tx, first).await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn create_session(&self, s: &SignInSession) -> StoreResult<()> {
                self.exec(
                    "INSERT INTO sign_in_sessions (id_hash, tenant_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    vec![Bind::B(&s.id_hash), Bind::S(&s.tenant_id), Bind::S(&s.user_id), Bind::I(s.created_at), Bind::I(s.expires_at)],
                )
                .await
                .map(|_| ())
            }

            async fn session_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<SignInSession>> {
                let sql = q("SELECT * FROM sign_in_sessions WHERE id_hash = $1");
                let row = sqlx::query(&sql).bind(hash.to_vec()).fetch_optional(&self.pool).await.map_err(map_err)?;
                row.as_ref().map(rows::session).transpose()
            }

            async fn consented_scopes(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>> {
                let sql = q("SELECT scope FROM consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3 ORDER BY scope");
                let found = sqlx::query(&sql)
                    .bind(tenant_id)
                    .bind(user_id)
                    .bind(client_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                found.iter().map(|r| rows::Cols::s(r, "scope")).collect()
            }

            async fn grant_consent(&self, tenant_id: &str, user_id: &str, client_id: &str, scopes: &[String], now: UnixTime) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for scope in scopes {
                    sqlx::query(&q("INSERT INTO consents (tenant_id, user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, user_id, client_id, scope) DO NOTHING"))
                        .bind(tenant_id)
                        .bind(user_id)
                        .bind(client_id)
                        .bind(scope)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }
        }
    };
}
