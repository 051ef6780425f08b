//! The revocation feed (`RevocationStore`, and `RevocationWrites` of a unit of work), generated
//! by [`impl_revocation_store!`]. Numbers come from `revocation_counter` inside the writing
//! transaction, so entries commit in order; a revocation notes no change-feed entry.

macro_rules! impl_revocation_store {
    ($store:ident, $uow:ident, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use gatehouse_core::model::{Revocation, RevocationKind, UnixTime};
            use gatehouse_core::store::{RevocationStore, RevocationWrites, StoreError, StoreResult};
            use $crate::common::{map_err, rows::Cols, Bind};

            type Row = <$db as sqlx::Database>::Row;

            fn revocation(r: &Row) -> StoreResult<Revocation> {
                let kind = RevocationKind::parse(&r.s("kind")?).ok_or_else(|| StoreError::Corrupt("revocation kind".into()))?;
                Ok(Revocation { seq: r.i("seq")?, tenant_id: r.s("tenant_id")?, kind, value: r.s("value")?, expires_at: r.i("expires_at")? })
            }

            fn seq(r: &Row) -> StoreResult<i64> {
                r.i("seq")
            }

            #[async_trait]
            impl RevocationStore for $store {
                async fn revoke(&self, tenant_id: &str, kind: RevocationKind, value: &str, expires_at: UnixTime) -> StoreResult<i64> {
                    let mut w = self.begin_uow().await?;
                    let seq = w.revoke(tenant_id, kind, value, expires_at).await?;
                    w.commit_now().await?;
                    Ok(seq)
                }

                async fn revocations_since(&self, tenant_id: &str, since: i64, now: UnixTime, limit: i64) -> StoreResult<Vec<Revocation>> {
                    self.fetch_all(
                        "SELECT seq, tenant_id, kind, value, expires_at FROM revocations WHERE tenant_id = $1 AND seq > $2 AND expires_at > $3 ORDER BY seq LIMIT $4",
                        vec![Bind::S(tenant_id), Bind::I(since), Bind::I(now), Bind::I(limit)],
                        revocation,
                    )
                    .await
                }

                async fn is_revoked(&self, tenant_id: &str, sid: Option<&str>, uti: Option<&str>) -> StoreResult<bool> {
                    if sid.is_none() && uti.is_none() {
                        return Ok(false);
                    }
                    let found = self
                        .fetch_opt(
                            "SELECT seq FROM revocations WHERE tenant_id = $1 AND ((kind = 'sid' AND value = $2) OR (kind = 'uti' AND value = $3)) LIMIT 1",
                            vec![Bind::S(tenant_id), Bind::OptS(sid), Bind::OptS(uti)],
                            seq,
                        )
                        .await?;
                    Ok(found.is_some())
                }
            }

            #[async_trait]
            impl RevocationWrites for $uow {
                async fn revoke(&mut self, tenant_id: &str, kind: RevocationKind, value: &str, expires_at: UnixTime) -> StoreResult<i64> {
                    let sql = <$store>::q("UPDATE revocation_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq");
                    let (seq,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *self.tx).await.map_err(map_err)?;
                    self.exec(
                        "INSERT INTO revocations (seq, tenant_id, kind, value, expires_at) VALUES ($1, $2, $3, $4, $5)",
                        vec![Bind::I(seq), Bind::S(tenant_id), Bind::S(kind.as_str()), Bind::S(value), Bind::I(expires_at)],
                    )
                    .await?;
                    Ok(seq)
                }
            }
        };
    };
}
