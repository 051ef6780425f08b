//! The authorization endpoint's pages, `GET/POST /{tenant}/oauth2/v2.0/authorize` and the v1
//! `/{tenant}/oauth2/authorize` (`resource=`; its request is rewritten into the v2 one by
//! `gatehouse_core::browser::authorize::v1`, and the pages then carry the v2 request):
//!
//! - a GET (or a POST without `step`) is an authorization request: with a signed-in session
//!   (cookie `__Host-gh-session`, HttpOnly, Secure, SameSite=Lax) and consent already given it
//!   answers the client at once; otherwise it shows the sign-in or consent page;
//! - `prompt=select_account` with a signed-in session shows an account picker: continue as that
//!   user, or use another account (the sign-in page);
//! - `step=signin` (user principal name, password), `step=pick_account` (`account=current` or
//!   `other`) and `step=consent` (approve or decline) are the pages' own forms, CSRF-checked like the device page, carrying the original request in
//!   the hidden field `q` (checked again on every post).
//!
//! Answers go to the checked redirect URI as a 302/303 (`response_mode=query`) or an
//! auto-submitting form (`form_post`) with a visible button for browsers without JavaScript.
//! Problems found before the redirect URI is trusted are shown here, never redirected. The CSP is
//! the device page's, with the redirect URI's origin added to `form-action` (browsers apply it to
//! the redirect that follows a form post).

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::{engine::general_purpose::STANDARD, Engine};
use gatehouse_core::browser::authorize::flow::{Outcome, Step};
use gatehouse_core::browser::authorize::{redirect_uri, AuthResponse, AuthorizeError, ResponseMode, ValidRequest};
use gatehouse_core::{secret, Error};
use maud::{html, Markup, PreEscaped};

use super::templates::forms::{self, AccountPicker, Asks, Consent};
use super::templates::Hidden;
use super::{cookie, csrf_ok, page, problem, problem_page, redirect, with_session, Csrf, PageForm, SESSION_COOKIE};
use crate::AppState;

/// The form_post page's only script; the CSP allows exactly this text by its hash.
pub const AUTO_SUBMIT: &str = "document.forms[0].submit();";

/// The page CSP with the client's origin allowed as a form target (and the auto-submit script).
fn csp(redirect: &str, script: bool) -> String {
    let origin = redirect_uri::csp_origin(redirect).unwrap_or_default();
    let script_src = if script {
        format!(
            " script-src 'sha256-{}';",
            STANDARD.encode(secret::sha256(AUTO_SUBMIT.as_bytes()))
        )
    } else {
        String::new()
    };
    format!(
        "default-src 'none'; style-src 'self' 'unsafe-inline';{script_src} form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
    )
}

fn with_csp(mut r: Response, csp: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// The hidden fields of this page's forms: CSRF, step, and the original request (`q`).
fn hidden<'a>(csrf: &'a str, step: &'a str, req: &'a ValidRequest) -> Hidden<'a> {
    Hidden::new(csrf, step).with("q", &req.raw)
}

fn sign_in_body(csrf: &str, req: &ValidRequest, upn: &str) -> Markup {
    html! {
        p { strong { (req.client.app.display_name) } " wants you to sign in to " (req.tenant.display_name) "." }
        (forms::sign_in(&hidden(csrf, "signin", req), upn))
    }
}

fn consent_body(csrf: &str, req: &ValidRequest, upn: &str, scopes: &[String]) -> Markup {
    let note = format!(
        "Accepting lets the app act as you until you revoke its access. It is sent back to {}.",
        req.redirect.uri
    );
    html! {
        (Consent {
            hidden: hidden(csrf, "consent", req),
            upn,
            asks: Asks {
                app: &req.client.app.display_name,
                resource: &req.scope.resource,
                tenant: &req.tenant.display_name,
                scopes,
            },
            approve: "Accept",
            decline: "Cancel",
            note: &note,
        })
    }
}

/// The form_post answer: the parameters as hidden fields, posted by the one hashed script, with
/// a visible button for browsers without JavaScript.
fn form_post_body(a: &AuthResponse) -> Markup {
    html! {
        form method="post" action=(a.redirect.uri) {
            @for (k, v) in &crate::dialect::oauth::authorization_params(a) {
                input type="hidden" name=(k) value=(v);
            }
            p { "Sending you back to the application." }
            button type="submit" { "Continue" }
        }
        script { (PreEscaped(AUTO_SUBMIT)) }
    }
}

/// The answer to the client: a redirect, or an auto-submitting form.
fn respond(a: &AuthResponse, after_post: bool) -> Response {
    match a.redirect.mode {
        ResponseMode::Query => {
            let status = if after_post {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FOUND
            };
            with_csp(
                redirect(status, &crate::dialect::oauth::authorization_location(a)),
                &csp(&a.redirect.uri, false),
            )
        }
        ResponseMode::FormPost => with_csp(
            page("Signing you in", None, form_post_body(a), None),
            &csp(&a.redirect.uri, true),
        ),
    }
}

