//! `/api/apiTokens[/{id}]` (and the singular `/api/apiToken/{id}` seed 002's how-to uses):
//! PUT `{"roles": [{"role", "organization"?}], "expiry"?}` answers `{expiry, id, roles, token}`,
//! the token shown this once; GET and the list never show it; DELETE answers 204 and revokes
//! it at once. `expiry` is ISO 8601 with milliseconds (`2022-03-22T12:01:27.889Z`).

use axum::extract::{Path, State};
use axum::response::Response;
use gatehouse_core::model::{ApiToken, RoleRef};
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::paging::Page;
use super::{no_content, ok, roles_json, same_id, IotcCaller, IotcJson};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

/// Epoch milliseconds as IoT Central writes `expiry`.
pub fn iso_ms(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn parse_expiry(s: &str) -> Result<i64, Error> {
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
        Error::Invalid("The expiry must be an ISO 8601 date and time, such as 2026-03-22T12:01:27.889Z.".into())
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub fn token(t: &ApiToken) -> Value {
    json!({"id": t.id, "roles": roles_json(&t.roles), "expiry": iso_ms(t.expiry_ms)})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    id: Option<String>,
    roles: Vec<RoleRef>,
    expiry: Option<String>,
}

/// By id (the core lists them so): the id is the page key.
pub async fn list(State(s): State<AppState>, IotcCaller(who): IotcCaller, page: Page) -> Result<Response, Iotc> {
    let tokens = s.gh.iotc().api_tokens(&who).await?;
    Ok(page.respond(s.gh.base_url(), tokens.iter().map(|t| (t.id.clone(), token(t)))))
}

pub async fn show(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    Ok(ok(token(&s.gh.iotc().api_token(&who, &id).await?)))
}

pub async fn create(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
    IotcJson(body): IotcJson<TokenBody>,
) -> Result<Response, Iotc> {
    same_id(&id, body.id.as_deref())?;
    let expiry = body.expiry.as_deref().map(parse_expiry).transpose()?;
    let created = s.gh.iotc().create_api_token(&who, &id, &body.roles, expiry).await?;
    let mut v = token(&created.token);
    v["token"] = json!(created.text);
    Ok(ok(v))
}

pub async fn delete(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    s.gh.iotc().delete_api_token(&who, &id).await?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_iso_with_milliseconds() {
        assert_eq!(iso_ms(1647950487889), "2022-03-22T12:01:27.889Z");
        assert_eq!(parse_expiry("2022-03-22T12:01:27.889Z").unwrap(), 1647950487889);
        assert!(parse_expiry("next year").is_err());
    }
}
