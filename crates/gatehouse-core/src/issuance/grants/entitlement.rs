//! Whether a middle application may get a token for another API for a user (on-behalf-of and
//! token exchange), and with which `scp`. Never wider than what was allowed, never another
//! tenant's: the permissions of the next API that count are those
//!
//! - the user consented to for the middle application (consent items on any identifier of the
//!   next API: its identifier URIs or appId),
//! - an administrator consented to tenant-wide for the middle application, and
//! - the next API pre-authorizes the middle application for (`gatehouse api pre-authorize`).
//!
//! `.default` means all of them; named permissions must each be among them (with what they
//! imply), else the answer is consent required. `offline_access` (a refresh token) counts only
//! where the user or an administrator consented to it for the middle application, or the next
//! API pre-authorizes it; otherwise it is left out (no refresh token), as a silent request
//! cannot ask the user.

use std::sync::Arc;

use gatehouse_protocol::scope::Delegated;

use super::GrantEnv;
use crate::browser::consent::{consented, resource_key};
use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::resources::Resource;
use crate::issuance::scopes::expand;
use crate::model::{Tenant, User};

/// What the middle application gets for the user.
#[derive(Debug, Clone)]
pub struct Entitled {
    pub resource: Arc<Resource>,
    /// The `scp` claim.
    pub scp: String,
    /// The scope granted (what a refresh family of this grant may ask again).
    pub granted: Delegated,
    /// `offline_access` was asked and is allowed: the answer carries a refresh token.
    pub offline: bool,
}

/// What counts as allowed for (user, middle application, next API).
#[derive(Default)]
struct Allowed {
    /// Every permission (a `.default` item).
    all: bool,
    names: Vec<String>,
    offline: bool,
}

/// Decides what `client` may get for `user` on `asked.resource`.
pub async fn entitled(
    env: &GrantEnv<'_>,
    tenant: &Tenant,
    client: &ClientEntry,
    user: &User,
    asked: &Delegated,
) -> Result<Entitled, Error> {
    let resource = env.directory.resource(tenant, &asked.resource).await?;
    let mut allowed = allowed(env, tenant, client, user, asked, &resource).await?;
    if !resource.scopes.is_empty() {
        // A permission the API no longer declares counts for nothing.
        allowed
            .names
            .retain(|n| resource.scopes.iter().any(|s| s.value.eq_ignore_ascii_case(n)));
    }
    let refuse = || Error::ConsentRequired(asked.to_scope());
    let names: Vec<String> = if asked.default {
        if resource.scopes.is_empty() {
            if allowed.all {
                vec!["user_impersonation".to_owned()]
            } else {
                allowed.names.clone()
            }
        } else if allowed.all {
            resource.scopes.iter().map(|s| s.value.clone()).collect()
        } else {
            expand(&resource, &asked.resource, &allowed.names)?
        }
    } else {
        let wanted = expand(&resource, &asked.resource, &asked.names)?;
        let granted = if allowed.all || resource.scopes.is_empty() {
            allowed.names.clone()
        } else {
            expand(&resource, &asked.resource, &allowed.names)?
        };
        let ok = |n: &String| allowed.all || granted.iter().any(|g| g.eq_ignore_ascii_case(n));
        if !wanted.iter().all(ok) {
            return Err(refuse());
        }
        wanted
    };
    if names.is_empty() {
        return Err(refuse());
    }
    let offline = asked.has("offline_access") && allowed.offline;
    let granted = Delegated {
        resource: asked.resource.clone(),
        names: if asked.default { Vec::new() } else { asked.names.clone() },
        default: asked.default,
        oidc: if offline {
            vec!["offline_access".to_owned()]
        } else {
            Vec::new()
        },
    };
    Ok(Entitled {
        resource,
        scp: names.join(" "),
        granted,
        offline,
    })
}

async fn allowed(
    env: &GrantEnv<'_>,
    tenant: &Tenant,
    client: &ClientEntry,
    user: &User,
    asked: &Delegated,
    resource: &Resource,
) -> Result<Allowed, Error> {
    let mut out = Allowed::default();
    let asked_key = resource_key(&asked.resource);
    // Consent items name the resource as the client asked for it: resolve each distinct one.
    let mut same: Vec<(String, bool)> = Vec::new();
    for item in consented(env.consent, tenant, user, client).await? {
        let Some((key, name)) = item.rsplit_once('/') else {
            out.offline |= item == "offline_access";
            continue;
        };
        let matches = match same.iter().find(|(k, _)| k == key) {
            Some((_, m)) => *m,
            None => {
                let m = key == asked_key
                    || key.eq_ignore_ascii_case(&resource.app_id)
                    || match env.directory.resource(tenant, key).await {
                        Ok(r) => r.app_id.eq_ignore_ascii_case(&resource.app_id),
                        Err(Error::UnknownResource { .. }) => false,
                        Err(e) => return Err(e),
                    };
                same.push((key.to_owned(), m));
                m
            }
        };
        if matches {
            add(&mut out, name);
        }
    }
    let pre = env
        .pre_authorized
        .pre_authorized(
            &tenant.id,
            &resource.app_id.to_ascii_lowercase(),
            &client.app.app_id.to_ascii_lowercase(),
        )
        .await?;
    for name in pre.unwrap_or_default() {
        if name == "offline_access" {
            out.offline = true;
        } else {
            add(&mut out, &name);
        }
    }
    Ok(out)
}

fn add(out: &mut Allowed, name: &str) {
    if name == ".default" {
        out.all = true;
    } else if !out.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        out.names.push(name.to_owned());
    }
}
