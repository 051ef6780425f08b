//! `/_apis/tokens/pats`: create (POST), list or get (GET, `?authorizationId=` for one), update
//! (PUT), revoke (DELETE `?authorizationId=`). Answers are Azure DevOps' `PatTokenResult`
//! (`{patToken, patTokenError}`), `PagedPatTokens` (`{patTokens, continuationToken}`), or 204.
//! A refused request is a `PatTokenResult` whose `patTokenError` names why and whose
//! `patToken` is empty, with status 200, as Azure DevOps answers it.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::model::{now, PatFilter, PatRefusal, PersonalAccessToken};
use gatehouse_core::pats::{NewPat, PatUpdate};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::iso8601;
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use super::{require_org, require_version, DevOpsCaller, DevOpsJson};
use crate::dialect::devops::{pat_token_error, DevOps};
use crate::state::AppState;

/// `PatTokenCreateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    pub display_name: Option<String>,
    pub scope: Option<String>,
    pub valid_to: Option<String>,
    /// Accepted; a PAT is good in its own tenant (its one organization) whatever this says.
    pub all_orgs: Option<bool>,
}

/// `PatTokenUpdateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBody {
    pub authorization_id: Option<String>,
    pub display_name: Option<String>,
    pub scope: Option<String>,
    pub valid_to: Option<String>,
    pub all_orgs: Option<bool>,
}

/// A `patToken` object; `token` only when just created.
pub fn pat_token(p: &PersonalAccessToken, token: Option<&str>) -> Value {
    json!({
        "displayName": p.display_name,
        "validTo": iso8601(p.valid_to),
        "scope": p.scopes.join(" "),
        "targetAccounts": [p.tenant_id],
        "validFrom": iso8601(p.valid_from),
        "authorizationId": p.authorization_id,
        "token": token,
    })
}

/// The answer to a refused request: Azure DevOps' empty `patToken` and the error's value.
fn refusal(r: PatRefusal) -> Response {
    let empty = json!({
        "displayName": null,
        "validTo": "0001-01-01T00:00:00",
        "scope": null,
        "targetAccounts": null,
        "validFrom": "0001-01-01T00:00:00",
        "authorizationId": "00000000-0000-0000-0000-000000000000",
        "token": null,
    });
    Json(json!({"patToken": empty, "patTokenError": pat_token_error(r)})).into_response()
}

/// A domain result as the PAT API answers it.
fn answer(r: Result<Response, Error>) -> Result<Response, DevOps> {
    match r {
        Ok(r) => Ok(r),
        Err(Error::PatRefused(why)) => Ok(refusal(why)),
        Err(e) => Err(e.into()),
    }
}

fn result(p: &PersonalAccessToken, token: Option<&str>) -> Response {
    Json(json!({"patToken": pat_token(p, token), "patTokenError": "none"})).into_response()
}

fn valid_to(v: Option<&str>) -> Result<Option<i64>, Error> {
    v.map(|s| {
        time::OffsetDateTime::parse(s.trim(), &Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|_| Error::PatRefused(PatRefusal::InvalidValidTo))
    })
    .transpose()
}

