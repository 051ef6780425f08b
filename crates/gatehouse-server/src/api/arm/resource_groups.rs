//! Resource groups: list (`$top`, `nextLink` paging with `$skiptoken`), get, HEAD (204/404),
//! PUT (201 created, 200 updated), PATCH (tags, managedBy), DELETE (202 with `Location` and
//! `Retry-After`; the deletion is done when answered, so its operation answers 200 at once),
//! each authorized at the group's scope (assignments at the subscription are inherited).

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse_core::admin::subscriptions::GroupWrite;
use gatehouse_core::model::{RbacScope, ResourceGroup};
use gatehouse_core::rbac::builtin::action;
use gatehouse_core::rbac::Rbac;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use super::path::ArmPath;
use super::{json, Request};
use crate::state::AppState;

/// Groups per page when the caller sets no `$top`.
pub const PAGE: i64 = 100;

/// A PUT body. Read-only fields a client echoes back from a GET (`id`, `name`, `type`,
/// `properties`) are accepted and ignored; any other field is refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PutBody {
    location: Option<String>,
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
    managed_by: Option<String>,
    #[serde(rename = "id")]
    _id: Option<Value>,
    #[serde(rename = "name")]
    _name: Option<Value>,
    #[serde(rename = "type")]
    _type: Option<Value>,
    #[serde(rename = "properties")]
    _properties: Option<Value>,
}

/// A PATCH body: what may change after creation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
    managed_by: Option<String>,
    #[serde(rename = "name")]
    _name: Option<Value>,
    #[serde(rename = "properties")]
    _properties: Option<Value>,
}

pub fn group_json(rg: &ResourceGroup) -> Value {
    let mut v = json!({
        "id": format!("/subscriptions/{}/resourceGroups/{}", rg.subscription_id, rg.name),
        "name": rg.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": rg.location,
        "properties": {"provisioningState": "Succeeded"},
    });
    if !rg.tags.is_empty() {
        let tags: serde_json::Map<String, Value> = rg
            .tags
            .iter()
            .map(|(k, t)| (k.clone(), Value::String(t.clone())))
            .collect();
        v["tags"] = Value::Object(tags);
    }
    if let Some(m) = &rg.managed_by {
        v["managedBy"] = Value::String(m.clone());
    }
    v
}

/// `$filter=tagName eq 'k' [and tagValue eq 'v']`, as `az group list --tag k[=v]` sends it.
struct TagFilter {
    name: String,
    value: Option<String>,
}

impl TagFilter {
    fn matches(&self, rg: &ResourceGroup) -> bool {
        rg.tags
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(&self.name) && self.value.as_ref().is_none_or(|want| v == want))
    }
}

fn tag_filter(f: &str) -> Result<TagFilter, Error> {
    let unsupported = || {
        Error::Invalid(format!(
            "The $filter '{f}' is not supported on resource groups: use tagName eq 'NAME' [and tagValue eq 'VALUE']."
        ))
    };
    let terms = super::filter_terms(f).ok_or_else(unsupported)?;
    match terms.as_slice() {
        [(n, name)] if n == "tagname" => Ok(TagFilter {
            name: name.clone(),
            value: None,
        }),
        [(n, name), (v, value)] if n == "tagname" && v == "tagvalue" => Ok(TagFilter {
            name: name.clone(),
            value: Some(value.clone()),
        }),
        _ => Err(unsupported()),
    }
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub async fn handle(s: &AppState, req: Request) -> Result<Response, Error> {
    match req.path.clone() {
        ArmPath::Groups(sub) => match req.method {
            Method::GET => list(s, req, &sub).await,
            ref m => Err(Error::MethodNotAllowed(m.to_string())),
        },
        ArmPath::Group(sub, name) => match req.method.clone() {
            Method::GET | Method::HEAD => get(s, req, &sub, &name).await,
            Method::PUT => put(s, req, &sub, &name).await,
            Method::PATCH => patch(s, req, &sub, &name).await,
            Method::DELETE => delete(s, req, &sub, &name).await,
            m => Err(Error::MethodNotAllowed(m.to_string())),
        },
        ArmPath::Operation(sub, op) => match req.method {
            Method::GET => operation(s, req, &sub, &op).await,
            ref m => Err(Error::MethodNotAllowed(m.to_string())),
        },
        _ => Err(Error::NoSuchPath),
    }
}

async fn list(s: &AppState, req: Request, sub: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    let scope = RbacScope::subscription(sub);
    let rbac = s.gh.rbac();
    let whole = rbac.allows(&access, &req.who, action::GROUP_READ, &scope).await?;
    if !whole && !Rbac::sees(&access, &req.who) {
        return Err(Error::NotAuthorized {
            principal: req.who.object_id.clone(),
            action: action::GROUP_READ.into(),
            scope: scope.path(),
        });
    }
    let tag = match req.query("$filter") {
        Some(f) => Some(tag_filter(f)?),
        None => None,
    };
    let top = match req.query("$top") {
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "The value '{t}' of $top is not valid: use a number from 1 to 1000."
                ))
            })?,
        None => PAGE,
    };
    // Pages are read in key order; a tag filter keeps reading until the page is full.
    let mut after = req.query("$skiptoken").map(str::to_owned);
    let mut page: Vec<ResourceGroup> = Vec::new();
    let mut more = false;
    loop {
        let read = req
            .admin
            .resource_groups(&access.subscription, after.as_deref(), top + 1)
            .await?;
        let exhausted = read.len() as i64 <= top;
        for rg in read {
            if page.len() as i64 == top {
                more = true;
                break;
            }
            after = Some(rg.key.clone());
            if tag.as_ref().is_none_or(|t| t.matches(&rg)) {
                page.push(rg);
            }
        }
        if more || exhausted {
            break;
        }
    }
    let mut value = Vec::with_capacity(page.len());
    for rg in &page {
        if whole
            || rbac
                .allows(
                    &access,
                    &req.who,
                    action::GROUP_READ,
                    &RbacScope::resource_group(sub, &rg.name),
                )
                .await?
        {
            value.push(group_json(rg));
        }
    }
    let mut body = json!({ "value": value });
    if more {
        if let Some(last) = page.last() {
            let mut link = format!(
                "{}/subscriptions/{sub}/resourcegroups?api-version={}&%24skiptoken={}",
                s.gh.base_url(),
                req.api_version,
                encode(&last.key)
            );
            if req.query("$top").is_some() {
                link.push_str(&format!("&%24top={top}"));
            }
            if let Some(f) = req.query("$filter") {
                link.push_str(&format!("&%24filter={}", encode(f)));
            }
            body["nextLink"] = Value::String(link);
        }
    }
    Ok(json(StatusCode::OK, body))
}

