//! Delegated permissions declared by resource APIs (`gatehouse api create --scope
//! code_manage:code_write`): which names a request may ask for, what they imply, and what the
//! `scp` claim of a user token holds.
//!
//! An API that declares no scopes accepts any name, and `.default` gives `user_impersonation`
//! (the built-in resources, and APIs registered before scopes existed). For an API that declares
//! scopes, a name it does not declare is refused ([`Error::UnknownPermission`]), each granted name brings the
//! names it implies (transitively), and `.default` means every permission consented for the
//! client (by the user or tenant-wide by an administrator); the built-in clients get all of them.

use gatehouse_protocol::scope::Delegated;

use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::resources::Resource;
use crate::model::{PermissionScope, Tenant, User};
use crate::store::SessionStore;

/// The declared spelling of `name`, if the API declares it (names compare case-insensitively).
fn declared<'a>(scopes: &'a [PermissionScope], name: &str) -> Option<&'a PermissionScope> {
    scopes.iter().find(|s| s.value.eq_ignore_ascii_case(name))
}

/// `names` with everything they imply, in order, without duplicates. Refuses names the
/// resource does not declare (when it declares any).
pub fn expand(resource: &Resource, identifier: &str, names: &[String]) -> Result<Vec<String>, Error> {
    if resource.scopes.is_empty() {
        return Ok(names.to_vec());
    }
    let mut out: Vec<String> = Vec::new();
    let mut todo: Vec<String> = names.to_vec();
    let mut i = 0;
    while i < todo.len() {
        let Some(scope) = declared(&resource.scopes, &todo[i]) else {
            return Err(Error::UnknownPermission {
                scope: todo[i].chars().take(120).collect(),
                resource: identifier.chars().take(200).collect(),
            });
        };
        if !out.contains(&scope.value) {
            out.push(scope.value.clone());
            todo.extend(scope.implies.iter().cloned());
        }
        i += 1;
    }
    Ok(out)
}

/// Checks that a request names only declared permissions of its resource.
pub fn check(resource: &Resource, scope: &Delegated) -> Result<(), Error> {
    expand(resource, &scope.resource, &scope.names).map(|_| ())
}

/// Checks a list of permission names for `gatehouse api create --scope NAME[:IMPLIED,...]`.
pub fn parse_declarations(specs: &[String]) -> Result<Vec<PermissionScope>, Error> {
    let valid = |v: &str| {
        !v.is_empty()
            && v.len() <= 120
            && v != ".default"
            && v.bytes()
                .all(|b| (0x21..0x7f).contains(&b) && b != b'/' && b != b',' && b != b':')
    };
    let mut out: Vec<PermissionScope> = Vec::new();
    for spec in specs {
        let (value, implied) = spec.split_once(':').unwrap_or((spec, ""));
        let implies: Vec<String> = implied
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !valid(value) || implies.iter().any(|i| !valid(i)) {
            return Err(Error::Invalid(format!(
                "Scope '{spec}' is not valid: NAME or NAME:IMPLIED,... with 1-120 printable characters, no spaces, '/', ',' or ':'."
            )));
        }
        if out.iter().any(|s| s.value.eq_ignore_ascii_case(value)) {
            return Err(Error::Invalid(format!("Scope '{value}' is declared twice.")));
        }
        out.push(PermissionScope {
            id: crate::model::new_guid(),
            value: value.to_owned(),
            implies,
        });
    }
    for s in &out {
        if let Some(missing) = s.implies.iter().find(|i| declared(&out, i).is_none()) {
            return Err(Error::Invalid(format!(
                "Scope '{}' implies '{missing}', which is not declared: declare '{missing}' too.",
                s.value
            )));
        }
    }
    Ok(out)
}

/// The `scp` claim of a user token for `scope` on `resource` (`.default` reads what was
/// consented for the client).
pub async fn scp(
    consent: &dyn SessionStore,
    tenant: &Tenant,
    client: &ClientEntry,
    user: &User,
    scope: &Delegated,
    resource: &Resource,
) -> Result<String, Error> {
    if !scope.default {
        return Ok(expand(resource, &scope.resource, &scope.names)?.join(" "));
    }
    if resource.scopes.is_empty() {
        return Ok("user_impersonation".into());
    }
    let all: Vec<String> = resource.scopes.iter().map(|s| s.value.clone()).collect();
    if client.first_party {
        return Ok(expand(resource, &scope.resource, &all)?.join(" "));
    }
    let prefix = crate::browser::consent::resource_key(&scope.resource);
    let granted = crate::browser::consent::consented(consent, tenant, user, client).await?;
    let mut names: Vec<String> = Vec::new();
    for item in &granted {
        match item.strip_prefix(&prefix).and_then(|r| r.strip_prefix('/')) {
            Some(".default") => names.extend(all.iter().cloned()),
            Some(name) if declared(&resource.scopes, name).is_some() => names.push(name.to_owned()),
            _ => {}
        }
    }
    if names.is_empty() {
        return Err(Error::ConsentRequired(scope.to_scope()));
    }
    Ok(expand(resource, &scope.resource, &names)?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(specs: &[&str]) -> Resource {
        let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        Resource {
            app_id: "a".into(),
            object_id: None,
            display_name: "api".into(),
            scopes: parse_declarations(&specs).unwrap(),
        }
    }

    #[test]
    fn implied_scopes_are_added_transitively_and_unknown_ones_refused() {
        let r = api(&["code_manage:code_write", "code_write:code_read", "code_read", "admin"]);
        let got = expand(&r, "api://x", &["code_manage".into()]).unwrap();
        assert_eq!(got, vec!["code_manage", "code_write", "code_read"]);
        assert_eq!(expand(&r, "api://x", &["CODE_READ".into()]).unwrap(), vec!["code_read"]);
        let e = expand(&r, "api://x", &["nope".into()]).unwrap_err();
        assert!(matches!(e, Error::UnknownPermission { .. }), "{e}");
        let open = api(&[]);
        assert_eq!(expand(&open, "api://x", &["any".into()]).unwrap(), vec!["any"]);
    }

    #[test]
    fn declarations_are_checked() {
        let bad = |s: &str| parse_declarations(&[s.to_owned()]).is_err();
        assert!(bad("a b") && bad("") && bad("a/b") && bad(".default") && bad("a:missing"));
        assert!(parse_declarations(&["a".into(), "A".into()]).is_err());
        let cyclic = parse_declarations(&["a:b".into(), "b:a".into()]).unwrap();
        let r = Resource {
            app_id: "a".into(),
            object_id: None,
            display_name: "api".into(),
            scopes: cyclic,
        };
        assert_eq!(expand(&r, "x", &["a".into()]).unwrap(), vec!["a", "b"]);
    }
}
