//! IoT Central's management model: roles made of permissions, an organization tree per
//! tenant, the principals holding roles, and API tokens (`SharedAccessSignature ...`).
//!
//! | file | what |
//! |---|---|
//! | `roles.rs` | the built-in roles, their permissions, the organization tree and the one decision ([`roles::Rules::may`], [`roles::Rules::may_grant`]) |
//! | `custom_roles.rs` | custom roles: create or replace, delete (refused while held) |
//! | `organizations.rs` | create, read, list, rename/move, delete (refused while used) |
//! | `users.rs` | users and service principals with `roles: [{role, organization?}]`; the operator's `role assign`; first-start administrators |
//! | `api_tokens.rs` | create (shown once), list, get, delete (revoked on the feed at once) |
//! | `sas.rs` | checking a presented `SharedAccessSignature` (for the door and for introspection) |
//!
//! Every operation takes the acting [`Actor`] (a bearer token's principal, an API token, or the
//! installation operator at the CLI) and authorizes it first; every write is one unit of work
//! in a method of [`Iotc`], never in a handler.

pub mod api_tokens;
pub mod custom_roles;
pub mod organizations;
pub mod roles;
pub mod sas;
pub mod users;

use std::sync::Arc;

use crate::error::Error;
use crate::model::RoleRef;
use crate::store::Store;

use self::roles::Rules;

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    /// A user or service principal (a bearer token's `oid`).
    Principal(String),
    /// An API token (its id).
    ApiToken(String),
    /// The installation operator (the local CLI): Administrator everywhere.
    Operator,
}

/// The acting caller of one operation, with the IoT Central roles it holds in its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub tenant_id: String,
    pub kind: ActorKind,
    pub roles: Vec<RoleRef>,
    /// The client address of the request, for the audit log (`None` for the CLI).
    pub origin: Option<String>,
}

impl Actor {
    /// The installation operator of a tenant (the CLI).
    pub fn operator(tenant_id: &str) -> Self {
        Self {
            tenant_id: tenant_id.to_owned(),
            kind: ActorKind::Operator,
            roles: vec![RoleRef {
                role: roles::ADMINISTRATOR.into(),
                organization: None,
            }],
            origin: None,
        }
    }

    /// Who, in words a log or a `created_by` column keeps: an object id, `apiToken:{id}`, or
    /// `operator`.
    pub fn label(&self) -> String {
        match &self.kind {
            ActorKind::Principal(oid) => oid.clone(),
            ActorKind::ApiToken(id) => format!("apiToken:{id}"),
            ActorKind::Operator => "operator".into(),
        }
    }
}

/// IoT Central's operations over the store.
pub struct Iotc {
    pub(crate) store: Arc<dyn Store>,
}

impl Iotc {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The actor a bearer token's principal is: its roles from the IoT Central users (none
    /// when it is no user of the door: every operation then refuses it).
    pub async fn principal(&self, tenant_id: &str, object_id: &str) -> Result<Actor, Error> {
        let user = self.store.iotc_user_by_principal(tenant_id, object_id).await?;
        Ok(Actor {
            tenant_id: tenant_id.to_owned(),
            kind: ActorKind::Principal(object_id.to_owned()),
            roles: user.map(|u| u.roles).unwrap_or_default(),
            origin: None,
        })
    }

    /// A store handle whose changes are audited as `who`: a user by UPN, a service principal
    /// by app id, an API token by id, the operator as the CLI's.
    pub(crate) async fn writer(&self, who: &Actor) -> Result<Arc<dyn Store>, Error> {
        use crate::model::{Actor as Audited, ActorKind as Kind};
        let actor = match &who.kind {
            ActorKind::Operator => Audited::operator(),
            ActorKind::ApiToken(id) => Audited::new(Kind::ApiToken, id, format!("apiToken:{id}")),
            ActorKind::Principal(oid) => match self.store.user_by_id(&who.tenant_id, oid).await? {
                Some(u) => Audited::for_user(&u),
                None => {
                    let sp = self.store.service_principal_by_id(&who.tenant_id, oid).await?;
                    let name = sp.map(|sp| sp.app_id).unwrap_or_else(|| oid.clone());
                    Audited::new(Kind::ServicePrincipal, oid, name)
                }
            },
        };
        Ok(self.store.with_actor(actor.from_origin(who.origin.clone())))
    }

