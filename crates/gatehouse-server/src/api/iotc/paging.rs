//! Paging of the door's lists (`/api/roles`, `/api/organizations`, `/api/users`,
//! `/api/apiTokens`): `{"value": [...], "nextLink"?}` with `$top` (1 to 1000, default 100)
//! and `$skipToken` (from `nextLink`, opaque to the caller).
//!
//! Each list gives every item a key that grows along the list's order; the skip token is the
//! last key of a page, so the next page starts after it even when items were added or deleted
//! in between (nothing is skipped or shown twice, unlike an offset).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Uri;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse_core::Error;
use serde_json::{json, Value};

use super::ok;
use crate::dialect::iotc::Iotc;

pub const DEFAULT_TOP: usize = 100;
pub const MAX_TOP: usize = 1000;

/// One page's request: how many, after which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub top: usize,
    pub after: Option<String>,
}

impl Paging {
    /// Reads `$top` and `$skipToken` of a list's query (`api-version` is checked elsewhere);
    /// any other parameter is refused.
    pub fn parse(raw: Option<&str>) -> Result<Self, Error> {
        let mut p = Self {
            top: DEFAULT_TOP,
            after: None,
        };
        let mut seen = std::collections::HashSet::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !seen.insert(k.clone()) {
                return Err(Error::Invalid(format!("The query parameter '{k}' is given twice.")));
            }
            match k.as_ref() {
                "api-version" => {}
                "$top" => {
                    p.top = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_TOP).contains(n))
                        .ok_or_else(|| Error::Invalid(format!("'$top' must be a number from 1 to {MAX_TOP}.")))?
                }
                "$skipToken" => {
                    let key = URL_SAFE_NO_PAD
                        .decode(v.as_bytes())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .filter(|k| !k.is_empty() && k.len() <= 600)
                        .ok_or_else(|| {
                            Error::Invalid("'$skipToken' is not one this API gave; follow nextLink as it is.".into())
                        })?;
                    p.after = Some(key);
                }
                other => {
                    return Err(Error::Invalid(format!(
                        "The query parameter '{}' is not supported here: use $top, or follow nextLink.",
                        other.chars().take(40).collect::<String>()
                    )))
                }
            }
        }
        Ok(p)
    }

    /// This page of `items` (`(key, value)` in order, keys growing), and the key to continue
    /// after when more follow.
    pub fn page(&self, items: impl IntoIterator<Item = (String, Value)>) -> (Vec<Value>, Option<String>) {
        let mut rest = items
            .into_iter()
            .filter(|(k, _)| self.after.as_ref().is_none_or(|a| k > a))
            .peekable();
        let mut value = Vec::new();
        let mut last = None;
        while value.len() < self.top {
            let Some((k, v)) = rest.next() else { break };
            value.push(v);
            last = Some(k);
        }
        let more = rest.peek().is_some();
        (value, last.filter(|_| more))
    }
}

/// A list request's paging and URL (extract it after [`super::IotcCaller`], which checks
/// `api-version` and the caller first).
pub struct Page {
    pub paging: Paging,
    uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Iotc;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Iotc> {
        Ok(Self {
            paging: Paging::parse(parts.uri.query())?,
            uri: parts.uri.clone(),
        })
    }
}

impl Page {
    /// The page as the door answers it: `nextLink` is this request's URL (on `base_url`) with
    /// the page's last key as `$skipToken`.
    pub fn respond(&self, base_url: &str, items: impl IntoIterator<Item = (String, Value)>) -> Response {
        let (value, next) = self.paging.page(items);
        let mut body = json!({ "value": value });
        if let Some(key) = next {
            let kept: Vec<(String, String)> = form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
                .filter(|(k, _)| k != "$skipToken")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.extend_pairs(kept);
            query.append_pair("$skipToken", &URL_SAFE_NO_PAD.encode(key.as_bytes()));
            body["nextLink"] = json!(format!("{base_url}{}?{}", self.uri.path(), query.finish()));
        }
        ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(keys: &[&str]) -> Vec<(String, Value)> {
        keys.iter().map(|k| ((*k).to_owned(), json!(k))).collect()
    }

    #[test]
    fn pages_continue_after_the_last_key_even_when_it_was_deleted() {
        let p = Paging::parse(Some("api-version=2022-07-31&$top=2")).unwrap();
        let (first, next) = p.page(items(&["a", "b", "c", "d", "e"]));
        assert_eq!(first, [json!("a"), json!("b")]);
        assert_eq!(next.as_deref(), Some("b"));
        // "b" deleted and "bb" added before the next request: nothing skipped, nothing twice.
        let p = Paging { top: 2, after: next };
        let (second, next) = p.page(items(&["a", "bb", "c", "d", "e"]));
        assert_eq!(second, [json!("bb"), json!("c")]);
        let p = Paging { top: 2, after: next };
        let (third, next) = p.page(items(&["a", "bb", "c", "d", "e"]));
        assert_eq!(third, [json!("d"), json!("e")]);
        assert_eq!(next, None, "the last page has no nextLink");
    }

    #[test]
    fn bad_paging_parameters_are_refused() {
        for q in [
            "$top=0",
            "$top=1001",
            "$top=x",
            "$skipToken=%%%",
            "$skipToken=",
            "$filter=x",
            "$top=1&$top=2",
        ] {
            assert!(matches!(Paging::parse(Some(q)), Err(Error::Invalid(_))), "{q}");
        }
        let token = URL_SAFE_NO_PAD.encode("k1");
        let p = Paging::parse(Some(&format!("$skipToken={token}"))).unwrap();
        assert_eq!(p.after.as_deref(), Some("k1"));
        assert_eq!(p.top, DEFAULT_TOP);
    }
}
