//! Graph's list options: `$filter` (a small OData subset), `$top`, and paging with an absolute
//! `@odata.nextLink` carrying `$skiptoken` (an offset). The filter grammar:
//!
//! ```text
//! filter := clause ( "and" clause )*
//! clause := PROP "eq" VALUE
//!         | "startswith(" PROP "," STRING ")"
//!         | PROP "/any(" VAR ":" VAR "eq" STRING ")"        (list properties)
//! VALUE  := STRING ('it''s': a doubled quote) | true | false
//! ```
//!
//! Properties are those a family allows (displayName, appId, userPrincipalName, ...); strings
//! compare case-insensitively, as Graph does for these properties. Anything else is a
//! `Request_UnsupportedQuery` answer.

use axum::http::Uri;
use gatehouse_core::Error;
use serde_json::{json, Value};

/// Default and largest page sizes (Graph's: 100 and 999).
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 999;
/// Longest `$filter` accepted.
const MAX_FILTER: usize = 2048;

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Clause {
    Eq(String, Literal),
    StartsWith(String, String),
    AnyEq(String, String),
}

/// A parsed `$filter`: clauses joined by `and`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter(Vec<Clause>);

fn unsupported(why: impl Into<String>) -> Error {
    Error::UnsupportedQuery(why.into())
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn done(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.s.len()
    }

    /// A name: letters, digits, `_`, `.`.
    fn ident(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        self.pos += n;
        Some(&rest[..n])
    }

    fn punct(&mut self, p: &str) -> bool {
        self.skip_ws();
        if self.s[self.pos..].starts_with(p) {
            self.pos += p.len();
            true
        } else {
            false
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        self.skip_ws();
        if !self.punct("'") {
            return Err(unsupported("A string literal in single quotes was expected."));
        }
        let mut out = String::new();
        let mut chars = self.s[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if self.s[self.pos + i + 1..].starts_with('\'') {
                    out.push('\'');
                    chars.next();
                    continue;
                }
                self.pos += i + 1;
                return Ok(out);
            }
            out.push(c);
        }
        Err(unsupported("A string literal is not closed."))
    }

    fn literal(&mut self) -> Result<Literal, Error> {
        self.skip_ws();
        if self.s[self.pos..].starts_with('\'') {
            return self.string().map(Literal::Str);
        }
        match self.ident() {
            Some("true") => Ok(Literal::Bool(true)),
            Some("false") => Ok(Literal::Bool(false)),
            _ => Err(unsupported("Only string, true and false literals are supported.")),
        }
    }
}

impl Filter {
    /// Parses `text`, allowing only the properties in `props` (and `lists` for `/any`).
    pub fn parse(text: &str, props: &[&str], lists: &[&str]) -> Result<Self, Error> {
        if text.len() > MAX_FILTER {
            return Err(unsupported("The filter is too long."));
        }
        let known = |p: &str, set: &[&str]| -> Result<String, Error> {
            set.iter()
                .find(|k| k.eq_ignore_ascii_case(p))
                .map(|k| k.to_string())
                .ok_or_else(|| {
                    unsupported(format!(
                        "Filtering on property '{}' is not supported.",
                        p.chars().take(64).collect::<String>()
                    ))
                })
        };
        let mut lx = Lexer { s: text, pos: 0 };
        let mut clauses = Vec::new();
        loop {
            let word = lx
                .ident()
                .ok_or_else(|| unsupported("A property or function was expected."))?;
            if word.eq_ignore_ascii_case("startswith") && lx.punct("(") {
                let prop = lx.ident().ok_or_else(|| unsupported("startswith needs a property."))?;
                let prop = known(prop, props)?;
                if !lx.punct(",") {
                    return Err(unsupported("startswith takes a property and a string."));
                }
                let value = lx.string()?;
                if !lx.punct(")") {
                    return Err(unsupported("startswith is not closed."));
                }
                clauses.push(Clause::StartsWith(prop, value));
            } else if lx.punct("/any(") {
                let prop = known(word, lists)?;
                let var = lx
                    .ident()
                    .ok_or_else(|| unsupported("any() needs a variable."))?
                    .to_owned();
                if !lx.punct(":")
                    || lx.ident() != Some(var.as_str())
                    || !lx.ident().is_some_and(|w| w.eq_ignore_ascii_case("eq"))
                {
                    return Err(unsupported("Only any(x:x eq 'value') is supported."));
                }
                let value = lx.string()?;
                if !lx.punct(")") {
                    return Err(unsupported("any() is not closed."));
                }
                clauses.push(Clause::AnyEq(prop, value));
            } else {
                let prop = known(word, props)?;
                match lx.ident() {
                    Some(op) if op.eq_ignore_ascii_case("eq") => {}
                    _ => return Err(unsupported("Only the eq operator and startswith are supported.")),
                }
                clauses.push(Clause::Eq(prop, lx.literal()?));
            }
            if lx.done() {
                break;
            }
            match lx.ident() {
                Some(w) if w.eq_ignore_ascii_case("and") => {}
                _ => return Err(unsupported("Clauses may only be joined with 'and'.")),
            }
        }
        Ok(Self(clauses))
    }

    /// Whether the Graph JSON object `v` passes.
    pub fn matches(&self, v: &Value) -> bool {
        self.0.iter().all(|c| match c {
            Clause::Eq(p, Literal::Str(s)) => v[p].as_str().is_some_and(|x| x.eq_ignore_ascii_case(s)),
            Clause::Eq(p, Literal::Bool(b)) => v[p].as_bool() == Some(*b),
            Clause::StartsWith(p, s) => v[p]
                .as_str()
                .is_some_and(|x| x.to_lowercase().starts_with(&s.to_lowercase())),
            Clause::AnyEq(p, s) => v[p]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(s)))),
        })
    }
}

