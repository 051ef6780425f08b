//! Management operations: what the admin CLI verbs and the Graph front door do. Each operation
//! is one transaction (a store write, or a unit of work when it writes several things), whose
//! change-feed entries let running servers see it and whose audit entries say who made it:
//! an [`Admin`] acts as the actor it was made for ([`Admin::acting`]); one without an actor
//! can read, and its changes are refused (see [`crate::audit`]).

pub mod apis;
pub mod apps;
pub mod bootstrap;
pub mod certificates;
pub mod directory;
pub mod directory_roles;
pub mod groups;
pub mod keys;
pub mod pre_authorized;
pub mod rbac;
pub mod subscriptions;
pub mod tenants;
pub mod token_formats;
pub mod users;

use std::sync::Arc;

use gatehouse_keys::Kek;

use crate::error::{Error, Object};
use crate::model::Tenant;
use crate::store::Store;

pub use bootstrap::FirstStart;

/// The name of the tenant created at first start, used when `--tenant` is not given.
pub const DEFAULT_TENANT: &str = "default";

#[derive(Clone)]
pub struct Admin {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kek: Arc<Kek>,
}

impl Admin {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>) -> Self {
        Self { store, kek }
    }

    /// The same operations, with every change audited as made by `actor`.
    pub fn acting(&self, actor: crate::model::Actor) -> Self {
        Self {
            store: self.store.with_actor(actor),
            kek: self.kek.clone(),
        }
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
