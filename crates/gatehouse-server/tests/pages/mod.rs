//! What the page tests share: a router over a temporary SQLite store with one tenant, one public
//! app and one user whose display names are hostile HTML, requests sent in-process with
//! `tower::ServiceExt::oneshot` (no socket), and readers for the answers (headers, hidden
//! fields, the error box).
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::admin::tenants::NewTenant;
use gatehouse_core::admin::users::NewUser;
use gatehouse_core::admin::Admin;
use gatehouse_core::issuance::throttle::ThrottlePolicy;
use gatehouse_core::model::Tenant;
use gatehouse_core::{Gatehouse, Store};
use gatehouse_keys::{Algorithm, Kek};
use gatehouse_store::sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Text that would run as script if a page wrote it unescaped.
pub const HOSTILE: &str = "<script>alert(1)</script>";
/// How a page must show [`HOSTILE`]: as text.
pub const HOSTILE_SHOWN: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";
pub const REDIRECT: &str = "http://localhost:3000/callback";
pub const UPN: &str = "ada@contoso.com";
pub const PASSWORD: &str = "correct horse battery";
/// A PKCE S256 challenge (any well-formed one will do: no code is redeemed here).
pub const CHALLENGE: &str = "0Tr0JG3Ig9WXSpARe94ybBS9LVWyUaE_mnHvY12iZ40";

pub struct Fixture {
    pub router: Router,
    pub tenant: Tenant,
    /// The public app's appId; its display name is [`HOSTILE`].
    pub app: String,
    pub admin: Admin,
    pub dir: tempfile::TempDir,
    pub kek: Arc<Kek>,
    /// The store the router serves.
    pub store: Arc<dyn Store>,
}

