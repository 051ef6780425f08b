//! Management operations: what the admin CLI verbs and the Graph front door do. Each operation
//! is one transaction (a store write, or a unit of work when it writes several things), whose
//! change-feed entries let running servers see it.

pub mod apis;
pub mod apps;
pub mod bootstrap;
pub mod certificates;
pub mod directory;
pub mod directory_roles;
pub mod groups;
pub mod rbac;
pub mod subscriptions;
pub mod tenants;
pub mod users;

use std::sync::Arc;

use gatehouse_keys::Kek;

use crate::error::{Error, Object};
use crate::model::Tenant;
use crate::store::Store;

pub use bootstrap::FirstStart;

/// The name of the tenant created at first start, used when `--tenant` is not given.
pub const DEFAULT_TENANT: &str = "default";

pub struct Admin {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kek: Arc<Kek>,
}

impl Admin {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>) -> Self {
        Self { store, kek }
    }

    /// A tenant by GUID or name; `None` means the default tenant.
    pub async fn tenant(&self, which: Option<&str>) -> Result<Tenant, Error> {
        let key = which.unwrap_or(DEFAULT_TENANT).to_ascii_lowercase();
        if let Some(t) = self.store.tenant_by_id(&key).await? {
            return Ok(t);
        }
        self.store.tenant_by_name(&key).await?.ok_or(Error::NotFound {
            object: Object::Tenant,
            name: key,
        })
    }
}
