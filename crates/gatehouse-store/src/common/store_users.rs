//! Users, device codes and refresh families, implemented once for any sqlx backend by
//! [`impl_user_stores!`]. It is expanded right after `impl_store!` in the same module and uses
//! what that one imports (`async_trait`, `q`, `map_err`, `rows`, the store traits).

macro_rules! impl_user_stores {
    ($store:ty, $db:ty) => {
        use gatehouse_core::model::{DeviceCode, DeviceCodeState, RefreshFamily, RefreshToken, User};

        impl $store {
            /// Runs one UPDATE/DELETE with text and byte binds in order; returns rows affected.
            async fn exec(&self, sql: &str, binds: Vec<Bind<'_>>) -> StoreResult<u64> {
                let sql = q(sql);
                let mut query = sqlx::query(&sql);
                for b in binds {
                    query = match b {
                        Bind::S(s) => query.bind(s),
                        Bind::B(b) => query.bind(b.to_vec()),
                        Bind::I(i) => query.bind(i),
                        Bind::Flag(f) => query.bind(f),
                    };
                }
                Ok(query.execute(&self.pool).await.map_err(map_err)?.rows_affected())
            }
        }

        /// A bind value of [`exec`].
        enum Bind<'a> {
            S(&'a str),
            B(&'a [u8]),
            I(i64),
            Flag(bool),
        }

        #[async_trait]
        impl UserStore for $store {
            async fn create_user(&self, u: &User) -> StoreResult<()> {
                self.exec(
                    "INSERT INTO users (id, tenant_id, user_principal_name, display_name, password_hash, account_enabled, password_change_required, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    vec![Bind::S(&u.id), Bind::S(&u.tenant_id), Bind::S(&u.user_principal_name), Bind::S(&u.display_name), Bind::S(&u.password_hash), Bind::Flag(u.account_enabled), Bind::Flag(u.password_change_required), Bind::I(u.created_at)],
                )
                .await
                .map(|_| ())
            }

            async fn user_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<User>> {
                self.fetch_opt("SELECT * FROM users WHERE tenant_id = $1 AND id = $2", &[tenant_id, id], rows::user).await
            }

            async fn user_by_upn(&self, tenant_id: &str, upn: &str) -> StoreResult<Option<User>> {
                self.fetch_opt("SELECT * FROM users WHERE tenant_id = $1 AND user_principal_name = $2", &[tenant_id, upn], rows::user).await
            }

            async fn list_users(&self, tenant_id: &str) -> StoreResult<Vec<User>> {
                self.fetch_all("SELECT * FROM users WHERE tenant_id = $1 ORDER BY user_principal_name", &[tenant_id], rows::user).await
            }

            async fn update_user(&self, u: &User) -> StoreResult<()> {
                let n = self
                    .exec(
                        "UPDATE users SET user_principal_name = $1, display_name = $2, password_hash = $3, account_enabled = $4, password_change_required = $5 WHERE tenant_id = $6 AND id = $7",
                        vec![Bind::S(&u.user_principal_name), Bind::S(&u.display_name), Bind::S(&u.password_hash), Bind::Flag(u.account_enabled), Bind::Flag(u.password_change_required), Bind::S(&u.tenant_id), Bind::S(&u.id)],
                    )
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound(format!("user {}", u.id)));
                }
                Ok(())
            }

            async fn delete_user(&self, tenant_id: &str, id: &str) -> StoreResult<Option<Vec<(String, UnixTime)>>> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let revoked: Vec<(String, i64)> = sqlx::query_as(&q(
                    "UPDATE refresh_families SET revoked = TRUE WHERE tenant_id = $1 AND user_id = $2 AND revoked = FALSE RETURNING id, expires_at",
                ))
                .bind(tenant_id)
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let n = sqlx::query(&q("DELETE FROM users WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if n == 0 {
                    // No such user: nothing changes.
                    tx.rollback().await.map_err(map_err)?;
                    return Ok(None);
                }
                tx.commit().await.map_err(map_err)?;
                Ok(Some(revoked))
            }
        }

        #[async_trait]
        impl DeviceCodeStore for $store {
            async fn create_device_code(&self, c: &DeviceCode) -> StoreResult<()> {
                self.exec(
                    "INSERT INTO device_codes (device_code_hash, user_code, tenant_id, client_id, scope, state, poll_interval, last_poll_ms, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    vec![
                        Bind::B(&c.device_code_hash),
                        Bind::S(&c.user_code),
                        Bind::S(&c.tenant_id),
                        Bind::S(&c.client_id),
                        Bind::S(&c.scope),
                        Bind::S(c.state.as_str()),
                        Bind::I(c.interval),
                        Bind::I(c.last_poll_ms),
                        Bind::I(c.created_at),
                        Bind::I(c.expires_at),
                    ],
                )
                .await
                .map(|_| ())
            }

            async fn device_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<DeviceCode>> {
                let sql = q("SELECT * FROM device_codes WHERE device_code_hash = $1");
                let row = sqlx::query(&sql).bind(hash.to_vec()).fetch_optional(&self.pool).await.map_err(map_err)?;
                row.as_ref().map(rows::device_code).transpose()
            }

            async fn device_code_by_user_code(&self, tenant_id: &str, user_code: &str) -> StoreResult<Option<DeviceCode>> {
                self.fetch_opt("SELECT * FROM device_codes WHERE tenant_id = $1 AND user_code = $2", &[tenant_id, user_code], rows::device_code).await
            }

            async fn record_device_poll(&self, hash: &[u8; 32], poll_ms: i64, interval: i64) -> StoreResult<()> {
                self.exec(
                    "UPDATE device_codes SET last_poll_ms = $1, poll_interval = $2 WHERE device_code_hash = $3",
                    vec![Bind::I(poll_ms), Bind::I(interval), Bind::B(hash)],
                )
                .await
                .map(|_| ())
            }

            async fn attach_device_user(&self, tenant_id: &str, user_code: &str, user_id: &str, approval_hash: &[u8; 32], now: UnixTime) -> StoreResult<bool> {
                let n = self
                    .exec(
                        "UPDATE device_codes SET user_id = $1, approval_hash = $2 WHERE tenant_id = $3 AND user_code = $4 AND state = 'pending' AND expires_at > $5",
                        vec![Bind::S(user_id), Bind::B(approval_hash), Bind::S(tenant_id), Bind::S(user_code), Bind::I(now)],
                    )
                    .await?;
                Ok(n == 1)
            }

            async fn decide_device_code(&self, tenant_id: &str, user_code: &str, approval_hash: &[u8; 32], approve: bool, now: UnixTime) -> StoreResult<bool> {
                let state = if approve { DeviceCodeState::Approved } else { DeviceCodeState::Declined };
                let n = self
                    .exec(
                        "UPDATE device_codes SET state = $1 WHERE tenant_id = $2 AND user_code = $3 AND approval_hash = $4 AND state = 'pending' AND expires_at > $5",
                        vec![Bind::S(state.as_str()), Bind::S(tenant_id), Bind::S(user_code), Bind::B(approval_hash), Bind::I(now)],
                    )
                    .await?;
                Ok(n == 1)
            }

            async fn redeem_device_code(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<bool> {
                let n = self
                    .exec(
                        "UPDATE device_codes SET state = 'used' WHERE device_code_hash = $1 AND state = 'approved' AND expires_at > $2",
                        vec![Bind::B(hash), Bind::I(now)],
                    )
                    .await?;
                Ok(n == 1)
            }
        }

        #[async_trait]
        impl RefreshStore for $store {
            async fn create_refresh_family(&self, f: &RefreshFamily, first: &RefreshToken) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                insert_family(&mut tx, f).await?;
                insert_refresh(&mut tx, first).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn refresh_token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<(RefreshToken, RefreshFamily)>> {
                let sql = q("SELECT t.token_hash AS t_token_hash, t.used AS t_used, t.created_at AS t_created_at, f.* FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = $1");
                let row = sqlx::query(&sql).bind(hash.to_vec()).fetch_optional(&self.pool).await.map_err(map_err)?;
                row.as_ref().map(rows::refresh_pair).transpose()
            }

            async fn rotate_refresh_token(&self, old: &[u8; 32], new: &RefreshToken) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                // The conditional UPDATE is the lock: of concurrent callers, one sees used = FALSE.
                let n = sqlx::query(&q(
                    "UPDATE refresh_tokens SET used = TRUE WHERE token_hash = $1 AND used = FALSE \
                     AND family_id IN (SELECT id FROM refresh_families WHERE revoked = FALSE)",
                ))
                .bind(old.to_vec())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                if n != 1 {
                    tx.rollback().await.map_err(map_err)?;
                    return Ok(false);
                }
                insert_refresh(&mut tx, new).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn revoke_refresh_family(&self, family_id: &str) -> StoreResult<bool> {
                let n = self.exec("UPDATE refresh_families SET revoked = TRUE WHERE id = $1 AND revoked = FALSE", vec![Bind::S(family_id)]).await?;
                Ok(n == 1)
            }
        }

        async fn insert_family(tx: &mut sqlx::Transaction<'_, $db>, f: &RefreshFamily) -> StoreResult<()> {
            sqlx::query(&q("INSERT INTO refresh_families (id, tenant_id, client_id, user_id, scope, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                .bind(&f.id)
                .bind(&f.tenant_id)
                .bind(&f.client_id)
                .bind(&f.user_id)
                .bind(&f.scope)
                .bind(f.created_at)
                .bind(f.expires_at)
                .bind(f.revoked)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn insert_refresh(tx: &mut sqlx::Transaction<'_, $db>, t: &RefreshToken) -> StoreResult<()> {
            sqlx::query(&q("INSERT INTO refresh_tokens (token_hash, family_id, used, created_at) VALUES ($1, $2, $3, $4)"))
                .bind(t.token_hash.to_vec())
                .bind(&t.family_id)
                .bind(t.used)
                .bind(t.created_at)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            Ok(())
        }
    };
}
