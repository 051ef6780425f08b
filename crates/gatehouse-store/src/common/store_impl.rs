//! The storage traits implemented once, for any sqlx backend, by [`impl_store!`].

/// Implements every storage trait of `gatehouse-core` for `$store`, a struct with a
/// `pool: sqlx::Pool<$db>` field. `$fix` turns the shared `$n` SQL into the backend's dialect.
macro_rules! impl_store {
    ($store:ty, $db:ty, $fix:path, $name:literal) => {
        use async_trait::async_trait;
        use gatehouse_core::model::{Application, ClientSecret, Revocation, RevocationKind, RoleAssignment, ServicePrincipal, Tenant, UnixTime};
        use gatehouse_core::store::*;
        use gatehouse_keys::KeyRecord;
        use $crate::common::{json_list, map_err, rows};

        const BUMP: &str = "UPDATE change_counter SET seq = seq + 1 WHERE id = 1";

        fn q(sql: &str) -> String {
            $fix(sql)
        }

        impl $store {
            async fn fetch_opt<T>(
                &self,
                sql: &str,
                binds: &[&str],
                f: fn(&<$db as sqlx::Database>::Row) -> StoreResult<T>,
            ) -> StoreResult<Option<T>> {
                let sql = q(sql);
                let mut query = sqlx::query(&sql);
                for b in binds {
                    query = query.bind(*b);
                }
                match query.fetch_optional(&self.pool).await.map_err(map_err)? {
                    Some(row) => Ok(Some(f(&row)?)),
                    None => Ok(None),
                }
            }

            async fn fetch_all<T>(
                &self,
                sql: &str,
                binds: &[&str],
                f: fn(&<$db as sqlx::Database>::Row) -> StoreResult<T>,
            ) -> StoreResult<Vec<T>> {
                let sql = q(sql);
                let mut query = sqlx::query(&sql);
                for b in binds {
                    query = query.bind(*b);
                }
                query.fetch_all(&self.pool).await.map_err(map_err)?.iter().map(f).collect()
            }

            /// Runs a delete inside a transaction that bumps the change counter; true if a row went.
            async fn delete_bumping(&self, sql: &str, binds: &[&str]) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                let sql = q(sql);
                let mut query = sqlx::query(&sql);
                for b in binds {
                    query = query.bind(*b);
                }
                let n = query.execute(&mut *tx).await.map_err(map_err)?.rows_affected();
                tx.commit().await.map_err(map_err)?;
                Ok(n > 0)
            }
        }

        #[async_trait]
        impl TenantStore for $store {
            async fn create_tenant(&self, t: &Tenant, keys: &[KeyRecord]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                sqlx::query(&q("INSERT INTO tenants (id, name, display_name, signing_alg, token_lifetime_seconds, created_at) VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(&t.id)
                    .bind(&t.name)
                    .bind(&t.display_name)
                    .bind(t.signing_alg.as_str())
                    .bind(t.token_lifetime_seconds)
                    .bind(t.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for k in keys {
                    insert_key(&mut tx, k).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn tenant_by_id(&self, id: &str) -> StoreResult<Option<Tenant>> {
                self.fetch_opt("SELECT * FROM tenants WHERE id = $1", &[id], rows::tenant).await
            }

            async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>> {
                self.fetch_opt("SELECT * FROM tenants WHERE name = $1", &[name], rows::tenant).await
            }

            async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
                self.fetch_all("SELECT * FROM tenants ORDER BY created_at, name", &[], rows::tenant).await
            }
        }

        async fn insert_key(
            tx: &mut sqlx::Transaction<'_, $db>,
            k: &KeyRecord,
        ) -> StoreResult<()> {
            sqlx::query(&q("INSERT INTO signing_keys (kid, tenant_id, alg, sealed_private, public_jwk, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(&k.kid)
                .bind(&k.tenant_id)
                .bind(k.alg.as_str())
                .bind(&k.sealed_private)
                .bind(&k.public_jwk)
                .bind(k.status.as_str())
                .bind(k.created_at)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn insert_app(
            tx: &mut sqlx::Transaction<'_, $db>,
            app: &Application,
        ) -> StoreResult<()> {
            for uri in &app.identifier_uris {
                sqlx::query(&q("INSERT INTO identifier_uris (tenant_id, uri, application_id) VALUES ($1, $2, $3)"))
                    .bind(&app.tenant_id)
                    .bind(uri)
                    .bind(&app.id)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
            }
            Ok(())
        }

        #[async_trait]
        impl AppStore for $store {
            async fn create_application(&self, app: &Application, sp: &ServicePrincipal) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                sqlx::query(&q("INSERT INTO applications (id, tenant_id, app_id, display_name, identifier_uris, app_roles, public_client, redirect_uris, created_at, oauth2_scopes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                    .bind(&app.id)
                    .bind(&app.tenant_id)
                    .bind(&app.app_id)
                    .bind(&app.display_name)
                    .bind(json_list(&app.identifier_uris))
                    .bind(json_list(&app.app_roles))
                    .bind(app.public_client)
                    .bind(json_list(&app.redirect_uris))
                    .bind(app.created_at)
                    .bind(json_list(&app.oauth2_permission_scopes))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                insert_app(&mut tx, app).await?;
                sqlx::query(&q("INSERT INTO service_principals (id, tenant_id, app_id, display_name, account_enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(&sp.id)
                    .bind(&sp.tenant_id)
                    .bind(&sp.app_id)
                    .bind(&sp.display_name)
                    .bind(sp.account_enabled)
                    .bind(sp.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn application_by_app_id(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<Application>> {
                self.fetch_opt("SELECT * FROM applications WHERE tenant_id = $1 AND app_id = $2", &[tenant_id, app_id], rows::application).await
            }

            async fn application_by_id(&self, id: &str) -> StoreResult<Option<Application>> {
                self.fetch_opt("SELECT * FROM applications WHERE id = $1", &[id], rows::application).await
            }

            async fn application_by_identifier_uri(&self, tenant_id: &str, uri: &str) -> StoreResult<Option<Application>> {
                self.fetch_opt(
                    "SELECT a.* FROM applications a JOIN identifier_uris u ON u.application_id = a.id WHERE u.tenant_id = $1 AND u.uri = $2",
                    &[tenant_id, uri],
                    rows::application,
                )
                .await
            }

            async fn list_applications(&self, tenant_id: &str) -> StoreResult<Vec<Application>> {
                self.fetch_all("SELECT * FROM applications WHERE tenant_id = $1 ORDER BY created_at, display_name", &[tenant_id], rows::application).await
            }

            async fn update_application(&self, app: &Application) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                let n = sqlx::query(&q("UPDATE applications SET display_name = $1, identifier_uris = $2, app_roles = $3, public_client = $4, redirect_uris = $5, oauth2_scopes = $8 WHERE id = $6 AND tenant_id = $7"))
                    .bind(&app.display_name)
                    .bind(json_list(&app.identifier_uris))
                    .bind(json_list(&app.app_roles))
                    .bind(app.public_client)
                    .bind(json_list(&app.redirect_uris))
                    .bind(&app.id)
                    .bind(&app.tenant_id)
                    .bind(json_list(&app.oauth2_permission_scopes))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound(format!("application {}", app.id)));
                }
                sqlx::query(&q("DELETE FROM identifier_uris WHERE application_id = $1"))
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                insert_app(&mut tx, app).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn delete_application(&self, tenant_id: &str, app_id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                let found: Option<(String,)> = sqlx::query_as(&q("SELECT id FROM applications WHERE tenant_id = $1 AND app_id = $2"))
                    .bind(tenant_id)
                    .bind(app_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let Some((id,)) = found else {
                    return Ok(false);
                };
                let sp: Option<(String,)> = sqlx::query_as(&q("SELECT id FROM service_principals WHERE tenant_id = $1 AND app_id = $2"))
                    .bind(tenant_id)
                    .bind(app_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut statements: Vec<(&str, String)> = vec![
                    ("DELETE FROM client_secrets WHERE application_id = $1", id.clone()),
                    ("DELETE FROM identifier_uris WHERE application_id = $1", id.clone()),
                    ("DELETE FROM role_assignments WHERE resource_id = $1", id.clone()),
                ];
                if let Some((sp_id,)) = sp {
                    statements.push(("DELETE FROM role_assignments WHERE principal_id = $1", sp_id.clone()));
                    statements.push(("DELETE FROM service_principals WHERE id = $1", sp_id));
                }
                statements.push(("DELETE FROM applications WHERE id = $1", id));
                for (sql, bind) in statements {
                    sqlx::query(&q(sql)).bind(bind).execute(&mut *tx).await.map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn service_principal_by_app_id(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<ServicePrincipal>> {
                self.fetch_opt("SELECT * FROM service_principals WHERE tenant_id = $1 AND app_id = $2", &[tenant_id, app_id], rows::service_principal).await
            }

            async fn add_secret(&self, tenant_id: &str, s: &ClientSecret) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                sqlx::query(&q("INSERT INTO client_secrets (key_id, tenant_id, application_id, display_name, hint, secret_hash, start_at, end_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(&s.key_id)
                    .bind(tenant_id)
                    .bind(&s.application_id)
                    .bind(&s.display_name)
                    .bind(&s.hint)
                    .bind(s.secret_hash.to_vec())
                    .bind(s.start)
                    .bind(s.end)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_secrets(&self, application_id: &str) -> StoreResult<Vec<ClientSecret>> {
                self.fetch_all("SELECT * FROM client_secrets WHERE application_id = $1 ORDER BY start_at, key_id", &[application_id], rows::secret).await
            }

            async fn remove_secret(&self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool> {
                self.delete_bumping(
                    "DELETE FROM client_secrets WHERE tenant_id = $1 AND application_id = $2 AND key_id = $3",
                    &[tenant_id, application_id, key_id],
                )
                .await
            }

            async fn add_role_assignment(&self, a: &RoleAssignment) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                sqlx::query(&q("INSERT INTO role_assignments (id, tenant_id, principal_id, resource_id, app_role_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(&a.id)
                    .bind(&a.tenant_id)
                    .bind(&a.principal_id)
                    .bind(&a.resource_id)
                    .bind(&a.app_role_id)
                    .bind(a.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn role_assignments(&self, principal_id: &str, resource_id: &str) -> StoreResult<Vec<RoleAssignment>> {
                self.fetch_all(
                    "SELECT * FROM role_assignments WHERE principal_id = $1 AND resource_id = $2 ORDER BY created_at, id",
                    &[principal_id, resource_id],
                    rows::role_assignment,
                )
                .await
            }

            async fn remove_role_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<bool> {
                self.delete_bumping("DELETE FROM role_assignments WHERE tenant_id = $1 AND id = $2", &[tenant_id, id]).await
            }
        }

        #[async_trait]
        impl KeyStore for $store {
            async fn add_key(&self, k: &KeyRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query(BUMP).execute(&mut *tx).await.map_err(map_err)?;
                insert_key(&mut tx, k).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn keys_for_tenant(&self, tenant_id: &str) -> StoreResult<Vec<KeyRecord>> {
                self.fetch_all("SELECT * FROM signing_keys WHERE tenant_id = $1 ORDER BY created_at, kid", &[tenant_id], rows::key).await
            }
        }

        #[async_trait]
        impl ChangeStore for $store {
            async fn change_seq(&self) -> StoreResult<i64> {
                let (seq,): (i64,) = sqlx::query_as("SELECT seq FROM change_counter WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(seq)
            }
        }

        #[async_trait]
        impl ThrottleStore for $store {
            async fn record_failure(&self, key: &str, window_start: UnixTime, lock_until: UnixTime, limit: i64) -> StoreResult<i64> {
                // One statement, so concurrent failures from several replicas all count.
                let (failures,): (i64,) = sqlx::query_as(&q(
                    "INSERT INTO auth_throttle (key, window_start, failures, locked_until) VALUES ($1, $2, 1, CASE WHEN $4 <= 1 THEN $3 ELSE 0 END) \
                     ON CONFLICT (key) DO UPDATE SET \
                       failures = CASE WHEN auth_throttle.window_start = excluded.window_start THEN auth_throttle.failures + 1 ELSE 1 END, \
                       locked_until = CASE WHEN (CASE WHEN auth_throttle.window_start = excluded.window_start THEN auth_throttle.failures + 1 ELSE 1 END) >= $4 \
                                      THEN $3 ELSE auth_throttle.locked_until END, \
                       window_start = excluded.window_start \
                     RETURNING failures",
                ))
                .bind(key)
                .bind(window_start)
                .bind(lock_until)
                .bind(limit)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(failures)
            }

            async fn locked_keys(&self, now: UnixTime) -> StoreResult<Vec<(String, UnixTime)>> {
                sqlx::query_as(&q("SELECT key, locked_until FROM auth_throttle WHERE locked_until > $1"))
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)
            }
        }

        #[async_trait]
        impl RevocationStore for $store {
            async fn revoke(&self, tenant_id: &str, kind: RevocationKind, value: &str, expires_at: UnixTime) -> StoreResult<i64> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let (seq,): (i64,) = sqlx::query_as("UPDATE revocation_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(&q("INSERT INTO revocations (seq, tenant_id, kind, value, expires_at) VALUES ($1, $2, $3, $4, $5)"))
                    .bind(seq)
                    .bind(tenant_id)
                    .bind(kind.as_str())
                    .bind(value)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(seq)
            }

            async fn revocations_since(&self, tenant_id: &str, since: i64, now: UnixTime, limit: i64) -> StoreResult<Vec<Revocation>> {
                let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(&q(
                    "SELECT seq, tenant_id, kind, value, expires_at FROM revocations WHERE tenant_id = $1 AND seq > $2 AND expires_at > $3 ORDER BY seq LIMIT $4",
                ))
                .bind(tenant_id)
                .bind(since)
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.into_iter()
                    .map(|(seq, tenant_id, kind, value, expires_at)| {
                        let kind = RevocationKind::parse(&kind).ok_or_else(|| StoreError::Corrupt("revocation kind".into()))?;
                        Ok(Revocation { seq, tenant_id, kind, value, expires_at })
                    })
                    .collect()
            }

            async fn is_revoked(&self, tenant_id: &str, sid: Option<&str>, uti: Option<&str>) -> StoreResult<bool> {
                if sid.is_none() && uti.is_none() {
                    return Ok(false);
                }
                let row: Option<(i64,)> = sqlx::query_as(&q(
                    "SELECT seq FROM revocations WHERE tenant_id = $1 AND ((kind = 'sid' AND value = $2) OR (kind = 'uti' AND value = $3)) LIMIT 1",
                ))
                .bind(tenant_id)
                .bind(sid)
                .bind(uti)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(row.is_some())
            }
        }

        #[async_trait]
        impl SettingStore for $store {
            async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as(&q("SELECT value FROM settings WHERE name = $1"))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(|r| r.0))
            }

            async fn init_setting(&self, name: &str, value: &str) -> StoreResult<String> {
                sqlx::query(&q("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"))
                    .bind(name)
                    .bind(value)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                self.setting(name)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("setting {name} vanished")))
            }
        }

        impl Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }
        }
    };
}
