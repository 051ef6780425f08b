//! Resources every tenant knows without registration, as in Entra ID, where Microsoft's
//! first-party APIs exist in every tenant. Azure tooling asks tokens for these.

use std::sync::{Arc, LazyLock};

use crate::model::TokenFormat;

/// A resource API a token can be issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The API's application id (GUID).
    pub app_id: String,
    /// Application object id in the tenant, for role lookups; `None` for built-in resources.
    pub object_id: Option<String>,
    pub display_name: String,
    /// Delegated permissions the API declares (none for built-in resources: any name is taken).
    pub scopes: Vec<crate::model::PermissionScope>,
}

/// Microsoft Graph's application id.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The path under the server's base URL where the Graph front door lives; `{base}/graph/` is
/// also Graph's identifier on this server (the Azure CLI's `microsoft_graph_resource_id`).
pub const GRAPH_PATH: &str = "/graph/";

/// This server's Graph identifier: `{base}/graph/`.
pub fn graph_identifier(base_url: &str) -> String {
    format!("{}{GRAPH_PATH}", base_url.trim_end_matches('/'))
}

/// Microsoft Graph as a resource (its identifiers: `https://graph.microsoft.com`, its app id,
/// and this server's `{base}/graph/`).
pub fn graph() -> Resource {
    well_known(GRAPH_APP_ID).unwrap_or_else(|| Resource {
        app_id: GRAPH_APP_ID.to_owned(),
        object_id: None,
        display_name: "Microsoft Graph".to_owned(),
        scopes: Vec::new(),
    })
}

struct WellKnown {
    app_id: &'static str,
    display_name: &'static str,
    identifiers: &'static [&'static str],
    /// How its access tokens are written unless the tenant says otherwise.
    format: TokenFormat,
    /// Whether a tenant may choose another format (not for the APIs Gatehouse serves itself:
    /// its own doors read their tokens as signed JWTs).
    format_settable: bool,
}

/// Application ids are Microsoft's where Microsoft publishes them; for the two data-plane APIs
/// without a published id, Gatehouse uses a fixed id of its own (UUID v5 of the URI would also do,
/// but fixed text is easier to grep for).
const WELL_KNOWN: &[WellKnown] = &[
    WellKnown {
        app_id: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        display_name: "Azure Resource Manager",
        identifiers: &["https://management.core.windows.net/", "https://management.azure.com/"],
        format: TokenFormat::Jwt,
        format_settable: false,
    },
    WellKnown {
        app_id: "00000003-0000-0000-c000-000000000000",
        display_name: "Microsoft Graph",
        identifiers: &["https://graph.microsoft.com"],
        format: TokenFormat::Jwt,
        format_settable: false,
    },
    WellKnown {
        app_id: "499b84ac-1321-427f-aa17-267ca6975798",
        display_name: "Azure DevOps",
        identifiers: &[
            "499b84ac-1321-427f-aa17-267ca6975798",
            "https://app.vssps.visualstudio.com",
        ],
        format: TokenFormat::Jwt,
        format_settable: false,
    },
    WellKnown {
        app_id: "9edfcdd9-0bc5-4bd4-b287-c3afc716aac7",
        display_name: "Azure IoT Central",
        identifiers: &["https://apps.azureiotcentral.com"],
        format: TokenFormat::Jwt,
        format_settable: false,
    },
    WellKnown {
        app_id: "0f2e5ab4-6d4e-4c63-9f55-7e0c3c5a1d01",
        display_name: "Azure Deployment Environments (Dev Center)",
        identifiers: &["https://devcenter.azure.com"],
        // Seed 000: the developer APIs' tokens "are encrypted and can't be decoded using JWT
        // decoding tools; they can only be processed by the service".
        format: TokenFormat::Encrypted,
        format_settable: true,
    },
];

/// The format of a resource's tokens when its tenant stored none: built-ins have their own
/// (Dev Center: encrypted), every registered API signed JWTs.
pub fn default_format(app_id: &str) -> TokenFormat {
    WELL_KNOWN
        .iter()
        .find(|w| w.app_id.eq_ignore_ascii_case(app_id))
        .map_or(TokenFormat::Jwt, |w| w.format)
}

/// Whether a built-in resource's format may be changed (`None`: not a built-in).
pub fn built_in_format_settable(app_id: &str) -> Option<bool> {
    WELL_KNOWN
        .iter()
        .find(|w| w.app_id.eq_ignore_ascii_case(app_id))
        .map(|w| w.format_settable)
}

/// Compares resource identifiers the way Entra does: case-insensitive, one trailing slash ignored.
pub fn same_identifier(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The built-in resource named by `identifier` (a URI or an application id), if any.
pub fn well_known(identifier: &str) -> Option<Resource> {
    well_known_shared(identifier).map(|r| (*r).clone())
}

/// [`well_known`], shared: the token path takes one of these per request, without copying.
pub fn well_known_shared(identifier: &str) -> Option<Arc<Resource>> {
    static BUILT: LazyLock<Vec<Arc<Resource>>> = LazyLock::new(|| {
        WELL_KNOWN
            .iter()
            .map(|w| {
                Arc::new(Resource {
                    app_id: w.app_id.to_owned(),
                    object_id: None,
                    display_name: w.display_name.to_owned(),
                    scopes: Vec::new(),
                })
            })
            .collect()
    });
    WELL_KNOWN
        .iter()
        .position(|w| {
            w.app_id.eq_ignore_ascii_case(identifier) || w.identifiers.iter().any(|i| same_identifier(i, identifier))
        })
        .map(|at| BUILT[at].clone())
}

/// Every built-in resource's identifiers, for documentation and `api list`.
pub fn well_known_identifiers() -> impl Iterator<Item = (&'static str, &'static str)> {
    WELL_KNOWN
        .iter()
        .flat_map(|w| w.identifiers.iter().map(move |i| (w.display_name, *i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_is_named_by_the_servers_own_identifier() {
        let id = graph_identifier("https://127.0.0.1:8443/");
        assert_eq!(id, "https://127.0.0.1:8443/graph/");
        assert_eq!(graph().app_id, GRAPH_APP_ID);
        assert!(same_identifier(&id, "https://127.0.0.1:8443/graph"));
    }

    #[test]
    fn arm_is_known_in_both_spellings() {
        assert!(well_known("https://management.core.windows.net/").is_some());
        assert!(well_known("https://management.core.windows.net").is_some());
        assert!(well_known("https://management.azure.com/").is_some());
        assert!(well_known("HTTPS://GRAPH.MICROSOFT.COM/").is_some());
        assert!(well_known("499b84ac-1321-427f-aa17-267ca6975798").is_some());
        assert!(well_known("https://devcenter.azure.com").is_some());
        assert!(well_known("https://apps.azureiotcentral.com").is_some());
        assert!(well_known("https://evil.example").is_none());
        assert!(well_known("https://management.core.windows.net.evil/").is_none());
    }
}