impl Fixture {
    /// A tenant "contoso" displayed as "Contoso [`HOSTILE`]", a public app named [`HOSTILE`] with
    /// [`REDIRECT`], and the user [`UPN`] (display name [`HOSTILE`]).
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("gh.sqlite")).await.unwrap());
        let (kek, _) = Kek::generate().unwrap();
        let kek = Arc::new(kek);
        let admin = Admin::new(store.clone(), kek.clone()).acting(gatehouse_core::model::Actor::operator());
        let tenant = admin
            .create_tenant(NewTenant {
                name: "contoso".into(),
                display_name: Some(format!("Contoso {HOSTILE}")),
                signing_alg: Algorithm::RS256,
                token_lifetime_seconds: None,
            })
            .await
            .unwrap();
        let (app, _) = admin
            .create_app(
                &tenant,
                NewApp {
                    display_name: HOSTILE.into(),
                    public_client: true,
                    redirect_uris: vec![REDIRECT.into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let router = router_over(store.clone(), kek.clone());
        let f = Self {
            router,
            tenant,
            app: app.app_id,
            admin,
            dir,
            kek,
            store,
        };
        f.add_user(UPN, false).await;
        f
    }

    /// A user with [`PASSWORD`] and the display name [`HOSTILE`]; `must_change`: the next
    /// sign-in must choose a new password first.
    pub async fn add_user(&self, upn: &str, must_change: bool) {
        let new = NewUser {
            user_principal_name: upn.into(),
            display_name: HOSTILE.into(),
            password: PASSWORD.into(),
            account_enabled: true,
            password_change_required: must_change,
        };
        self.admin.create_user(&self.tenant, new).await.unwrap();
    }

    /// A second router over the same database opened read-only: every write fails, as when the
    /// database is unavailable.
    pub async fn read_only(&self) -> Router {
        let path = self.dir.path().join("gh.sqlite");
        let url = format!("sqlite://{}?mode=ro", path.display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_url(&url).await.unwrap());
        router_over(store, self.kek.clone())
    }

    pub async fn get(&self, uri: &str, cookies: &str) -> Answer {
        send(&self.router, Request::get(uri), cookies, Body::empty()).await
    }

    pub async fn post(&self, uri: &str, cookies: &str, form: &[(&str, &str)]) -> Answer {
        post_to(&self.router, uri, cookies, form).await
    }
}

/// An authorization request of the fixture's app (PKCE S256, `openid profile`), plus `extra`.
pub fn authorize_uri(f: &Fixture, extra: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.extend_pairs([
        ("client_id", f.app.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("state", "st-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    q.extend_pairs(extra);
    format!("/contoso/oauth2/v2.0/authorize?{}", q.finish())
}

/// Posts the authorize sign-in form of `page` as [`UPN`] with the right password.
pub async fn sign_in(f: &Fixture, page: &Answer, cookies: &str) -> Answer {
    f.post(
        "/contoso/oauth2/v2.0/authorize",
        cookies,
        &[
            ("csrf", &page.hidden("csrf")),
            ("step", "signin"),
            ("q", &page.hidden("q")),
            ("username", UPN),
            ("password", PASSWORD),
        ],
    )
    .await
}

/// Signs [`UPN`] in on the authorize page and accepts the consent: the fixture's app is then an
/// authorized app. Returns the browser's cookies (CSRF and session) and the answer to the client.
pub async fn authorize_app(f: &Fixture) -> (String, Answer) {
    let page = f.get(&authorize_uri(f, &[]), "").await;
    let cookies = page.cookies();
    let consent = sign_in(f, &page, &cookies).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let cookies = format!("{cookies}; {}", consent.cookies());
    let form = [
        ("csrf", consent.hidden("csrf")),
        ("step", "consent".into()),
        ("q", consent.hidden("q")),
        ("decision", "approve".into()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = f.post("/contoso/oauth2/v2.0/authorize", &cookies, &pairs).await;
    (cookies, answer)
}

/// A confidential application of `tenant` (with its service principal) and a new secret's text.
pub async fn confidential_app(
    f: &Fixture,
    tenant: &Tenant,
    name: &str,
) -> (
    gatehouse_core::model::Application,
    gatehouse_core::model::ServicePrincipal,
    String,
) {
    let (app, sp) = f
        .admin
        .create_app(
            tenant,
            NewApp {
                display_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let secret = f.admin.add_secret(tenant, &app, None, None).await.unwrap();
    (app, sp, secret.text)
}

/// An access token from the router's own v2 token endpoint (client credentials).
pub async fn client_token(f: &Fixture, tenant: &str, client_id: &str, secret: &str, scope: &str) -> String {
    let a = f
        .post(
            &format!("/{tenant}/oauth2/v2.0/token"),
            "",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", scope),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

fn router_over(store: Arc<dyn Store>, kek: Arc<Kek>) -> Router {
    let gh = Gatehouse::new(store, kek, "https://127.0.0.1:8443", ThrottlePolicy::default());
    gatehouse_server::router(Arc::new(gh)).expect("the router")
}

pub async fn post_to(router: &Router, uri: &str, cookies: &str, form: &[(&str, &str)]) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let req = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    send(router, req, cookies, Body::from(body)).await
}

async fn send(router: &Router, req: axum::http::request::Builder, cookies: &str, body: Body) -> Answer {
    let req = if cookies.is_empty() {
        req
    } else {
        req.header(header::COOKIE, cookies)
    };
    let r = router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// The cookies the answer sets, as a `Cookie` header value (name=value; ...).
    pub fn cookies(&self) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The full `Set-Cookie` line of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the hidden field `name`, unescaped.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!(r#"type="hidden" name="{name}" value=""#);
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden {name} in {}", self.body))
            + marker.len();
        let raw = self.body[start..].split('"').next().unwrap();
        raw.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    /// The text of the error box, if the page shows one.
    pub fn error_box(&self) -> Option<&str> {
        let marker = r#"<p class="error" role="alert">"#;
        let start = self.body.find(marker)? + marker.len();
        self.body[start..].split("</p>").next()
    }

    /// The page is HTML with every security header a page must carry.
    pub fn assert_page_headers(&self) {
        assert_eq!(self.header("content-type"), "text/html; charset=utf-8");
        let csp = self.header("content-security-policy");
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "CSP lacks {part}: {csp}");
        }
        assert_eq!(self.header("x-frame-options"), "DENY");
        assert_eq!(self.header("cache-control"), "no-store");
        assert_eq!(self.header("x-content-type-options"), "nosniff");
        assert_eq!(self.header("referrer-policy"), "no-referrer");
    }

    /// No byte of [`HOSTILE`] reached the page as markup, and it is shown as text.
    pub fn assert_hostile_is_text(&self) {
        assert!(
            self.body.contains(HOSTILE_SHOWN),
            "hostile value not shown as text: {}",
            self.body
        );
        assert!(
            !self.body.contains("<script>alert"),
            "hostile value written as markup: {}",
            self.body
        );
    }
}

/// Sends a request built by the caller (any method and headers) with a text body.
pub async fn send_with(router: &Router, req: axum::http::request::Builder, body: &str) -> Answer {
    send(router, req, "", Body::from(body.to_owned())).await
}
