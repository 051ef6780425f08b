//! Reading the `scope` (v2) and `resource` (v1) parameters.

/// The scopes OpenID Connect reserves; they never name a resource.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Why a `scope` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("the scope parameter is empty")]
    Empty,
    #[error("client credential flows must have a scope value with /.default suffixed to the resource identifier")]
    NotDefault(String),
    #[error("the scope names more than one resource")]
    SeveralResources,
    #[error("the scope value is not valid")]
    Invalid,
}

/// Splits a space-separated scope value, dropping empty items and duplicates, keeping order.
pub fn split(scope: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The resource a client-credentials `scope` asks for: exactly one `R/.default`, with the OIDC
/// scopes ignored. `https://management.core.windows.net//.default` gives
/// `https://management.core.windows.net/`.
pub fn client_credentials_resource(scope: &str) -> Result<String, ScopeError> {
    let items: Vec<&str> = split(scope).into_iter().filter(|s| !OIDC_SCOPES.contains(s)).collect();
    match items.as_slice() {
        [] => Err(ScopeError::Empty),
        [one] => match one.strip_suffix("/.default") {
            Some(r) if !r.is_empty() && valid_resource(r) => Ok(r.to_owned()),
            Some(_) => Err(ScopeError::Invalid),
            None => Err(ScopeError::NotDefault((*one).to_owned())),
        },
        _ => Err(ScopeError::SeveralResources),
    }
}

/// A resource identifier: printable ASCII without spaces, at most 512 characters.
pub fn valid_resource(r: &str) -> bool {
    !r.is_empty() && r.len() <= 512 && r.bytes().all(|b| (0x21..0x7f).contains(&b))
}

/// The resource a bare scope name (`User.Read`) belongs to, as in Entra.
pub const GRAPH: &str = "https://graph.microsoft.com";

/// What a delegated (user) request asks for: one resource, its permissions, and OIDC scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegated {
    /// The resource as the client wrote it (ARM's `https://management.core.windows.net/`).
    pub resource: String,
    /// Permission names (`User.Read`); empty when `default` is true.
    pub names: Vec<String>,
    /// `RESOURCE/.default`: every permission granted.
    pub default: bool,
    /// `openid`, `profile`, `email`, `offline_access` as asked.
    pub oidc: Vec<String>,
}

impl Delegated {
    /// The `scope` of the answer, which MSAL caches tokens by: the resource scopes as asked,
    /// then the OIDC scopes.
    pub fn to_scope(&self) -> String {
        let mut out: Vec<String> = if self.default {
            vec![format!("{}/.default", self.resource)]
        } else {
            self.names.iter().map(|n| format!("{}/{n}", self.resource)).collect()
        };
        out.extend(self.oidc.iter().cloned());
        out.join(" ")
    }

    /// The `scp` claim: permission names; `.default` gives `user_impersonation`.
    pub fn scp(&self) -> String {
        if self.default {
            "user_impersonation".into()
        } else {
            self.names.join(" ")
        }
    }

    pub fn has(&self, oidc: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc)
    }
}

fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Parses a delegated `scope`: permissions of ONE resource (`R/name`, `R/.default`, or bare
/// names of Microsoft Graph) plus OIDC scopes. Only OIDC scopes means Graph's `User.Read`.
pub fn delegated(scope: &str) -> Result<Delegated, ScopeError> {
    let mut d = Delegated {
        resource: String::new(),
        names: Vec::new(),
        default: false,
        oidc: Vec::new(),
    };
    let items = split(scope);
    if items.is_empty() {
        return Err(ScopeError::Empty);
    }
    for item in items {
        if OIDC_SCOPES.contains(&item) {
            d.oidc.push(item.to_owned());
            continue;
        }
        if item.len() > 512 || !item.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(ScopeError::Invalid);
        }
        let (resource, name) = match item.rsplit_once('/') {
            Some((r, n)) if !r.is_empty() && !n.is_empty() => (r, n),
            Some(_) => return Err(ScopeError::Invalid),
            None => (GRAPH, item),
        };
        if d.resource.is_empty() {
            d.resource = resource.to_owned();
        } else if !same_resource(&d.resource, resource) {
            return Err(ScopeError::SeveralResources);
        }
        if name == ".default" {
            d.default = true;
        } else if !d.names.iter().any(|n| n == name) {
            d.names.push(name.to_owned());
        }
    }
    if d.resource.is_empty() {
        d.resource = GRAPH.into();
        d.names.push("User.Read".into());
    }
    if d.default && !d.names.is_empty() {
        return Err(ScopeError::Invalid);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scope_gives_resource() {
        assert_eq!(
            client_credentials_resource("https://devcenter.azure.com/.default").unwrap(),
            "https://devcenter.azure.com"
        );
        assert_eq!(
            client_credentials_resource("https://management.core.windows.net//.default").unwrap(),
            "https://management.core.windows.net/"
        );
        assert_eq!(
            client_credentials_resource("openid api://x/.default offline_access").unwrap(),
            "api://x"
        );
    }

    #[test]
    fn bad_scopes_are_refused() {
        assert_eq!(client_credentials_resource("  "), Err(ScopeError::Empty));
        assert!(matches!(
            client_credentials_resource("api://x/read"),
            Err(ScopeError::NotDefault(_))
        ));
        assert_eq!(
            client_credentials_resource("a/.default b/.default"),
            Err(ScopeError::SeveralResources)
        );
        assert_eq!(client_credentials_resource("/.default"), Err(ScopeError::Invalid));
    }

    #[test]
    fn delegated_scopes() {
        let d = delegated("https://management.core.windows.net//.default offline_access openid profile").unwrap();
        assert_eq!(d.resource, "https://management.core.windows.net/");
        assert!(d.default && d.has("offline_access"));
        assert_eq!(
            d.to_scope(),
            "https://management.core.windows.net//.default offline_access openid profile"
        );
        assert_eq!(d.scp(), "user_impersonation");
        let g = delegated("User.Read https://graph.microsoft.com/Mail.Read openid").unwrap();
        assert_eq!(
            (g.resource.as_str(), g.names.clone()),
            (GRAPH, vec!["User.Read".to_owned(), "Mail.Read".to_owned()])
        );
        assert_eq!(g.scp(), "User.Read Mail.Read");
        assert_eq!(delegated("openid profile").unwrap().names, vec!["User.Read"]);
        assert_eq!(delegated("api://a/x api://b/y"), Err(ScopeError::SeveralResources));
        assert_eq!(delegated("api://a/.default api://a/x"), Err(ScopeError::Invalid));
        assert_eq!(delegated(" "), Err(ScopeError::Empty));
        assert_eq!(delegated("/x"), Err(ScopeError::Invalid));
    }
}
