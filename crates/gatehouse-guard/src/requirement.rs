//! What a route demands of a verified caller: delegated scopes (`scp`) and/or app roles (`roles`).

use std::sync::Arc;

use serde::Deserialize;

use crate::caller::Caller;

/// How the scopes and roles of a [`Requirement`] combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementMode {
    /// Every listed scope AND every listed role must be held (the default).
    #[default]
    All,
    /// Either every listed scope (a delegated user token) or every listed role (an application
    /// token) is enough. A side with an empty list never satisfies the requirement by itself.
    ScopesOrRoles,
}

/// A route's requirement. `Requirement::authenticated()` accepts any verified caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    scopes: Arc<[String]>,
    roles: Arc<[String]>,
    mode: RequirementMode,
    /// Opaque credentials (API tokens) are accepted on the route (an opt-in).
    api_tokens: bool,
    /// Personal access tokens are accepted on the route (an opt-in, separate from API tokens).
    pats: bool,
}

impl Requirement {
    /// Any verified caller.
    pub fn authenticated() -> Self {
        Self::default()
    }

    /// Every scope in `scopes` is required.
    pub fn scopes<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::default().with_scopes(scopes)
    }

    /// One required scope.
    pub fn scope(scope: impl Into<String>) -> Self {
        Self::scopes([scope])
    }

    /// Every role in `roles` is required.
    pub fn roles<I, S>(roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::default().with_roles(roles)
    }

    /// One required app role.
    pub fn role(role: impl Into<String>) -> Self {
        Self::roles([role])
    }

    /// Either all of `scopes` (delegated token) or all of `roles` (application token).
    pub fn scopes_or_roles<I, S, J, R>(scopes: I, roles: J) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = R>,
        R: Into<String>,
    {
        Self::default()
            .with_scopes(scopes)
            .with_roles(roles)
            .mode(RequirementMode::ScopesOrRoles)
    }

    /// Adds required scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut all: Vec<String> = self.scopes.to_vec();
        all.extend(scopes.into_iter().map(Into::into));
        self.scopes = all.into();
        self
    }

    /// Adds required roles.
    pub fn with_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut all: Vec<String> = self.roles.to_vec();
        all.extend(roles.into_iter().map(Into::into));
        self.roles = all.into();
        self
    }

    /// Sets how scopes and roles combine.
    pub fn mode(mut self, mode: RequirementMode) -> Self {
        self.mode = mode;
        self
    }

    /// Also accepts API tokens (`SharedAccessSignature`) on the route; without this a verified
    /// API token is refused with 401, whatever its roles.
    pub fn allow_api_tokens(mut self) -> Self {
        self.api_tokens = true;
        self
    }

    /// Whether API tokens are accepted.
    pub fn accepts_api_tokens(&self) -> bool {
        self.api_tokens
    }

    /// Also accepts personal access tokens (`Bearer gthpat_...` or `Basic base64(:gthpat_...)`)
    /// on the route; without this a verified PAT is refused with 401, whatever its scopes.
    /// Independent of [`Requirement::allow_api_tokens`].
    pub fn allow_pats(mut self) -> Self {
        self.pats = true;
        self
    }

    /// Whether personal access tokens are accepted.
    pub fn accepts_pats(&self) -> bool {
        self.pats
    }

    /// Required scopes.
    pub fn required_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Required roles.
    pub fn required_roles(&self) -> &[String] {
        &self.roles
    }

    /// Checks `caller`. On failure returns the missing scopes and roles (in declaration order),
    /// which the guard names in `WWW-Authenticate: Bearer error="insufficient_scope", scope=".."`.
    pub fn check(&self, caller: &Caller) -> Result<(), Vec<String>> {
        let missing_scopes: Vec<&String> = self.scopes.iter().filter(|s| !caller.has_scope(s)).collect();
        let missing_roles: Vec<&String> = self.roles.iter().filter(|r| !caller.has_role(r)).collect();
        let ok = match self.mode {
            RequirementMode::All => missing_scopes.is_empty() && missing_roles.is_empty(),
            RequirementMode::ScopesOrRoles => {
                (self.scopes.is_empty() && self.roles.is_empty())
                    || (!self.scopes.is_empty() && missing_scopes.is_empty())
                    || (!self.roles.is_empty() && missing_roles.is_empty())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(missing_scopes.into_iter().chain(missing_roles).cloned().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::CredentialKind;

    fn caller(scopes: &[&str], roles: &[&str]) -> Caller {
        Caller::builder(CredentialKind::Jwt, "t", "o")
            .scopes(scopes.iter().copied())
            .roles(roles.iter().copied())
            .build()
    }

    #[test]
    fn all_mode_needs_everything() {
        let req = Requirement::scope("read").with_roles(["Admin"]);
        assert!(req.check(&caller(&["read"], &["Admin"])).is_ok());
        assert_eq!(req.check(&caller(&["read"], &[])), Err(vec!["Admin".into()]));
        assert_eq!(req.check(&caller(&[], &[])), Err(vec!["read".into(), "Admin".into()]));
    }

    #[test]
    fn scopes_or_roles_accepts_either_side() {
        let req = Requirement::scopes_or_roles(["code_write"], ["Code.Write.All"]);
        assert!(req.check(&caller(&["code_write"], &[])).is_ok());
        assert!(req.check(&caller(&[], &["Code.Write.All"])).is_ok());
        assert!(req.check(&caller(&["other"], &["Other"])).is_err());
        let only_roles = Requirement::scopes_or_roles(Vec::<String>::new(), ["Admin"]);
        assert!(only_roles.check(&caller(&["anything"], &[])).is_err());
    }

    #[test]
    fn scope_names_are_case_sensitive() {
        assert!(Requirement::scope("Read").check(&caller(&["read"], &[])).is_err());
    }

    #[test]
    fn authenticated_accepts_any_caller() {
        assert!(Requirement::authenticated().check(&caller(&[], &[])).is_ok());
    }
}
