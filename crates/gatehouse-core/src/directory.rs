//! The directory cache: tenants, clients and resources as the token path needs them, without a
//! database round trip for anything already seen.
//!
//! Every process follows the store's change sequence ([`crate::store::ChangeStore`]): a refresher
//! polls it (default every 250 ms) and drops the caches when it moved, so a change made by the
//! admin CLI or another replica is seen within one second. Loads carry the cache generation they
//! started in; a load that raced with an invalidation is not inserted. Negative answers (unknown
//! client, unknown resource) are cached too, so guessing ids cannot hammer the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::Error;
use crate::model::{Application, ClientSecret, ServicePrincipal, Tenant};
use crate::resources::{self, Resource};
use crate::store::Store;

/// A client as the token endpoint sees it.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    pub app: Application,
    pub sp: ServicePrincipal,
    pub secrets: Vec<ClientSecret>,
    /// A built-in client (`crate::first_party`): every resource counts as consented.
    pub first_party: bool,
}

/// Entries beyond this many per map drop the whole map (a crude bound against id guessing).
const MAX_ENTRIES: usize = 100_000;

type Map<V> = RwLock<HashMap<String, V>>;

pub struct Directory {
    store: Arc<dyn Store>,
    generation: AtomicU64,
    tenants: Map<Option<Arc<Tenant>>>,
    clients: Map<Option<Arc<ClientEntry>>>,
    resources: Map<Option<Arc<Resource>>>,
    roles: Map<Arc<Vec<String>>>,
}

impl Directory {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            generation: AtomicU64::new(0),
            tenants: Default::default(),
            clients: Default::default(),
            resources: Default::default(),
            roles: Default::default(),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Drops every cached entry.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.tenants.write().clear();
        self.clients.write().clear();
        self.resources.write().clear();
        self.roles.write().clear();
    }

    fn cached<V: Clone>(map: &Map<V>, key: &str) -> Option<V> {
        map.read().get(key).cloned()
    }

    fn insert<V>(&self, map: &Map<V>, generation: u64, key: String, value: V) {
        let mut m = map.write();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(key, value);
    }

    /// A tenant by GUID or name (case-insensitive).
    pub async fn tenant(&self, segment: &str) -> Result<Arc<Tenant>, Error> {
        let key = segment.to_ascii_lowercase();
        if let Some(hit) = Self::cached(&self.tenants, &key) {
            return hit.ok_or_else(|| Error::TenantNotFound(segment.to_owned()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let found = match self.store.tenant_by_id(&key).await? {
            Some(t) => Some(t),
            None => self.store.tenant_by_name(&key).await?,
        };
        let found = found.map(Arc::new);
        self.insert(&self.tenants, generation, key, found.clone());
        found.ok_or_else(|| Error::TenantNotFound(segment.to_owned()))
    }

    /// A client (application + service principal + secrets) of a tenant, by client id.
    pub async fn client(&self, tenant: &Tenant, client_id: &str) -> Result<Arc<ClientEntry>, Error> {
        let key = format!("{}|{}", tenant.id, client_id.to_ascii_lowercase());
        let not_found = || Error::ClientNotFound {
            client_id: client_id.to_owned(),
            tenant: tenant.id.clone(),
        };
        if let Some(hit) = Self::cached(&self.clients, &key) {
            return hit.ok_or_else(not_found);
        }
        if let Some(fp) = crate::first_party::client(tenant, client_id) {
            return Ok(Arc::new(fp));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let app_id = client_id.to_ascii_lowercase();
        let entry = match self.store.application_by_app_id(&tenant.id, &app_id).await? {
            None => None,
            Some(app) => match self.store.service_principal_by_app_id(&tenant.id, &app_id).await? {
                None => None,
                Some(sp) => {
                    let secrets = self.store.list_secrets(&app.id).await?;
                    Some(Arc::new(ClientEntry {
                        app,
                        sp,
                        secrets,
                        first_party: false,
                    }))
                }
            },
        };
        self.insert(&self.clients, generation, key, entry.clone());
        entry.ok_or_else(not_found)
    }

    /// The resource named by `identifier` in a tenant: built-in, or registered with
    /// `gatehouse api create` (by identifier URI or application id).
    pub async fn resource(&self, tenant: &Tenant, identifier: &str) -> Result<Arc<Resource>, Error> {
        let unknown = || Error::UnknownResource {
            resource: identifier.to_owned(),
            tenant: tenant.id.clone(),
        };
        if let Some(r) = resources::well_known(identifier) {
            return Ok(Arc::new(r));
        }
        let key = format!("{}|{}", tenant.id, identifier);
        if let Some(hit) = Self::cached(&self.resources, &key) {
            return hit.ok_or_else(unknown);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let found = self.find_registered(tenant, identifier).await?.map(|app| {
            Arc::new(Resource {
                app_id: app.app_id,
                object_id: Some(app.id),
                display_name: app.display_name,
                scopes: app.oauth2_permission_scopes,
            })
        });
        self.insert(&self.resources, generation, key, found.clone());
        found.ok_or_else(unknown)
    }

    async fn find_registered(&self, tenant: &Tenant, identifier: &str) -> Result<Option<Application>, Error> {
        let trimmed = identifier.trim_end_matches('/');
        for candidate in [identifier.to_owned(), trimmed.to_owned(), format!("{trimmed}/")] {
            if let Some(app) = self.store.application_by_identifier_uri(&tenant.id, &candidate).await? {
                return Ok(Some(app));
            }
        }
        if uuid::Uuid::parse_str(identifier).is_ok() {
            return Ok(self
                .store
                .application_by_app_id(&tenant.id, &identifier.to_ascii_lowercase())
                .await?
                .filter(|a| {
                    !a.identifier_uris.is_empty() || !a.app_roles.is_empty() || !a.oauth2_permission_scopes.is_empty()
                }));
        }
        Ok(None)
    }

    /// The `roles` claim values the principal holds on a registered resource.
    pub async fn roles(&self, principal_id: &str, resource: &Resource) -> Result<Arc<Vec<String>>, Error> {
        let Some(resource_id) = &resource.object_id else {
            return Ok(Arc::new(Vec::new()));
        };
        let key = format!("{principal_id}|{resource_id}");
        if let Some(hit) = Self::cached(&self.roles, &key) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let assignments = self.store.role_assignments(principal_id, resource_id).await?;
        let app = self.store.application_by_id(resource_id).await?;
        let values: Vec<String> = match app {
            Some(app) => assignments
                .iter()
                .filter_map(|a| app.app_roles.iter().find(|r| r.id == a.app_role_id))
                .map(|r| r.value.clone())
                .collect(),
            None => Vec::new(),
        };
        let values = Arc::new(values);
        self.insert(&self.roles, generation, key, values.clone());
        Ok(values)
    }
}
