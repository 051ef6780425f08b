//! The directory cache: tenants, clients, resources and app-role assignments as the token path
//! needs them, without a database round trip for anything already seen.
//!
//! Every process follows the store's change feed ([`follow::ChangeFollower`], polled by
//! `Gatehouse::follow_changes`, default every 250 ms): each entry invalidates exactly the cache
//! entries it names ([`Directory::apply`]), so a change in one tenant costs the others nothing,
//! and a change made by the admin CLI or another replica is seen within one second. Caches are
//! bounded ([`cache::GuardedCache`]: quick_cache, evicting a few entries at a time as they fill) and a
//! load that raced with an invalidation is not inserted. Negative answers (unknown tenant,
//! client, resource) are cached too, so guessing ids cannot hammer the database.

pub mod cache;
pub mod entries;
pub mod follow;

use std::sync::Arc;

use crate::error::Error;
use crate::issuance::resources::{self, Resource};
use crate::model::{AppRole, Application, Tenant};
use crate::store::{AppStore, Change, ChangeKind, Store, TenantStore};
use cache::GuardedCache;

pub use entries::{AppEntry, ClientEntry, SecretEntry, SpEntry};
pub use follow::{ChangeFollower, Followed};

pub mod capacity;

pub struct Directory {
    store: Arc<dyn Store>,
    tenants_db: Arc<dyn TenantStore>,
    apps_db: Arc<dyn AppStore>,
    /// By GUID or name, lower-case.
    tenants: GuardedCache<Option<Arc<Tenant>>>,
    /// `{tenant_id}|{app_id}`.
    clients: GuardedCache<Option<Arc<ClientEntry>>>,
    /// `{tenant_id}|{uri}`: the application whose identifier URIs hold `uri` exactly.
    resources_by_uri: GuardedCache<Option<Arc<Resource>>>,
    /// `{tenant_id}|{app_id}`: a registered API named by its application id.
    resources_by_app: GuardedCache<Option<Arc<Resource>>>,
    /// `{principal_id}|{resource_id}`: the app-role ids assigned.
    assignments: GuardedCache<Arc<Vec<String>>>,
    /// `{app_id}` of a resource API: the app roles it declares.
    app_roles: GuardedCache<Option<Arc<Vec<AppRole>>>>,
    /// `{tenant_id}|{principal_id}`: the ids of the groups it belongs to, transitively.
    groups: GuardedCache<Arc<Vec<String>>>,
    /// This server's Graph identifier (`{base}/graph/`), when it serves the Graph door.
    graph_identifier: Option<String>,
    /// The one empty list every principal without groups or assignments shares (most have
    /// none: ten thousand clients need not hold ten thousand empty lists).
    none: Arc<Vec<String>>,
}