/// The list options of a request.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub top: usize,
    pub skip: usize,
}

impl ListQuery {
    pub fn parse(uri: &Uri, props: &[&str], lists: &[&str]) -> Result<Self, Error> {
        let mut q = Self {
            top: DEFAULT_PAGE,
            ..Self::default()
        };
        let mut seen = Vec::new();
        for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if seen.contains(&k) {
                return Err(unsupported(format!(
                    "The query option '{}' is repeated.",
                    k.chars().take(32).collect::<String>()
                )));
            }
            seen.push(k.clone());
            match k.as_ref() {
                "$filter" => q.filter = Some(Filter::parse(&v, props, lists)?),
                "$top" => {
                    q.top = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE).contains(n))
                        .ok_or_else(|| unsupported(format!("$top must be a whole number from 1 to {MAX_PAGE}.")))?
                }
                "$skiptoken" => q.skip = v.parse().map_err(|_| unsupported("The $skiptoken is not valid."))?,
                // Accepted and ignored: every property is always returned.
                "$select" | "$count" => {}
                other => {
                    return Err(unsupported(format!(
                        "The query option '{}' is not supported.",
                        other.chars().take(32).collect::<String>()
                    )))
                }
            }
        }
        Ok(q)
    }

    /// One page of `items` (already in the family's Graph JSON) as `{"value": [...]}`, with an
    /// absolute `@odata.nextLink` when more follow.
    pub fn page(&self, items: Vec<Value>, base_url: &str, uri: &Uri) -> Value {
        let matching: Vec<Value> = items
            .into_iter()
            .filter(|v| self.filter.as_ref().is_none_or(|f| f.matches(v)))
            .collect();
        let total = matching.len();
        let page: Vec<Value> = matching.into_iter().skip(self.skip).take(self.top).collect();
        let mut out = json!({ "value": page });
        let next = self.skip + self.top;
        if next < total {
            let mut qs = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
                if k != "$skiptoken" {
                    qs.append_pair(&k, &v);
                }
            }
            qs.append_pair("$skiptoken", &next.to_string());
            out["@odata.nextLink"] = json!(format!(
                "{}{}?{}",
                base_url.trim_end_matches('/'),
                uri.path(),
                qs.finish()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[&str] = &["displayName", "appId", "accountEnabled"];
    const L: &[&str] = &["servicePrincipalNames"];

    #[test]
    fn filters_parse_and_match() {
        let v = json!({"displayName": "It's Mine", "appId": "A1", "accountEnabled": true, "servicePrincipalNames": ["A1", "api://x"]});
        for (f, want) in [
            ("displayName eq 'it''s mine'", true),
            ("startswith(displayName,'it')", true),
            ("startswith(displayName, 'x')", false),
            ("appId eq 'a1' and accountEnabled eq true", true),
            ("accountEnabled eq false", false),
            ("servicePrincipalNames/any(c:c eq 'api://x')", true),
        ] {
            assert_eq!(Filter::parse(f, P, L).unwrap().matches(&v), want, "{f}");
        }
    }

    #[test]
    fn what_is_not_supported_is_refused() {
        for f in [
            "",
            "displayName ne 'x'",
            "mail eq 'x'",
            "displayName eq 'x' or appId eq 'y'",
            "displayName eq 'open",
            "startswith(displayName,'x'",
            "displayName eq 3",
            "appId/any(c:c eq 'x')",
            "servicePrincipalNames/any(c:d eq 'x')",
            "displayName eq 'x' trailing",
        ] {
            assert!(matches!(Filter::parse(f, P, L), Err(Error::UnsupportedQuery(_))), "{f}");
        }
    }

    #[test]
    fn the_parser_never_panics_on_any_prefix_or_odd_text() {
        let samples = [
            "startswith(displayName,'héllo wörld') and appId eq 'x''y' and servicePrincipalNames/any(c:c eq '日本')",
            "displayName eq '",
            "'''''''",
            "startswith(startswith(displayName,'a'),'b')",
            "/any(",
            "x/any(c:c eq 'a'",
            "\u{0}\u{7f} eq 'é'",
            "displayName eq 'a' and",
            "and and and",
        ];
        for text in samples {
            for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let _ = Filter::parse(&text[..i], P, L);
            }
        }
        let long = "displayName eq 'x' and ".repeat(200);
        assert!(Filter::parse(&long, P, L).is_err());
    }

    #[test]
    fn pages_link_absolutely() {
        let uri: Uri = "/graph/v1.0/users?$top=2&$filter=startswith(displayName,'a')"
            .parse()
            .unwrap();
        let q = ListQuery::parse(&uri, &["displayName"], &[]).unwrap();
        let items = (0..5).map(|i| json!({"displayName": format!("a{i}")})).collect();
        let p = q.page(items, "https://h:1", &uri);
        assert_eq!(p["value"].as_array().unwrap().len(), 2);
        let next = p["@odata.nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://h:1/graph/v1.0/users?"), "{next}");
        let uri: Uri = next.trim_start_matches("https://h:1").parse().unwrap();
        let q = ListQuery::parse(&uri, &["displayName"], &[]).unwrap();
        assert_eq!((q.skip, q.top), (2, 2));
        let items: Vec<Value> = (0..5).map(|i| json!({"displayName": format!("a{i}")})).collect();
        let last = ListQuery { skip: 4, ..q }.page(items, "https://h:1", &uri);
        assert!(last.get("@odata.nextLink").is_none());
        assert!(ListQuery::parse(&"/x?$top=0".parse().unwrap(), &[], &[]).is_err());
        assert!(ListQuery::parse(&"/x?$orderby=x".parse().unwrap(), &[], &[]).is_err());
    }
}