/// Renders an outcome (page or answer), setting the CSRF and session cookies as needed.
fn render(result: Result<Outcome, AuthorizeError>, headers: &HeaderMap, after_post: bool) -> Response {
    let csrf = Csrf::of(headers);
    let (token, set) = (csrf.token(), csrf.to_set());
    let (response, session) = match result {
        Err(AuthorizeError::Page(e)) => (problem_page("Sign-in problem", &e, set), None),
        Err(AuthorizeError::Redirect(a)) => (respond(&a, after_post), None),
        Ok(Outcome { step, new_session }) => {
            let (title, error, body, req) = match step {
                Step::SignIn { req, upn, error } => ("Sign in", error, sign_in_body(token, &req, &upn), req),
                Step::ChangePassword { req, upn, error } => (
                    "Update your password",
                    error,
                    forms::password_change(&hidden(token, "change_password", &req), &upn),
                    req,
                ),
                Step::PickAccount { req, user } => {
                    let picker = AccountPicker {
                        hidden: hidden(token, "pick_account", &req),
                        app: &req.client.app.display_name,
                        tenant: &req.tenant.display_name,
                        upn: &user.user_principal_name,
                        name: &user.display_name,
                    };
                    ("Pick an account", None, html! { (picker) }, req)
                }
                Step::Consent { req, user, scopes } => (
                    "Permissions requested",
                    None,
                    consent_body(token, &req, &user.user_principal_name, &scopes),
                    req,
                ),
                Step::Respond(a) => return with_session(respond(&a, after_post), new_session.as_deref()),
            };
            let shown = page(title, error.as_ref().map(problem).as_ref(), body, set);
            (with_csp(shown, &csp(&req.redirect.uri, false)), new_session)
        }
    };
    with_session(response, session.as_deref())
}

/// Which authorization endpoint a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    V2,
    V1,
}

/// A new authorization request (not one of the pages' own forms) at `endpoint`.
async fn start(
    s: &AppState,
    tenant: &str,
    raw: &str,
    session: Option<&str>,
    endpoint: Endpoint,
) -> Result<Outcome, AuthorizeError> {
    match endpoint {
        Endpoint::V2 => s.gh.authorize(tenant, raw, session).await,
        Endpoint::V1 => s.gh.authorize_v1(tenant, raw, session).await,
    }
}

pub async fn show(state: State<AppState>, tenant: Path<String>, query: RawQuery, headers: HeaderMap) -> Response {
    show_at(state, tenant, query, headers, Endpoint::V2).await
}

pub async fn show_v1(state: State<AppState>, tenant: Path<String>, query: RawQuery, headers: HeaderMap) -> Response {
    show_at(state, tenant, query, headers, Endpoint::V1).await
}

pub async fn submit(state: State<AppState>, tenant: Path<String>, form: PageForm) -> Response {
    submit_at(state, tenant, form, Endpoint::V2).await
}

pub async fn submit_v1(state: State<AppState>, tenant: Path<String>, form: PageForm) -> Response {
    submit_at(state, tenant, form, Endpoint::V1).await
}

async fn show_at(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    endpoint: Endpoint,
) -> Response {
    let session = cookie(&headers, SESSION_COOKIE);
    let result = start(
        &s,
        &tenant,
        query.as_deref().unwrap_or(""),
        session.as_deref(),
        endpoint,
    )
    .await;
    render(result, &headers, false)
}

async fn submit_at(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: PageForm,
    endpoint: Endpoint,
) -> Response {
    let headers = &form.headers;
    let session = cookie(headers, SESSION_COOKIE);
    let Some(params) = form.params.as_ref() else {
        return render(Err(AuthorizeError::Page(Error::ContentType)), headers, true);
    };
    let step = params.get("step");
    if step.is_some() && !csrf_ok(headers, params) {
        return render(Err(AuthorizeError::Page(Error::FormExpired)), headers, true);
    }
    let q = params.get("q").unwrap_or("");
    let result = match step {
        Some("signin") => {
            let upn = params.get("username").unwrap_or("");
            let password = params.get("password").unwrap_or("");
            s.gh.authorize_sign_in(&tenant, q, upn, password, form.source).await
        }
        Some("change_password") => {
            let upn = params.get("username").unwrap_or("");
            let current = params.get("password").unwrap_or("");
            let new = params.get("new_password").unwrap_or("");
            let confirm = params.get("confirm_password").unwrap_or("");
            s.gh.authorize_change_password(&tenant, q, upn, current, new, confirm, form.source)
                .await
        }
        Some("pick_account") => {
            let keep = params.get("account") == Some("current");
            s.gh.authorize_pick_account(&tenant, q, session.as_deref(), keep).await
        }
        Some("consent") => {
            let approve = params.get("decision") == Some("approve");
            s.gh.authorize_consent(&tenant, q, session.as_deref(), approve).await
        }
        Some(_) => Err(AuthorizeError::Page(Error::FormExpired)),
        // An authorization request sent as a form post (OpenID Connect Core 3.1.2.1).
        None => {
            let raw: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter())
                .finish();
            start(&s, &tenant, &raw, session.as_deref(), endpoint).await
        }
    };
    render(result, headers, true)
}
