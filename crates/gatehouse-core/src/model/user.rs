//! A person who signs in.

use serde::Serialize;

use super::UnixTime;

/// A person who signs in (Graph's `user`). `id` is the `oid` and `sub` of their tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (GUID).
    pub id: String,
    pub tenant_id: String,
    /// Unique per tenant, stored lower-case.
    pub user_principal_name: String,
    pub display_name: String,
    /// argon2id PHC string; never serialized.
    #[serde(skip)]
    pub password_hash: String,
    pub account_enabled: bool,
    /// The next password sign-in must set a new password before it continues (set for the
    /// first start's administrator and by `--force-change-password-next-sign-in`).
    #[serde(default)]
    pub password_change_required: bool,
    pub created_at: UnixTime,
}