fn query(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

pub async fn create(
    State(s): State<AppState>,
    uri: Uri,
    DevOpsCaller(who): DevOpsCaller,
    DevOpsJson(body): DevOpsJson<CreateBody>,
) -> Result<Response, DevOps> {
    require_version(&uri)?;
    let _ = body.all_orgs;
    answer(
        async {
            let new = NewPat {
                display_name: body.display_name,
                scope: body.scope,
                valid_to: valid_to(body.valid_to.as_deref())?,
            };
            let made = s.gh.pats().create(&who, new, now()).await?;
            Ok(result(&made.pat, Some(made.token.expose())))
        }
        .await,
    )
}

pub async fn get(State(s): State<AppState>, uri: Uri, DevOpsCaller(who): DevOpsCaller) -> Result<Response, DevOps> {
    require_version(&uri)?;
    if let Some(id) = query(&uri, "authorizationId") {
        return answer(s.gh.pats().get(&who, &id).await.map(|p| result(&p, None)));
    }
    let filter = match query(&uri, "displayFilterOption") {
        None => PatFilter::Active,
        Some(f) => PatFilter::parse(&f).ok_or_else(|| {
            Error::Invalid(format!(
                "displayFilterOption '{f}' is not one of active, revoked, expired, all"
            ))
        })?,
    };
    if let Some(sort) = query(&uri, "sortByOption") {
        if !sort.eq_ignore_ascii_case("displayDate") {
            return Err(Error::Invalid("sortByOption: only displayDate (creation order) is served".into()).into());
        }
    }
    if query(&uri, "isSortAscending").is_some_and(|v| !v.eq_ignore_ascii_case("true")) {
        return Err(Error::Invalid("isSortAscending: only true (oldest first) is served".into()).into());
    }
    let top = match query(&uri, "$top") {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| Error::Invalid("$top must be a number".into()))?,
        ),
    };
    let continuation = query(&uri, "continuationToken");
    let page =
        s.gh.pats()
            .list(&who, filter, continuation.as_deref(), top, now())
            .await?;
    let items: Vec<Value> = page.pats.iter().map(|p| pat_token(p, None)).collect();
    Ok(Json(json!({"patTokens": items, "continuationToken": page.continuation})).into_response())
}

pub async fn update(
    State(s): State<AppState>,
    uri: Uri,
    DevOpsCaller(who): DevOpsCaller,
    DevOpsJson(body): DevOpsJson<UpdateBody>,
) -> Result<Response, DevOps> {
    require_version(&uri)?;
    let _ = body.all_orgs;
    answer(
        async {
            let id = body
                .authorization_id
                .ok_or(Error::PatRefused(PatRefusal::InvalidAuthorizationId))?;
            let update = PatUpdate {
                authorization_id: id,
                display_name: body.display_name,
                scope: body.scope,
                valid_to: valid_to(body.valid_to.as_deref())?,
            };
            let p = s.gh.pats().update(&who, update, now()).await?;
            Ok(result(&p, None))
        }
        .await,
    )
}

pub async fn revoke(State(s): State<AppState>, uri: Uri, DevOpsCaller(who): DevOpsCaller) -> Result<Response, DevOps> {
    require_version(&uri)?;
    answer(
        async {
            let id = query(&uri, "authorizationId").ok_or(Error::PatRefused(PatRefusal::InvalidAuthorizationId))?;
            s.gh.pats().revoke(&who, &id, now()).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}

// The same operations under `/{organization}/_apis/tokens/pats`.

pub async fn org_get(
    s: State<AppState>,
    Path(org): Path<String>,
    uri: Uri,
    c: DevOpsCaller,
) -> Result<Response, DevOps> {
    require_org(&s, &org, &c.0).await?;
    get(s, uri, c).await
}

pub async fn org_create(
    s: State<AppState>,
    Path(org): Path<String>,
    uri: Uri,
    c: DevOpsCaller,
    body: DevOpsJson<CreateBody>,
) -> Result<Response, DevOps> {
    require_org(&s, &org, &c.0).await?;
    create(s, uri, c, body).await
}

pub async fn org_update(
    s: State<AppState>,
    Path(org): Path<String>,
    uri: Uri,
    c: DevOpsCaller,
    body: DevOpsJson<UpdateBody>,
) -> Result<Response, DevOps> {
    require_org(&s, &org, &c.0).await?;
    update(s, uri, c, body).await
}

pub async fn org_revoke(
    s: State<AppState>,
    Path(org): Path<String>,
    uri: Uri,
    c: DevOpsCaller,
) -> Result<Response, DevOps> {
    require_org(&s, &org, &c.0).await?;
    revoke(s, uri, c).await
}
