//! Applications (and the APIs they expose), service principals, client secrets, app roles,
//! delegated permissions and app-role assignments, named as Entra ID and Microsoft Graph name
//! them: an [`Application`] is the registration (its `app_id` is the client id), a
//! [`ServicePrincipal`] is its instance in a tenant (its `id` is the `oid` of app tokens).

use serde::Serialize;

use super::UnixTime;

/// An application role an API declares (`roles` claim of app tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub id: String,
    pub value: String,
    pub display_name: String,
}

/// A delegated permission an API declares (Graph's `oauth2PermissionScopes`), with the other
/// scopes of the same API it includes (`code_manage` implies `code_write`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    pub id: String,
    pub value: String,
    #[serde(default)]
    pub implies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Object id (GUID).
    pub id: String,
    pub tenant_id: String,
    /// The client id (GUID), unique across all tenants.
    pub app_id: String,
    pub display_name: String,
    /// URIs naming this application as a resource (`api://{appId}`, `https://...`).
    pub identifier_uris: Vec<String>,
    pub app_roles: Vec<AppRole>,
    /// Delegated permissions the API declares; none means any name is accepted (`.default` gives
    /// `user_impersonation`).
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    /// Public clients cannot hold secrets and cannot use the client-credentials grant.
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// Object id (GUID): the `oid` and `sub` of the app's tokens.
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub created_at: UnixTime,
}

/// A client secret as stored: only its SHA-256, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    /// The key id (GUID), as Graph's `passwordCredentials[].keyId`.
    pub key_id: String,
    pub application_id: String,
    pub display_name: String,
    /// The first three characters of the secret, to recognise it.
    pub hint: String,
    pub secret_hash: [u8; 32],
    pub start: UnixTime,
    pub end: UnixTime,
}

/// A certificate credential as stored: the certificate and its public key, never a private key
/// (Graph's `keyCredentials[]` of type `AsymmetricX509Cert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The key id (GUID), as Graph's `keyCredentials[].keyId`.
    pub key_id: String,
    pub application_id: String,
    pub display_name: String,
    /// SHA-1 of the certificate's DER: the `x5t` header of RS256 assertions.
    pub thumbprint_sha1: [u8; 20],
    /// SHA-256 of the certificate's DER: the `x5t#S256` header of PS256 assertions.
    pub thumbprint_sha256: [u8; 32],
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The RSA public key it holds (PKCS#1 `RSAPublicKey`, DER), as signatures are checked.
    pub public_key: Vec<u8>,
    /// The certificate's validity (`notBefore`, `notAfter`).
    pub start: UnixTime,
    pub end: UnixTime,
}

/// A client application an API pre-authorizes for some of its delegated permissions (Entra's
/// `api.preAuthorizedApplications`): on-behalf-of and token exchange need no consent for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreAuthorized {
    pub tenant_id: String,
    /// The API's appId, lower-case.
    pub api_app_id: String,
    /// The client application's appId, lower-case.
    pub client_app_id: String,
    /// Permission names of the API (`.default`: all of them; `offline_access`: refresh tokens).
    pub scopes: Vec<String>,
}

/// An app role of a resource API granted to a service principal (Graph's `appRoleAssignment`;
/// not an Azure RBAC role assignment, which names a role definition and a scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub tenant_id: String,
    /// The service principal receiving the role.
    pub principal_id: String,
    /// The application object id of the resource API.
    pub resource_id: String,
    pub app_role_id: String,
    pub created_at: UnixTime,
}
