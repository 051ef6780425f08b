//! Directory objects in Graph's JSON shapes. A `@odata.type` is added where Graph adds one
//! (members, `getByIds`): [`typed`].

use gatehouse_core::admin::directory::DirectoryObject;
use gatehouse_core::model::{Application, ClientCertificate, ClientSecret, Group, ServicePrincipal, User};
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

pub fn user(u: &User) -> Value {
    json!({
        "id": u.id,
        "displayName": u.display_name,
        "userPrincipalName": u.user_principal_name,
        "accountEnabled": u.account_enabled,
        "mail": null,
        "givenName": null,
        "surname": null,
        "jobTitle": null,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "businessPhones": [],
        "createdDateTime": iso8601(u.created_at),
    })
}

pub fn password_credential(s: &ClientSecret) -> Value {
    json!({
        "keyId": s.key_id,
        "displayName": s.display_name,
        "hint": s.hint,
        "startDateTime": iso8601(s.start),
        "endDateTime": iso8601(s.end),
        "customKeyIdentifier": null,
        "secretText": null,
    })
}

pub fn key_credential(c: &ClientCertificate) -> Value {
    json!({
        "keyId": c.key_id,
        "displayName": c.display_name,
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "startDateTime": iso8601(c.start),
        "endDateTime": iso8601(c.end),
        "customKeyIdentifier": hex(&c.thumbprint_sha1),
        "key": null,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

pub fn application(a: &Application, secrets: &[ClientSecret], certificates: &[ClientCertificate]) -> Value {
    let (web, public): (&[String], &[String]) = if a.public_client {
        (&[], &a.redirect_uris)
    } else {
        (&a.redirect_uris, &[])
    };
    json!({
        "id": a.id,
        "appId": a.app_id,
        "displayName": a.display_name,
        "identifierUris": a.identifier_uris,
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": a.public_client,
        "publicClient": {"redirectUris": public},
        "web": {"redirectUris": web, "homePageUrl": null},
        "appRoles": a.app_roles.iter().map(|r| json!({
            "id": r.id, "value": r.value, "displayName": r.display_name, "description": r.display_name,
            "allowedMemberTypes": ["Application"], "isEnabled": true,
        })).collect::<Vec<_>>(),
        "api": {"oauth2PermissionScopes": a.oauth2_permission_scopes.iter().map(|s| json!({
            "id": s.id, "value": s.value, "isEnabled": true, "type": "User",
        })).collect::<Vec<_>>()},
        "passwordCredentials": secrets.iter().map(password_credential).collect::<Vec<_>>(),
        "keyCredentials": certificates.iter().map(key_credential).collect::<Vec<_>>(),
        "requiredResourceAccess": [],
        "createdDateTime": iso8601(a.created_at),
    })
}

/// A service principal; `identifier_uris` of its application join its `servicePrincipalNames`.
pub fn service_principal(sp: &ServicePrincipal, identifier_uris: &[String]) -> Value {
    let mut names = vec![sp.app_id.clone()];
    names.extend(identifier_uris.iter().cloned());
    json!({
        "id": sp.id,
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "accountEnabled": sp.account_enabled,
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "appOwnerOrganizationId": sp.tenant_id,
        "appRoles": [],
        "passwordCredentials": [],
        "keyCredentials": [],
        "tags": [],
    })
}

pub fn group(g: &Group) -> Value {
    json!({
        "id": g.id,
        "displayName": g.display_name,
        "mailNickname": g.mail_nickname,
        "description": g.description,
        "securityEnabled": g.security_enabled,
        "mailEnabled": g.mail_enabled,
        "mail": null,
        "groupTypes": [],
        "createdDateTime": iso8601(g.created_at),
    })
}

/// The Graph type name of an object (`#microsoft.graph.user`, ...).
pub fn odata_type(o: &DirectoryObject) -> &'static str {
    match o {
        DirectoryObject::User(_) => "#microsoft.graph.user",
        DirectoryObject::ServicePrincipal(_) => "#microsoft.graph.servicePrincipal",
        DirectoryObject::Group(_) => "#microsoft.graph.group",
        DirectoryObject::Application(_) => "#microsoft.graph.application",
    }
}

/// An object of any kind with its `@odata.type` (applications without their credentials).
pub fn typed(o: &DirectoryObject) -> Value {
    let mut v = match o {
        DirectoryObject::User(u) => user(u),
        DirectoryObject::ServicePrincipal(s) => service_principal(s, &[]),
        DirectoryObject::Group(g) => group(g),
        DirectoryObject::Application(a) => application(a, &[], &[]),
    };
    v["@odata.type"] = json!(odata_type(o));
    v
}
