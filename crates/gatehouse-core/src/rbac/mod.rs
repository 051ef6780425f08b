//! Azure RBAC for the ARM front door: who may do what where.
//!
//! - [`builtin`]: Azure's built-in roles (Owner, Contributor, Reader, User Access
//!   Administrator) with their well-known GUIDs, and the action names the ARM subset checks;
//! - [`actions`]: `actions`/`notActions` pattern matching;
//! - [`Rbac`]: the decision, from caches: a subscription with all its role assignments, and a
//!   tenant's custom roles, each loaded once and then followed through the change feed
//!   (`Subscription`, `RoleAssignment`, `RoleDefinition` entries), so an authorized request
//!   costs no database round trip for the decision and a change is seen within the one-second
//!   promise.
//!
//! Assignments are inherited down the scope tree: one at a subscription reaches every resource
//! group in it. A principal is a user or service principal (`oid`) together with the groups it
//! belongs to; an assignment to any of them counts.

pub mod actions;
pub mod builtin;

use std::sync::Arc;

use crate::error::{Error, Object};
use crate::issuance::directory::cache::GuardedCache;
use crate::model::{RbacScope, RoleAssignment, RoleDefinition, Subscription};
use crate::store::{Change, ChangeKind, Store};

/// How many subscriptions (with their assignments) and tenants' custom roles are cached.
const SUBSCRIPTIONS: u64 = 10_000;
const CUSTOM_ROLES: u64 = 5_000;

/// A subscription and every role assignment in it (at its scope and its groups').
#[derive(Debug)]
pub struct SubscriptionAccess {
    pub subscription: Subscription,
    pub assignments: Vec<RoleAssignment>,
}

/// Who asks: an object id of a tenant and the groups it is a member of (directly or not).
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant_id: String,
    pub object_id: String,
    pub groups: Vec<String>,
}

impl Principal {
    fn is(&self, id: &str) -> bool {
        self.object_id.eq_ignore_ascii_case(id) || self.groups.iter().any(|g| g.eq_ignore_ascii_case(id))
    }
}

pub struct Rbac {
    store: Arc<dyn Store>,
    subscriptions: GuardedCache<Option<Arc<SubscriptionAccess>>>,
    custom: GuardedCache<Arc<Vec<RoleDefinition>>>,
}

impl Rbac {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            subscriptions: GuardedCache::new(SUBSCRIPTIONS),
            custom: GuardedCache::new(CUSTOM_ROLES),
        }
    }

    /// Drops every cached entry.
    pub fn invalidate(&self) {
        self.subscriptions.invalidate_all();
        self.custom.invalidate_all();
    }

    /// Drops what one change-feed entry names.
    pub fn apply(&self, change: &Change) {
        match change.kind {
            ChangeKind::Subscription | ChangeKind::RoleAssignment => {
                self.subscriptions.invalidate(&change.key.to_ascii_lowercase())
            }
            ChangeKind::RoleDefinition => self.custom.invalidate(&change.tenant_id),
            _ => {}
        }
    }

    /// Drops a subscription at once (after this process wrote to it: read your own writes
    /// without waiting for the feed).
    pub fn forget_subscription(&self, id: &str) {
        self.subscriptions.invalidate(&id.to_ascii_lowercase());
    }

    /// Drops a tenant's custom roles at once.
    pub fn forget_custom_roles(&self, tenant_id: &str) {
        self.custom.invalidate(tenant_id);
    }

    /// A subscription with its assignments, `None` when there is no such subscription.
    pub async fn subscription(&self, id: &str) -> Result<Option<Arc<SubscriptionAccess>>, Error> {
        let key = id.to_ascii_lowercase();
        if let Some(hit) = self.subscriptions.get(&key) {
            return Ok(hit);
        }
        let ticket = self.subscriptions.ticket(&key);
        let loaded = match self.store.subscription(&key).await? {
            None => None,
            Some(subscription) => {
                let assignments = self.store.rbac_assignments(&key).await?;
                Some(Arc::new(SubscriptionAccess {
                    subscription,
                    assignments,
                }))
            }
        };
        self.subscriptions.insert(ticket, key, loaded.clone());
        Ok(loaded)
    }

    /// A tenant's custom roles.
    pub async fn custom_roles(&self, tenant_id: &str) -> Result<Arc<Vec<RoleDefinition>>, Error> {
        if let Some(hit) = self.custom.get(tenant_id) {
            return Ok(hit);
        }
        let ticket = self.custom.ticket(tenant_id);
        let loaded = Arc::new(self.store.custom_roles(tenant_id).await?);
        self.custom.insert(ticket, tenant_id.to_owned(), loaded.clone());
        Ok(loaded)
    }

    /// A role definition of a tenant by GUID: built-in, or one of the tenant's custom roles.
    pub async fn role(&self, tenant_id: &str, id: &str) -> Result<Option<RoleDefinition>, Error> {
        if let Some(r) = builtin::by_id(id) {
            return Ok(Some(r.clone()));
        }
        let custom = self.custom_roles(tenant_id).await?;
        Ok(custom.iter().find(|r| r.id.eq_ignore_ascii_case(id)).cloned())
    }

    /// Whether `who` may perform `action` at `scope` of `access`'s subscription.
    pub async fn allows(
        &self,
        access: &SubscriptionAccess,
        who: &Principal,
        action: &str,
        scope: &RbacScope,
    ) -> Result<bool, Error> {
        let tenant_id = &access.subscription.tenant_id;
        let mut custom: Option<Arc<Vec<RoleDefinition>>> = None;
        for a in access
            .assignments
            .iter()
            .filter(|a| who.is(&a.principal_id) && a.scope.covers(scope))
        {
            let permitted = match builtin::by_id(&a.role_definition_id) {
                Some(role) => actions::permits(role, action),
                None => {
                    if custom.is_none() {
                        custom = Some(self.custom_roles(tenant_id).await?);
                    }
                    custom
                        .as_ref()
                        .and_then(|c| c.iter().find(|r| r.id.eq_ignore_ascii_case(&a.role_definition_id)))
                        .is_some_and(|role| actions::permits(role, action))
                }
            };
            if permitted {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `Ok` when `who` may perform `action` at `scope`, otherwise ARM's `AuthorizationFailed`.
    pub async fn authorize(
        &self,
        access: &SubscriptionAccess,
        who: &Principal,
        action: &str,
        scope: &RbacScope,
    ) -> Result<(), Error> {
        if self.allows(access, who, action, scope).await? {
            Ok(())
        } else {
            Err(Error::NotAuthorized {
                principal: who.object_id.clone(),
                action: action.to_owned(),
                scope: scope.path(),
            })
        }
    }

    /// Whether `who` holds any role anywhere in the subscription (what makes it listed).
    pub fn sees(access: &SubscriptionAccess, who: &Principal) -> bool {
        access.assignments.iter().any(|a| who.is(&a.principal_id))
    }

    /// The subscription `id` for a caller of `who.tenant_id`: `NotFound` when there is none,
    /// `WrongTenant` when another tenant owns it.
    pub async fn subscription_for(&self, who: &Principal, id: &str) -> Result<Arc<SubscriptionAccess>, Error> {
        let access = self.subscription(id).await?.ok_or_else(|| Error::NotFound {
            object: Object::Subscription,
            name: id.to_owned(),
        })?;
        if !access.subscription.tenant_id.eq_ignore_ascii_case(&who.tenant_id) {
            return Err(Error::WrongTenant {
                token_tenant: who.tenant_id.clone(),
                owner_tenant: access.subscription.tenant_id.clone(),
            });
        }
        Ok(access)
    }
}
