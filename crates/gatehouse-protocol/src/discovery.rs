//! Discovery documents: OpenID Provider metadata (v2 and v1), RFC 8414, instance discovery.

use serde::{Deserialize, Serialize};

/// `GET /{tenant}/v2.0/.well-known/openid-configuration` and, with v1 paths,
/// `GET /{tenant}/.well-known/openid-configuration`. Also served as RFC 8414 metadata.
///
/// The server serializes it whole; a relying party (the guard) deserializes it leniently: only
/// `jwks_uri` is required, every other member defaults when absent and unknown members are
/// ignored, so another issuer's (or a test issuer's) shorter document still reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProviderMetadata {
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub authorization_endpoint: String,
    #[serde(default)]
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    pub jwks_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// How a resource server authenticates at the introspection endpoint (RFC 8414).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Required by RFC 8414 when `private_key_jwt` is offered: the algorithms of client
    /// assertions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    #[serde(default)]
    pub response_modes_supported: Vec<String>,
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub claims_supported: Vec<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    pub tenant_region_scope: Option<String>,
    #[serde(default)]
    pub cloud_instance_name: String,
    #[serde(default)]
    pub cloud_graph_host_name: String,
    #[serde(default)]
    pub msgraph_host: String,
    #[serde(default)]
    pub request_uri_parameter_supported: bool,
    #[serde(default)]
    pub frontchannel_logout_supported: bool,
    #[serde(default)]
    pub http_logout_supported: bool,
}

/// Which dialect a discovery document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    V1,
    V2,
}

/// Everything the document is derived from.
#[derive(Debug, Clone)]
pub struct MetadataInput<'a> {
    /// `https://host:port`, no trailing slash.
    pub base: &'a str,
    /// The tenant GUID: the issuer and every endpoint name it, whatever alias the caller used.
    pub tenant_id: &'a str,
    pub signing_algs: Vec<String>,
}

impl ProviderMetadata {
    pub fn build(input: &MetadataInput<'_>, dialect: Dialect) -> Self {
        let b = input.base;
        let t = input.tenant_id;
        let issuer = crate::claims::issuer(b, t, dialect);
        let (oauth, jwks) = match dialect {
            Dialect::V2 => (format!("{b}/{t}/oauth2/v2.0"), format!("{b}/{t}/discovery/v2.0/keys")),
            Dialect::V1 => (format!("{b}/{t}/oauth2"), format!("{b}/{t}/discovery/keys")),
        };
        let host = b.split("://").nth(1).unwrap_or(b).to_owned();
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Self {
            issuer,
            authorization_endpoint: format!("{oauth}/authorize"),
            token_endpoint: format!("{oauth}/token"),
            // Endpoints of later capabilities are announced only once they are served.
            device_authorization_endpoint: Some(format!("{oauth}/devicecode")),
            jwks_uri: jwks,
            userinfo_endpoint: Some(format!("{b}/{t}/openid/userinfo")),
            end_session_endpoint: Some(format!("{oauth}/logout")),
            revocation_endpoint: Some(format!("{oauth}/revoke")),
            introspection_endpoint: Some(format!("{oauth}/introspect")),
            // The introspecting client authenticates through the token endpoint's one path.
            introspection_endpoint_auth_methods_supported: strings(&[
                "client_secret_post",
                "client_secret_basic",
                "private_key_jwt",
            ]),
            token_endpoint_auth_methods_supported: strings(&[
                "client_secret_post",
                "client_secret_basic",
                "private_key_jwt",
            ]),
            token_endpoint_auth_signing_alg_values_supported: strings(&["RS256", "PS256"]),
            response_types_supported: strings(&["code"]),
            response_modes_supported: strings(&["query", "form_post"]),
            grant_types_supported: strings(&[
                "authorization_code",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:device_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ]),
            scopes_supported: strings(&["openid", "profile", "email", "offline_access"]),
            subject_types_supported: strings(&["pairwise"]),
            id_token_signing_alg_values_supported: input.signing_algs.clone(),
            code_challenge_methods_supported: strings(&["S256"]),
            claims_supported: strings(&[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "tid",
                "oid",
                "name",
                "preferred_username",
                "nonce",
            ]),
            authorization_response_iss_parameter_supported: true,
            tenant_region_scope: None,
            cloud_instance_name: host.clone(),
            cloud_graph_host_name: host.clone(),
            msgraph_host: host,
            request_uri_parameter_supported: false,
            frontchannel_logout_supported: false,
            http_logout_supported: false,
        }
    }
}

/// `GET /common/discovery/instance`: what MSAL asks before trusting an authority.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InstanceDiscovery {
    pub tenant_discovery_endpoint: String,
    #[serde(rename = "api-version")]
    pub api_version: String,
    pub metadata: Vec<InstanceMetadata>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InstanceMetadata {
    pub preferred_network: String,
    pub preferred_cache: String,
    pub aliases: Vec<String>,
}

impl InstanceDiscovery {
    pub fn build(base: &str, tenant: &str) -> Self {
        let host = base.split("://").nth(1).unwrap_or(base).to_owned();
        Self {
            tenant_discovery_endpoint: format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            api_version: "1.1".into(),
            metadata: vec![InstanceMetadata {
                preferred_network: host.clone(),
                preferred_cache: host.clone(),
                aliases: vec![host],
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_the_tenant_guid_first() {
        let m = ProviderMetadata::build(
            &MetadataInput {
                base: "https://127.0.0.1:8443",
                tenant_id: "T",
                signing_algs: vec!["RS256".into()],
            },
            Dialect::V2,
        );
        assert_eq!(m.issuer, "https://127.0.0.1:8443/T/v2.0");
        assert_eq!(m.token_endpoint, "https://127.0.0.1:8443/T/oauth2/v2.0/token");
        let v1 = ProviderMetadata::build(
            &MetadataInput {
                base: "https://h",
                tenant_id: "T",
                signing_algs: vec![],
            },
            Dialect::V1,
        );
        assert_eq!(v1.issuer, "https://h/T/");
        assert_eq!(v1.token_endpoint, "https://h/T/oauth2/token");
    }

    #[test]
    fn a_relying_party_reads_a_short_document_but_needs_jwks_uri() {
        let m: ProviderMetadata =
            serde_json::from_str(r#"{"issuer": "https://h/T/v2.0", "jwks_uri": "https://h/k", "x": 1}"#).unwrap();
        assert_eq!(m.jwks_uri, "https://h/k");
        assert!(m.grant_types_supported.is_empty());
        assert!(serde_json::from_str::<ProviderMetadata>(r#"{"issuer": "https://h/T/v2.0"}"#).is_err());
        let full = ProviderMetadata::build(
            &MetadataInput {
                base: "https://h",
                tenant_id: "T",
                signing_algs: vec!["RS256".into()],
            },
            Dialect::V2,
        );
        let back: ProviderMetadata = serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
        assert_eq!(back, full);
    }
}
