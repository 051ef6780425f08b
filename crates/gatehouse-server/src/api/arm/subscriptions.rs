//! `GET /metadata/endpoints` (what `az cloud register --endpoint-resource-manager URL` reads),
//! `GET /tenants`, `GET /subscriptions` (those of the token's tenant where the caller holds a
//! role) and `GET /subscriptions/{S}`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use gatehouse_core::model::{RbacScope, Subscription};
use gatehouse_core::rbac::builtin::action;
use gatehouse_core::rbac::Rbac;
use gatehouse_core::Error;
use serde_json::{json, Value};

use super::path::ArmPath;
use super::{json, Request};
use crate::state::AppState;

/// The cloud this server is, in ARM's metadata shape: sign-in and Resource Manager here, Graph
/// at `{base}/graph/`.
pub fn metadata(s: &AppState) -> Response {
    let base = s.gh.base_url();
    json(
        StatusCode::OK,
        json!({
            "name": "Gatehouse",
            "portal": base,
            "authentication": {
                "loginEndpoint": base,
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "resourceManager": format!("{base}/"),
            "microsoftGraphResourceId": format!("{base}/graph/"),
            "suffixes": {},
        }),
    )
}

pub fn subscription_json(sub: &Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", sub.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.id,
        "tenantId": sub.tenant_id,
        "displayName": sub.display_name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "Gatehouse_2026-12-01",
            "spendingLimit": "Off",
        },
    })
}

pub async fn handle(s: &AppState, req: Request) -> Result<Response, Error> {
    if req.method != Method::GET {
        return Err(Error::MethodNotAllowed(req.method.to_string()));
    }
    match &req.path {
        ArmPath::Tenants => {
            let t = &req.tenant;
            Ok(json(
                StatusCode::OK,
                json!({"value": [{
                    "id": format!("/tenants/{}", t.id),
                    "tenantId": t.id,
                    "tenantCategory": "Home",
                    "displayName": t.display_name,
                    "defaultDomain": t.name,
                    "domains": [t.name],
                    "tenantType": "AAD",
                }]}),
            ))
        }
        ArmPath::Subscriptions => {
            let mut value = Vec::new();
            for sub in req.admin.subscriptions(&req.tenant).await? {
                if let Some(access) = s.gh.rbac().subscription(&sub.id).await? {
                    if Rbac::sees(&access, &req.who) {
                        value.push(subscription_json(&access.subscription));
                    }
                }
            }
            let n = value.len();
            Ok(json(
                StatusCode::OK,
                json!({"value": value, "count": {"type": "Total", "value": n}}),
            ))
        }
        ArmPath::Subscription(id) => {
            let access = req.subscription(s, id).await?;
            if !Rbac::sees(&access, &req.who) {
                return Err(Error::NotAuthorized {
                    principal: req.who.object_id.clone(),
                    action: action::SUBSCRIPTION_READ.into(),
                    scope: RbacScope::subscription(id).path(),
                });
            }
            Ok(json(StatusCode::OK, subscription_json(&access.subscription)))
        }
        _ => Err(Error::NoSuchPath),
    }
}