impl Directory {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_reads(store.clone(), store.clone(), store)
    }

    /// A directory that reads through `tenants_db` and `apps_db` (tests wrap them); `store`
    /// is only handed out by [`Directory::store`].
    pub fn with_reads(store: Arc<dyn Store>, tenants_db: Arc<dyn TenantStore>, apps_db: Arc<dyn AppStore>) -> Self {
        Self {
            store,
            tenants_db,
            apps_db,
            tenants: GuardedCache::new(capacity::TENANTS),
            clients: GuardedCache::new(capacity::CLIENTS),
            resources_by_uri: GuardedCache::new(capacity::RESOURCES),
            resources_by_app: GuardedCache::new(capacity::RESOURCES),
            assignments: GuardedCache::new(capacity::ASSIGNMENTS),
            app_roles: GuardedCache::new(capacity::APP_ROLES),
            groups: GuardedCache::new(capacity::GROUPS),
            graph_identifier: None,
            none: Arc::new(Vec::new()),
        }
    }

    /// `ids` as a shared list: the one empty list when empty.
    fn shared(&self, ids: Vec<String>) -> Arc<Vec<String>> {
        if ids.is_empty() {
            self.none.clone()
        } else {
            Arc::new(ids)
        }
    }

    /// This directory knows `{base_url}/graph/` as Microsoft Graph.
    pub fn serving(mut self, base_url: &str) -> Self {
        self.graph_identifier = Some(resources::graph_identifier(base_url));
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Drops every cached entry.
    pub fn invalidate(&self) {
        self.tenants.invalidate_all();
        self.clients.invalidate_all();
        self.resources_by_uri.invalidate_all();
        self.resources_by_app.invalidate_all();
        self.assignments.invalidate_all();
        self.app_roles.invalidate_all();
        self.groups.invalidate_all();
    }

    /// Drops what one change-feed entry names, and nothing else.
    pub fn apply(&self, change: &Change) {
        let in_tenant = || format!("{}|{}", change.tenant_id, change.key);
        match change.kind {
            ChangeKind::Tenant => {
                self.tenants.invalidate(&change.tenant_id.to_ascii_lowercase());
                self.tenants.invalidate(&change.key.to_ascii_lowercase());
            }
            ChangeKind::App => {
                let key = in_tenant();
                self.clients.invalidate(&key);
                self.resources_by_app.invalidate(&key);
                self.app_roles.invalidate(&change.key);
            }
            ChangeKind::Secret => self.clients.invalidate(&in_tenant()),
            ChangeKind::AppRoleAssignment => self.assignments.invalidate(&change.key),
            ChangeKind::IdentifierUri => self.resources_by_uri.invalidate(&in_tenant()),
            ChangeKind::SigningKey
            | ChangeKind::Subscription
            | ChangeKind::RoleAssignment
            | ChangeKind::RoleDefinition => {}
            // A change to one group can change the transitive groups of every principal below
            // it: the whole (small, per-principal) cache goes.
            ChangeKind::GroupMembership => self.groups.invalidate_all(),
        }
    }

    /// Whether the client (or the fact that it does not exist) is cached.
    pub fn holds_client(&self, tenant_id: &str, client_id: &str) -> bool {
        self.clients
            .get(&format!("{tenant_id}|{}", client_id.to_ascii_lowercase()))
            .is_some()
    }

    /// How many clients (and known absences) are cached.
    pub fn cached_clients(&self) -> u64 {
        self.clients.len()
    }

    /// A tenant by GUID or name (case-insensitive).
    pub async fn tenant(&self, segment: &str) -> Result<Arc<Tenant>, Error> {
        let key = segment.to_ascii_lowercase();
        if let Some(hit) = self.tenants.get(&key) {
            return hit.ok_or_else(|| Error::TenantNotFound(segment.to_owned()));
        }
        let ticket = self.tenants.ticket(&key);
        let found = match self.tenants_db.tenant_by_id(&key).await? {
            Some(t) => Some(t),
            None => self.tenants_db.tenant_by_name(&key).await?,
        };
        let found = found.map(Arc::new);
        self.tenants.insert(ticket, key, found.clone());
        found.ok_or_else(|| Error::TenantNotFound(segment.to_owned()))
    }

    /// A client (application + service principal + secrets and certificates) of a tenant, by
    /// client id.
    pub async fn client(&self, tenant: &Tenant, client_id: &str) -> Result<Arc<ClientEntry>, Error> {
        let key = cache::key_lower(&tenant.id, client_id);
        let app_id = &key[tenant.id.len() + 1..];
        let not_found = || Error::ClientNotFound {
            client_id: client_id.to_owned(),
            tenant: tenant.id.clone(),
        };
        if let Some(hit) = self.clients.get(&key) {
            return hit.ok_or_else(not_found);
        }
        if let Some(fp) = crate::issuance::first_party::client(tenant, client_id) {
            return Ok(Arc::new(fp));
        }
        let ticket = self.clients.ticket(&key);
        let entry = match self.apps_db.application_by_app_id(&tenant.id, app_id).await? {
            None => None,
            Some(app) => match self.apps_db.service_principal_by_app_id(&tenant.id, app_id).await? {
                None => None,
                Some(sp) => {
                    let secrets = self.apps_db.list_secrets(&app.id).await?;
                    let certificates = self.store.list_certificates(&app.id).await?;
                    Some(Arc::new(ClientEntry {
                        app: app.into(),
                        sp: sp.into(),
                        secrets: secrets.into_iter().map(SecretEntry::from).collect(),
                        certificates,
                        first_party: false,
                    }))
                }
            },
        };
        self.clients.insert(ticket, key, entry.clone());
        entry.ok_or_else(not_found)
    }

    /// The resource named by `identifier` in a tenant: built-in, or registered with
    /// `gatehouse api create` (by identifier URI, with or without a trailing slash, or by
    /// application id).
    pub async fn resource(&self, tenant: &Tenant, identifier: &str) -> Result<Arc<Resource>, Error> {
        if let Some(r) = resources::well_known_shared(identifier) {
            return Ok(r);
        }
        if let Some(graph) = &self.graph_identifier {
            if resources::same_identifier(graph, identifier) {
                return Ok(Arc::new(resources::graph()));
            }
        }
        let trimmed = identifier.trim_end_matches('/');
        let slashed = format!("{trimmed}/");
        let mut candidates = vec![identifier];
        for c in [trimmed, slashed.as_str()] {
            if !candidates.contains(&c) {
                candidates.push(c);
            }
        }
        for candidate in candidates {
            if let Some(r) = self.resource_by_uri(tenant, candidate).await? {
                return Ok(r);
            }
        }
        if uuid::Uuid::parse_str(identifier).is_ok() {
            if let Some(r) = self
                .resource_by_app_id(tenant, &identifier.to_ascii_lowercase())
                .await?
            {
                return Ok(r);
            }
        }
        Err(Error::UnknownResource {
            resource: identifier.to_owned(),
            tenant: tenant.id.clone(),
        })
    }

    async fn resource_by_uri(&self, tenant: &Tenant, uri: &str) -> Result<Option<Arc<Resource>>, Error> {
        let key = cache::key(&tenant.id, uri);
        if let Some(hit) = self.resources_by_uri.get(&key) {
            return Ok(hit);
        }
        let ticket = self.resources_by_uri.ticket(&key);
        let found = self.apps_db.application_by_identifier_uri(&tenant.id, uri).await?;
        let found = found.map(as_resource);
        self.resources_by_uri.insert(ticket, key, found.clone());
        Ok(found)
    }

    async fn resource_by_app_id(&self, tenant: &Tenant, app_id: &str) -> Result<Option<Arc<Resource>>, Error> {
        let key = cache::key(&tenant.id, app_id);
        if let Some(hit) = self.resources_by_app.get(&key) {
            return Ok(hit);
        }
        let ticket = self.resources_by_app.ticket(&key);
        let found = self
            .apps_db
            .application_by_app_id(&tenant.id, app_id)
            .await?
            .filter(|a| {
                !a.identifier_uris.is_empty() || !a.app_roles.is_empty() || !a.oauth2_permission_scopes.is_empty()
            })
            .map(as_resource);
        self.resources_by_app.insert(ticket, key, found.clone());
        Ok(found)
    }

    /// The `roles` claim values the principal holds on a registered resource.
    pub async fn roles(&self, principal_id: &str, resource: &Resource) -> Result<Arc<Vec<String>>, Error> {
        if resource.object_id.is_none() && resource.app_id == resources::GRAPH_APP_ID {
            return self.graph_roles(principal_id).await;
        }
        let Some(resource_id) = &resource.object_id else {
            return Ok(Arc::new(Vec::new()));
        };
        let assigned = self.assigned_role_ids(principal_id, resource_id).await?;
        if assigned.is_empty() {
            return Ok(Arc::new(Vec::new()));
        }
        let Some(declared) = self.declared_roles(&resource.app_id, resource_id).await? else {
            return Ok(Arc::new(Vec::new()));
        };
        let values = assigned
            .iter()
            .filter_map(|id| declared.iter().find(|r| &r.id == id))
            .map(|r| r.value.clone())
            .collect();
        Ok(Arc::new(values))
    }

    /// The Graph application permissions a principal holds (its directory roles that are
    /// Graph app roles), cached like app-role assignments under `{principal}|{Graph app id}`.
    async fn graph_roles(&self, principal_id: &str) -> Result<Arc<Vec<String>>, Error> {
        let key = cache::key(principal_id, resources::GRAPH_APP_ID);
        if let Some(hit) = self.assignments.get(&key) {
            return Ok(hit);
        }
        let ticket = self.assignments.ticket(&key);
        // Directory roles are per tenant, but object ids are GUIDs unique across tenants.
        let roles: Vec<String> = self
            .store
            .directory_roles_of_principal(principal_id)
            .await?
            .into_iter()
            .filter(|r| {
                crate::admin::directory_roles::GRAPH_APP_ROLES
                    .iter()
                    .any(|g| g.value == r)
            })
            .collect();
        let roles = self.shared(roles);
        self.assignments.insert(ticket, key, roles.clone());
        Ok(roles)
    }

    /// The ids of the groups a principal belongs to, directly or through nested groups
    /// (cached; followed through `GroupMembership` changes).
    pub async fn groups(&self, tenant_id: &str, principal_id: &str) -> Result<Arc<Vec<String>>, Error> {
        let key = cache::key(tenant_id, principal_id);
        if let Some(hit) = self.groups.get(&key) {
            return Ok(hit);
        }
        let ticket = self.groups.ticket(&key);
        let ids = self.shared(self.store.transitive_groups(tenant_id, principal_id).await?);
        self.groups.insert(ticket, key, ids.clone());
        Ok(ids)
    }

    async fn assigned_role_ids(&self, principal_id: &str, resource_id: &str) -> Result<Arc<Vec<String>>, Error> {
        let key = cache::key(principal_id, resource_id);
        if let Some(hit) = self.assignments.get(&key) {
            return Ok(hit);
        }
        let ticket = self.assignments.ticket(&key);
        let ids: Vec<String> = self
            .apps_db
            .role_assignments(principal_id, resource_id)
            .await?
            .into_iter()
            .map(|a| a.app_role_id)
            .collect();
        let ids = self.shared(ids);
        self.assignments.insert(ticket, key, ids.clone());
        Ok(ids)
    }

    async fn declared_roles(&self, app_id: &str, object_id: &str) -> Result<Option<Arc<Vec<AppRole>>>, Error> {
        if let Some(hit) = self.app_roles.get(app_id) {
            return Ok(hit);
        }
        let ticket = self.app_roles.ticket(app_id);
        let found = self
            .apps_db
            .application_by_id(object_id)
            .await?
            .map(|a| Arc::new(a.app_roles));
        self.app_roles.insert(ticket, app_id.to_owned(), found.clone());
        Ok(found)
    }
}

fn as_resource(app: Application) -> Arc<Resource> {
    Arc::new(Resource {
        app_id: app.app_id,
        object_id: Some(app.id),
        display_name: app.display_name,
        scopes: app.oauth2_permission_scopes,
    })
}
