//! Per-path-prefix requirements of the proxy: [`RouteRule`]s, the longest matching prefix wins,
//! matching on whole path segments (`/admin` matches `/admin` and `/admin/x`, not `/administrator`).
//! Paths that an upstream could normalise into another route (`..`, `.`, `//`, encoded `/`, `.`,
//! `\`) are refused before matching.

use serde::Deserialize;

use super::ProxyError;
use crate::requirement::{Requirement, RequirementMode};

/// One `[[route]]` of the routes file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// Path prefix, starting with `/`.
    pub prefix: String,
    /// Delegated scopes required under the prefix.
    #[serde(default)]
    pub require_scopes: Vec<String>,
    /// App roles required under the prefix.
    #[serde(default)]
    pub require_roles: Vec<String>,
    /// `"all"` (default) or `"scopes_or_roles"`.
    #[serde(default)]
    pub mode: RequirementMode,
    /// Accept API tokens (`SharedAccessSignature`) under the prefix (default false; the proxy
    /// must also have `api_token_client_id` / `api_token_client_secret`).
    #[serde(default)]
    pub allow_api_tokens: bool,
    /// Accept personal access tokens (`Bearer gthpat_...`, `Basic base64(:gthpat_...)`) under
    /// the prefix (default false; separate from `allow_api_tokens`, checked with the same
    /// introspection client).
    #[serde(default)]
    pub allow_pats: bool,
}

impl RouteRule {
    /// A rule requiring `roles` and `scopes` under `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            require_scopes: Vec::new(),
            require_roles: Vec::new(),
            mode: RequirementMode::All,
            allow_api_tokens: false,
            allow_pats: false,
        }
    }

    pub(crate) fn requirement(&self) -> Requirement {
        let mut r = Requirement::default()
            .with_scopes(self.require_scopes.iter().cloned())
            .with_roles(self.require_roles.iter().cloned())
            .mode(self.mode);
        if self.allow_api_tokens {
            r = r.allow_api_tokens();
        }
        if self.allow_pats {
            r = r.allow_pats();
        }
        r
    }
}

/// Compiled route table.
#[derive(Debug, Clone)]
pub(crate) struct RouteTable {
    /// Sorted longest prefix first.
    routes: Vec<(String, Requirement)>,
    default: Requirement,
}

impl RouteTable {
    pub(crate) fn new(rules: &[RouteRule], default: Requirement) -> Result<Self, ProxyError> {
        let mut routes = Vec::new();
        for rule in rules {
            if !rule.prefix.starts_with('/') || !path_is_canonical(&rule.prefix) {
                return Err(ProxyError::RoutePrefix(rule.prefix.clone()));
            }
            if routes.iter().any(|(p, _): &(String, Requirement)| p == &rule.prefix) {
                return Err(ProxyError::RoutePrefix(rule.prefix.clone()));
            }
            routes.push((rule.prefix.clone(), rule.requirement()));
        }
        routes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        Ok(Self { routes, default })
    }

    /// The requirement for `path` (the longest matching prefix, else the default).
    pub(crate) fn requirement_for(&self, path: &str) -> &Requirement {
        self.routes
            .iter()
            .find(|(prefix, _)| prefix_matches(prefix, path))
            .map(|(_, r)| r)
            .unwrap_or(&self.default)
    }
}

fn prefix_matches(prefix: &str, path: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || prefix.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// Whether a request path is free of anything an upstream might normalise into another path.
pub(crate) fn path_is_canonical(path: &str) -> bool {
    if !path.starts_with('/') || path.contains("//") || path.contains('\\') {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"].iter().any(|p| lower.contains(p)) {
        return false;
    }
    !path.split('/').any(|seg| seg == "." || seg == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str, role: &str) -> RouteRule {
        RouteRule {
            require_roles: vec![role.into()],
            ..RouteRule::new(prefix)
        }
    }

    #[test]
    fn longest_prefix_wins_on_segment_boundaries() {
        let table = RouteTable::new(
            &[
                rule("/admin", "Admin"),
                rule("/admin/audit", "Auditor"),
                rule("/files/", "Files"),
            ],
            Requirement::scope("default"),
        )
        .unwrap();
        let roles = |p: &str| table.requirement_for(p).required_roles().to_vec();
        assert_eq!(roles("/admin"), vec!["Admin"]);
        assert_eq!(roles("/admin/users"), vec!["Admin"]);
        assert_eq!(roles("/admin/audit/log"), vec!["Auditor"]);
        assert_eq!(roles("/files/a"), vec!["Files"]);
        assert!(roles("/administrator").is_empty());
        assert_eq!(
            table.requirement_for("/administrator").required_scopes(),
            ["default".to_string()]
        );
    }

    #[test]
    fn refuses_paths_that_normalise_elsewhere() {
        for bad in [
            "/a/../admin",
            "/./admin",
            "//admin",
            "/a/%2e%2e/admin",
            "/a%2Fb",
            "/a\\b",
            "x",
        ] {
            assert!(!path_is_canonical(bad), "{bad}");
        }
        for good in ["/", "/admin", "/a/b.c/d..e", "/a%20b"] {
            assert!(path_is_canonical(good), "{good}");
        }
    }

    #[test]
    fn refuses_bad_or_duplicate_prefixes() {
        assert!(RouteTable::new(&[rule("admin", "A")], Requirement::default()).is_err());
        assert!(RouteTable::new(&[rule("/a", "A"), rule("/a", "B")], Requirement::default()).is_err());
    }
}
