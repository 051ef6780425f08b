//! Entra's v1 authorization endpoint (`/{tenant}/oauth2/authorize`): the API is named by
//! `resource=`, and `scope` carries at most OpenID Connect's scopes. A v1 request is rewritten
//! into the v2 request it means and then runs the v2 flow unchanged: `resource` becomes
//! `{resource}/.default` with `openid offline_access` (v1 always answers an id_token and a
//! refresh token, as the v1 device endpoint does), plus `profile` or `email` when asked. The
//! pages carry the rewritten request in their hidden field, so it is rewritten once. Without
//! `resource`, `scope` is used as given (the v2 rules: OpenID scopes alone mean Microsoft Graph).

use gatehouse_protocol::FormParams;

use super::flow::Outcome;
use super::AuthorizeError;
use crate::error::Error;
use crate::Gatehouse;

/// The OpenID Connect scopes a v1 `scope` may add.
const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The v2 request (query string) a v1 one means.
pub fn v2_request(raw: &str) -> Result<String, Error> {
    let params =
        FormParams::parse(raw.as_bytes()).map_err(|e| Error::Malformed(e.to_string().chars().take(120).collect()))?;
    let Some(resource) = params.get("resource") else {
        return Ok(raw.to_owned());
    };
    let mut scope = vec![format!("{resource}/.default"), "openid".into(), "offline_access".into()];
    for s in params.get("scope").unwrap_or("").split_ascii_whitespace() {
        if OIDC.contains(&s) && !scope.iter().any(|have| have == s) {
            scope.push(s.to_owned());
        }
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(k, _)| *k != "resource" && *k != "scope") {
        out.append_pair(k, v);
    }
    out.append_pair("scope", &scope.join(" "));
    Ok(out.finish())
}

impl Gatehouse {
    /// `GET /{tenant}/oauth2/authorize` (or a POST of the same parameters): the v2 flow on the
    /// rewritten request.
    pub async fn authorize_v1(
        &self,
        segment: &str,
        raw: &str,
        session: Option<&str>,
    ) -> Result<Outcome, AuthorizeError> {
        let v2 = v2_request(raw)?;
        self.authorize(segment, &v2, session).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_of(q: &str) -> String {
        FormParams::parse(q.as_bytes())
            .unwrap()
            .get("scope")
            .unwrap()
            .to_owned()
    }

    #[test]
    fn resource_becomes_its_default_scope_with_openid_and_offline_access() {
        let q =
            v2_request("client_id=a&resource=https%3A%2F%2Fgraph.microsoft.com&scope=openid+profile+User.Read&state=s")
                .unwrap();
        assert_eq!(
            scope_of(&q),
            "https://graph.microsoft.com/.default openid offline_access profile"
        );
        let p = FormParams::parse(q.as_bytes()).unwrap();
        assert_eq!(p.get("resource"), None);
        assert_eq!((p.get("client_id"), p.get("state")), (Some("a"), Some("s")));
    }

    #[test]
    fn without_resource_the_request_is_unchanged() {
        let raw = "client_id=a&scope=openid";
        assert_eq!(v2_request(raw).unwrap(), raw);
    }
}
