//! RFC 8707 resource indicators on the v2 authorization and token endpoints: `resource` names
//! the API the token is for, and becomes the token's `aud`.
//!
//! - A `resource` must be an absolute URI without a fragment (RFC 8707 section 2), and must name
//!   a resource the tenant knows; otherwise `invalid_target`.
//! - One `resource` per request: Entra issues one audience per token, and so does Gatehouse. A
//!   repeated `resource` is refused with `invalid_target` (docs/DECISIONS.md).
//! - With `scope`: a scope that names a resource (`api://x/read`, `R/.default`) must name the
//!   same one, else `invalid_target`; bare permission names (`read`) are the indicated
//!   resource's permissions; OpenID Connect scopes alone (or no scope) mean `R/.default`.
//! - The v1 endpoints keep their own `resource=` (Entra's v1 dialect), untouched here.

use gatehouse_protocol::scope::{self, Delegated, OIDC_SCOPES};
use gatehouse_protocol::FormParams;

use super::resources::same_identifier;
use crate::error::Error;

/// The checked `resource` of a v2 request, if it has one.
pub fn indicated(params: &FormParams) -> Result<Option<&str>, Error> {
    match params.get("resource") {
        None => Ok(None),
        Some(r) => check(r).map(|()| Some(r)),
    }
}

/// An absolute URI without a fragment, of at most 512 printable characters.
pub fn check(resource: &str) -> Result<(), Error> {
    if !scope::valid_resource(resource) {
        return Err(Error::InvalidTarget(
            "The resource must be an absolute URI of at most 512 printable characters.".into(),
        ));
    }
    if resource.contains('#') {
        return Err(Error::InvalidTarget(
            "The resource must not contain a fragment ('#').".into(),
        ));
    }
    match url::Url::parse(resource) {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::InvalidTarget(format!(
            "The resource '{}' is not an absolute URI (e.g. https://api.example.com or api://billing).",
            resource.chars().take(80).collect::<String>()
        ))),
    }
}

/// A lookup error for an indicated resource, in RFC 8707's words.
pub fn unknown(e: Error) -> Error {
    match e {
        Error::UnknownResource { resource, tenant } => Error::InvalidTarget(format!(
            "The resource '{resource}' is not known in the tenant '{tenant}'."
        )),
        other => other,
    }
}

fn disagree(scope_resource: &str, resource: &str) -> Error {
    Error::InvalidTarget(format!(
        "The scope names the resource '{scope_resource}' but the resource parameter is '{resource}': they must agree."
    ))
}

/// The audience of a v2 client-credentials request with a `resource`: the resource, which a
/// `scope`, when given, must name too (`R/.default`).
pub fn client_credentials(scope_param: Option<&str>, resource: &str) -> Result<String, Error> {
    if let Some(s) = scope_param {
        let named = scope::client_credentials_resource(s).map_err(|e| match e {
            scope::ScopeError::NotDefault(s) => Error::ScopeNotDefault(s),
            other => Error::InvalidScope(other.to_string()),
        })?;
        if !same_identifier(&named, resource) {
            return Err(disagree(&named, resource));
        }
    }
    Ok(resource.to_owned())
}

/// The delegated request a v2 `scope` (if any) and a `resource` mean together.
pub fn delegated(scope_param: Option<&str>, resource: &str) -> Result<Delegated, Error> {
    let items = scope_param.map(scope::split).unwrap_or_default();
    if items.iter().any(|i| !OIDC_SCOPES.contains(i) && i.contains('/')) {
        let d = super::grants::delegated::parse(scope_param.unwrap_or(""))?;
        if !same_identifier(&d.resource, resource) {
            return Err(disagree(&d.resource, resource));
        }
        return Ok(d);
    }
    let mut d = Delegated {
        resource: resource.to_owned(),
        names: Vec::new(),
        default: false,
        oidc: Vec::new(),
    };
    for item in items {
        if OIDC_SCOPES.contains(&item) {
            if !d.oidc.iter().any(|o| o == item) {
                d.oidc.push(item.to_owned());
            }
        } else if item.len() > 512 || !item.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Error::InvalidScope("a scope value is not valid".into()));
        } else if !d.names.iter().any(|n| n == item) {
            d.names.push(item.to_owned());
        }
    }
    d.default = d.names.is_empty();
    Ok(d)
}

/// A `resource` sent when a code is redeemed must be the one it was issued for.
pub fn must_match(params: &FormParams, granted: &str) -> Result<(), Error> {
    match indicated(params)? {
        Some(r) if !same_identifier(r, granted) => Err(Error::InvalidTarget(format!(
            "The authorization was granted for '{granted}', not '{r}'."
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_must_be_an_absolute_uri_without_fragment() {
        for ok in [
            "https://api.example.com",
            "api://billing",
            "https://graph.microsoft.com/",
            "urn:x:y",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in ["billing", "/relative", "https://a.example/#frag", "", "a b"] {
            assert!(matches!(check(bad), Err(Error::InvalidTarget(_))), "{bad}");
        }
    }

    #[test]
    fn scope_and_resource_must_agree() {
        assert_eq!(client_credentials(None, "api://x").unwrap(), "api://x");
        assert_eq!(
            client_credentials(Some("api://x/.default"), "api://x/").unwrap(),
            "api://x/"
        );
        assert!(matches!(
            client_credentials(Some("api://y/.default"), "api://x"),
            Err(Error::InvalidTarget(_))
        ));
        assert!(matches!(
            delegated(Some("api://y/read openid"), "api://x"),
            Err(Error::InvalidTarget(_))
        ));
        let d = delegated(Some("read openid"), "api://x").unwrap();
        assert_eq!(
            (d.resource.as_str(), d.names.clone(), d.default),
            ("api://x", vec!["read".to_string()], false)
        );
        let d = delegated(Some("openid offline_access"), "api://x").unwrap();
        assert_eq!(d.to_scope(), "api://x/.default openid offline_access");
        assert_eq!(
            delegated(Some("api://x/read"), "api://x").unwrap().names,
            vec!["read".to_string()]
        );
    }
}
