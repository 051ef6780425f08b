//! `POST /{tenant}/oauth2/v2.0/introspect` and `/{tenant}/oauth2/introspect` (RFC 7662).
//!
//! The asking client authenticates as at the token endpoint (a confidential client); the core
//! says which audiences it may learn about ([`gatehouse_core::issuance::introspection`]). An
//! access token is checked by [`crate::bearer::TokenCheck`], the verifier of every bearer token
//! on our routes, and must belong to the path's tenant; a refresh token is asked of the store.
//! `token_type_hint` only says where to look first. Anything not active is `{"active":false}`.
//!
//! An encrypted access token is opened with its API's key (when Gatehouse holds it) and its
//! inner JWT checked as any; an opaque one (`gthat_...`), or an encrypted one whose private key
//! only its API holds, is answered from the record kept at issuance (its audience must be the
//! asking client, its tenant the path's; dates and revocation as for JWTs).
//!
//! An API token (`SharedAccessSignature ...`, recognized by its shape) is checked by the core
//! (`gatehouse_core::iotc::sas`) and must belong to the path's tenant, which the asking client
//! (a confidential client of that tenant: a guard) belongs to: active, it answers
//! `token_type: "api_token"`, `jti` (its id), `tid`, `exp` (seconds), `roles` (role ids) and
//! `organization` (absent: the root). This is how a guard without a database checks one.
//!
//! A personal access token (`gthpat_...`, recognized by its shape) is checked by the core
//! (`gatehouse_core::pats::Pats::check`) under the same rule (its tenant is the path's, which
//! is the asking client's): active, it answers `token_type: "pat"`, `tid`, `sub` and `oid` (the
//! user's object id), `username` (the UPN), `scope` (every scope it implies, space-separated),
//! `exp` (seconds) and `jti` (its authorizationId, which a revocation names).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::issuance::client_auth::Presented;
use gatehouse_core::issuance::formats::Opened;
use gatehouse_core::issuance::introspection::ResourceServer;
use gatehouse_core::Error;
use gatehouse_protocol::introspection::{self as wire, Introspection};
use gatehouse_protocol::pat::Pat;
use gatehouse_protocol::sas::Sas;
use serde_json::{Map, Value};

use crate::dialect::oauth::OAuth;
use crate::extract::OAuthForm;
use crate::state::AppState;

pub async fn introspect(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Response, OAuth> {
    let presented = Presented {
        basic: form.basic.clone(),
        source: form.source,
    };
    let rs = s.gh.introspecting_client(&tenant, &form.params, &presented).await?;
    let token = form.params.get("token").ok_or(Error::MissingParameter("token"))?;
    if Sas::is_sas(token) {
        return Ok(Json(api_token(&s, &rs, token).await?).into_response());
    }
    if Pat::parse(token).is_ok() {
        return Ok(Json(pat(&s, &rs, token).await?).into_response());
    }
    let refresh_first = form.params.get("token_type_hint") == Some("refresh_token");
    let answer = if refresh_first {
        match s.gh.introspect_refresh(&rs, token).await? {
            Some(answer) => answer,
            None => access(&s, &rs, token).await?,
        }
    } else {
        match access(&s, &rs, token).await? {
            answer if answer.active => answer,
            _ => {
                s.gh.introspect_refresh(&rs, token)
                    .await?
                    .unwrap_or_else(Introspection::inactive)
            }
        }
    };
    Ok(Json(answer).into_response())
}

async fn api_token(s: &AppState, rs: &ResourceServer, token: &str) -> Result<Introspection, Error> {
    match s.gh.iotc().check_sas(token).await? {
        Some(t) if t.tenant_id == rs.tenant_id => Ok(Introspection {
            active: true,
            token_type: Some(wire::API_TOKEN.to_owned()),
            exp: Some(t.expiry_ms.div_euclid(1000)),
            jti: Some(t.token_id.clone()),
            sub: Some(format!("apiToken:{}", t.token_id)),
            tid: Some(t.tenant_id.clone()),
            roles: t.roles.iter().map(|r| r.role.clone()).collect(),
            organization: t.roles.iter().find_map(|r| r.organization.clone()),
            ..Default::default()
        }),
        _ => Ok(Introspection::inactive()),
    }
}

async fn pat(s: &AppState, rs: &ResourceServer, token: &str) -> Result<Introspection, Error> {
    match s.gh.pats().check(token, gatehouse_core::model::now()).await {
        Ok(p) if p.tenant_id == rs.tenant_id => Ok(Introspection {
            active: true,
            token_type: Some(wire::PAT.to_owned()),
            scope: Some(p.scopes.join(" ")),
            username: Some(p.user_principal_name),
            exp: Some(p.exp),
            jti: Some(p.authorization_id),
            sub: Some(p.user_id.clone()),
            oid: Some(p.user_id),
            tid: Some(p.tenant_id),
            ..Default::default()
        }),
        Ok(_) | Err(Error::BearerInvalid(_)) => Ok(Introspection::inactive()),
        Err(e) => Err(e),
    }
}

async fn access(s: &AppState, rs: &ResourceServer, token: &str) -> Result<Introspection, Error> {
    // An encrypted token is opened (with the API's key Gatehouse holds) and its inner JWT
    // checked like any other; an opaque one (or an encrypted one whose key only its API holds)
    // is answered from its stored record.
    match s.gh.token_formats().open(&rs.tenant_id, token).await? {
        Some(Opened::Signed(inner)) => signed(s, rs, &inner).await,
        Some(Opened::Stored(claims)) => stored(s, rs, claims).await,
        None => signed(s, rs, token).await,
    }
}

async fn signed(s: &AppState, rs: &ResourceServer, token: &str) -> Result<Introspection, Error> {
    match s.tokens.verify(token, &rs.audiences).await? {
        Some(v) if v.caller.tenant_id() == rs.tenant_id => Ok(active(&v.claims)),
        _ => Ok(Introspection::inactive()),
    }
}

/// A stored record's claims: written by us at issuance, so only its audience (the asking
/// resource server), tenant, dates and revocation are checked.
async fn stored(s: &AppState, rs: &ResourceServer, claims: Map<String, Value>) -> Result<Introspection, Error> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let now = gatehouse_core::model::now();
    let dated = claims.get("exp").and_then(Value::as_i64).is_some_and(|e| e > now)
        && claims.get("nbf").and_then(Value::as_i64).is_none_or(|n| n <= now + 300);
    let ours =
        text("tid") == Some(rs.tenant_id.as_str()) && text("aud").is_some_and(|a| rs.audiences.iter().any(|x| x == a));
    if !dated || !ours {
        return Ok(Introspection::inactive());
    }
    if s.gh.is_revoked(&rs.tenant_id, text("sid"), text("uti")).await? {
        return Ok(Introspection::inactive());
    }
    Ok(active(&claims))
}

fn active(c: &Map<String, Value>) -> Introspection {
    let text = |name: &str| c.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str| c.get(name).and_then(Value::as_i64);
    let roles = c
        .get("roles")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Introspection {
        active: true,
        scope: text("scp"),
        client_id: text("azp").or_else(|| text("appid")),
        username: text("preferred_username").or_else(|| text("upn")),
        token_type: Some(wire::ACCESS_TOKEN.to_owned()),
        exp: number("exp"),
        iat: number("iat"),
        nbf: number("nbf"),
        sub: text("sub"),
        aud: text("aud"),
        iss: text("iss"),
        jti: text("uti"),
        tid: text("tid"),
        oid: text("oid"),
        sid: text("sid"),
        roles,
        organization: None,
    }
}
