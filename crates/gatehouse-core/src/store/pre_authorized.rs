//! The client applications an API pre-authorizes (Entra's `api.preAuthorizedApplications`):
//! for the permissions listed, a pre-authorized application may get tokens for the API on a
//! user's behalf (on-behalf-of, token exchange) without the user's or an administrator's consent.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{PreAuthorized, UnixTime};

#[async_trait]
pub trait PreAuthorizationStore: Send + Sync {
    /// The permissions `api_app_id` pre-authorizes `client_app_id` for (both lower-case appIds),
    /// or `None` when it does not pre-authorize it.
    async fn pre_authorized(
        &self,
        tenant_id: &str,
        api_app_id: &str,
        client_app_id: &str,
    ) -> StoreResult<Option<Vec<String>>>;
    /// Every client application `api_app_id` pre-authorizes, ordered by client appId.
    async fn list_pre_authorized(&self, tenant_id: &str, api_app_id: &str) -> StoreResult<Vec<PreAuthorized>>;
    /// Pre-authorizes a client for exactly `scopes` (replacing what it had); audited
    /// (`api.preAuthorize`).
    async fn set_pre_authorized(&self, entry: &PreAuthorized, now: UnixTime) -> StoreResult<()>;
    /// Withdraws a pre-authorization; audited (`api.preAuthorizeRemove`); false if there was none.
    async fn remove_pre_authorized(&self, tenant_id: &str, api_app_id: &str, client_app_id: &str) -> StoreResult<bool>;
}
