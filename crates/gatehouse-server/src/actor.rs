//! Who a management request acts as, for the audit log: the verified caller of a front door
//! (a user or a service principal, named by UPN or app id) seen from its client address.

use axum::http::Extensions;
use gatehouse_core::model::{Actor, ActorKind};
use gatehouse_core::{Error, Gatehouse};
use gatehouse_guard::Caller;

use crate::client_addr::ClientAddr;

/// The actor of a request made with `caller`'s token. A user is named by their UPN, an
/// application by its app id.
pub async fn of(gh: &Gatehouse, caller: &Caller, extensions: &Extensions) -> Result<Actor, Error> {
    let tenant = caller.tenant_id();
    let object_id = caller.object_id().to_ascii_lowercase();
    let actor = if caller.identity_type() == Some("user") {
        let name = gh
            .store()
            .user_by_id(tenant, &object_id)
            .await?
            .map(|u| u.user_principal_name)
            .unwrap_or_else(|| object_id.clone());
        Actor::new(ActorKind::User, object_id, name)
    } else {
        let name = caller.app_id().unwrap_or(&object_id).to_owned();
        Actor::new(ActorKind::ServicePrincipal, object_id, name)
    };
    Ok(actor.from_origin(origin(extensions)))
}

/// The client address resolved for this request, if any.
pub fn origin(extensions: &Extensions) -> Option<String> {
    extensions.get::<ClientAddr>().map(|a| a.0.to_string())
}
