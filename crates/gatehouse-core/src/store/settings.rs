//! Settings the deployment keeps in its database (e.g. the KEK check value).

use async_trait::async_trait;

use super::StoreResult;

#[async_trait]
pub trait SettingStore: Send + Sync {
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Sets a value only if it is not set yet; returns the value now stored.
    async fn init_setting(&self, name: &str, value: &str) -> StoreResult<String>;
}
