//! `GET /api/auditLogs`: the tenant's audit log, oldest first, in pages (IoT Central has only
//! a UI export; this is ours). Query: `from`, `to` (RFC 3339), `actor` (object id, UPN, app id
//! or `apiToken:{id}`), `action` (`user.create`, or every action of a noun: `user.`), `$top`
//! (1 to 1000, default 100), `$skipToken` (from `nextLink`). Answers `{value, nextLink?}`, each
//! entry as `gatehouse audit export` writes it.

use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::Response;
use gatehouse_core::model::AuditQuery;
use gatehouse_core::Error;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::{ok, IotcCaller};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

const DEFAULT_TOP: i64 = 100;
const MAX_TOP: i64 = 1000;

fn millis(name: &str, v: &str) -> Result<i64, Error> {
    time::OffsetDateTime::parse(v, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            Error::Invalid(format!(
                "'{name}' must be an RFC 3339 time, such as 2026-12-01T00:00:00Z."
            ))
        })
}

fn query(raw: &str) -> Result<AuditQuery, Error> {
    let mut q = AuditQuery {
        limit: DEFAULT_TOP,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        if !seen.insert(k.clone()) {
            return Err(Error::Invalid(format!("The query parameter '{k}' is given twice.")));
        }
        match k.as_ref() {
            "api-version" => {}
            "from" => q.from_ms = Some(millis("from", &v)?),
            "to" => q.to_ms = Some(millis("to", &v)?),
            "actor" if !v.is_empty() && v.len() <= 256 => q.actor = Some(v.into_owned()),
            "action" if !v.is_empty() && v.len() <= 100 => q.action = Some(v.into_owned()),
            "$top" => {
                q.limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_TOP).contains(n))
                    .ok_or_else(|| Error::Invalid(format!("'$top' must be a number from 1 to {MAX_TOP}.")))?
            }
            "$skipToken" => {
                q.after_seq = v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    Error::Invalid("'$skipToken' is not one this API gave; follow nextLink as it is.".into())
                })?
            }
            other => {
                return Err(Error::Invalid(format!(
                    "The query parameter '{}' is not supported here: use from, to, actor, action, $top or $skipToken.",
                    other.chars().take(40).collect::<String>()
                )))
            }
        }
    }
    Ok(q)
}

pub async fn list(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, Iotc> {
    let q = query(raw.as_deref().unwrap_or(""))?;
    let entries = s.gh.iotc().audit_log(&who, q.clone()).await?;
    let value: Vec<_> = entries.iter().map(gatehouse_core::audit::to_json).collect();
    let mut body = json!({ "value": value });
    if entries.len() as i64 == q.limit {
        if let Some(last) = entries.last() {
            // The same query with the page's last number: the next page starts after it.
            let kept: Vec<(String, String)> = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
                .filter(|(k, _)| k != "$skipToken")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut next = form_urlencoded::Serializer::new(String::new());
            next.extend_pairs(kept);
            next.append_pair("$skipToken", &last.seq.to_string());
            body["nextLink"] = json!(format!("{}{}?{}", s.gh.base_url(), uri.path(), next.finish()));
        }
    }
    Ok(ok(body))
}