    /// The roles (`GET /api/roles`): any caller holding a role that can view. Built-in roles
    /// first, in IoT Central's order, then the tenant's custom roles.
    pub async fn roles(&self, who: &Actor) -> Result<Vec<roles::Role>, Error> {
        let rules = self.rules(&who.tenant_id).await?;
        if !rules.may_somewhere(&who.roles, roles::VIEW) {
            return Err(refused(who, roles::VIEW, None));
        }
        Ok(rules.roles().cloned().collect())
    }

    /// One role by id.
    pub async fn role(&self, who: &Actor, id: &str) -> Result<roles::Role, Error> {
        self.roles(who)
            .await?
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| Error::NotFound {
                object: crate::error::Object::Role,
                name: id.to_owned(),
            })
    }

    /// The tenant's organization tree and custom roles, for the decisions of one operation.
    pub(crate) async fn rules(&self, tenant_id: &str) -> Result<Rules, Error> {
        let orgs = self.store.organizations(tenant_id).await?;
        let custom = self.store.iotc_roles(tenant_id).await?;
        Ok(Rules::new(&orgs, &custom))
    }

    /// `Ok` when `who` may do `permission` at `target`, else `NotAuthorized`.
    pub(crate) fn authorize(who: &Actor, rules: &Rules, permission: &str, target: Option<&str>) -> Result<(), Error> {
        if rules.may(&who.roles, permission, target) {
            Ok(())
        } else {
            Err(refused(who, permission, target))
        }
    }

    /// Checks the roles `wanted` (for a user or an API token) exist, are held where they may
    /// be, name existing organizations, and that `who` may grant each through `permission`.
    pub(crate) fn check_grant(who: &Actor, rules: &Rules, permission: &str, wanted: &[RoleRef]) -> Result<(), Error> {
        if wanted.is_empty() || wanted.len() > 16 {
            return Err(Error::Invalid(
                "Give 1 to 16 roles, each {\"role\": ROLE_ID, \"organization\"?: ORG_ID}.".into(),
            ));
        }
        for r in wanted {
            let Some(role) = rules.role(&r.role) else {
                return Err(Error::NotFound {
                    object: crate::error::Object::Role,
                    name: r.role.clone(),
                });
            };
            if let Some(org) = &r.organization {
                if !role.organization_role {
                    return Err(Error::Invalid(format!(
                        "The application role '{}' is held at the root: give it no organization.",
                        role.display_name
                    )));
                }
                if !rules.tree.contains(org) {
                    return Err(Error::NotFound {
                        object: crate::error::Object::Organization,
                        name: org.clone(),
                    });
                }
            }
            if !rules.may_grant(&who.roles, permission, r) {
                return Err(refused(
                    who,
                    &format!("grant role {}", role.display_name),
                    r.organization.as_deref(),
                ));
            }
        }
        Ok(())
    }
}

impl Iotc {
    /// The tenant's audit log (`GET /api/auditLogs`): a caller holding a role with
    /// [`roles::READ_AUDIT_LOG`] at the root (Administrator). `query`'s tenant is replaced by
    /// the caller's.
    pub async fn audit_log(
        &self,
        who: &Actor,
        mut query: crate::model::AuditQuery,
    ) -> Result<Vec<crate::model::AuditEntry>, Error> {
        let rules = self.rules(&who.tenant_id).await?;
        if !rules.may(&who.roles, roles::READ_AUDIT_LOG, None) {
            return Err(refused(who, roles::READ_AUDIT_LOG, None));
        }
        query.tenant_id = Some(who.tenant_id.clone());
        crate::audit::Audit::new(self.store.clone()).list(&query).await
    }
}

fn refused(who: &Actor, action: &str, target: Option<&str>) -> Error {
    Error::NotAuthorized {
        principal: who.label(),
        action: action.to_owned(),
        scope: target.map_or_else(|| "the root organization".to_owned(), |o| format!("organization {o}")),
    }
}

/// `true` when `id` may name an organization, a user or an API token in a path.
pub fn valid_id(id: &str) -> bool {
    gatehouse_protocol::sas::valid_id(id)
}

pub(crate) fn bad_id(what: &str) -> Error {
    Error::Invalid(format!(
        "The {what} id must have 1 to 128 characters among A-Z a-z 0-9 - _ . ~"
    ))
}