async fn get(s: &AppState, req: Request, sub: &str, name: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    let head = req.method == Method::HEAD;
    let authorized = req
        .authorize(s, &access, action::GROUP_READ, &RbacScope::resource_group(sub, name))
        .await;
    let found = match authorized {
        Ok(()) => req.admin.resource_group(&access.subscription, name).await,
        Err(e) => Err(e),
    };
    match (head, found) {
        (false, Ok(rg)) => Ok(json(StatusCode::OK, group_json(&rg))),
        (false, Err(e)) => Err(e),
        // HEAD: the status alone (what `az group exists` reads).
        (true, Ok(_)) => Ok(StatusCode::NO_CONTENT.into_response()),
        (true, Err(e)) => {
            let mut r = crate::dialect::arm::Arm(e).into_response();
            *r.body_mut() = axum::body::Body::empty();
            Ok(r)
        }
    }
}

async fn put(s: &AppState, req: Request, sub: &str, name: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    req.authorize(s, &access, action::GROUP_WRITE, &RbacScope::resource_group(sub, name))
        .await?;
    let subscription = access.subscription.clone();
    let body: PutBody = req.json()?;
    let write = GroupWrite {
        location: body.location.unwrap_or_default(),
        tags: body.tags.unwrap_or_default().into_iter().collect(),
        managed_by: body.managed_by,
    };
    let (rg, created) = req.admin.put_resource_group(&subscription, name, write).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json(status, group_json(&rg)))
}

async fn patch(s: &AppState, req: Request, sub: &str, name: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    req.authorize(s, &access, action::GROUP_WRITE, &RbacScope::resource_group(sub, name))
        .await?;
    let subscription = access.subscription.clone();
    let body: PatchBody = req.json()?;
    let admin = req.admin;
    let old = admin.resource_group(&subscription, name).await?;
    let write = GroupWrite {
        location: old.location.clone(),
        tags: match body.tags {
            Some(t) => t.into_iter().collect(),
            None => old.tags.clone(),
        },
        managed_by: body.managed_by.or(old.managed_by.clone()),
    };
    let (rg, _) = admin.put_resource_group(&subscription, &old.name, write).await?;
    Ok(json(StatusCode::OK, group_json(&rg)))
}

/// The operation id of a group's deletion: the group's key, so any replica can answer it.
fn operation_id(key: &str) -> String {
    format!("rgdelete-{}", URL_SAFE_NO_PAD.encode(key))
}

async fn delete(s: &AppState, req: Request, sub: &str, name: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    req.authorize(s, &access, action::GROUP_DELETE, &RbacScope::resource_group(sub, name))
        .await?;
    req.admin.delete_resource_group(&access.subscription, name).await?;
    s.gh.rbac().forget_subscription(sub);
    let location = format!(
        "{}/subscriptions/{sub}/operationresults/{}?api-version={}",
        s.gh.base_url(),
        operation_id(&name.to_lowercase()),
        req.api_version
    );
    let mut r = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    Ok(r)
}

/// A deletion's status: done (200) once the group is gone, which it is by the time the
/// deletion was answered; 202 while a group of that name exists again.
async fn operation(s: &AppState, req: Request, sub: &str, op: &str) -> Result<Response, Error> {
    let access = req.subscription(s, sub).await?;
    if !Rbac::sees(&access, &req.who) {
        return Err(Error::NotAuthorized {
            principal: req.who.object_id.clone(),
            action: action::GROUP_DELETE.into(),
            scope: RbacScope::subscription(sub).path(),
        });
    }
    let key = op
        .strip_prefix("rgdelete-")
        .and_then(|k| URL_SAFE_NO_PAD.decode(k).ok())
        .and_then(|k| String::from_utf8(k).ok())
        .ok_or(Error::NoSuchPath)?;
    match req.admin.resource_group(&access.subscription, &key).await {
        Ok(_) => {
            let mut r = StatusCode::ACCEPTED.into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(r)
        }
        Err(Error::NotFound { .. }) => Ok(StatusCode::OK.into_response()),
        Err(e) => Err(e),
    }
}
