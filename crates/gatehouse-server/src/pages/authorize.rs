//! The authorization endpoint's pages, `GET/POST /{tenant}/oauth2/v2.0/authorize`:
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
use gatehouse_core::authorize::flow::{Outcome, Step, SESSION_LIFETIME};
use gatehouse_core::authorize::{redirect_uri, AuthResponse, AuthorizeError, ResponseMode, ValidRequest};
use gatehouse_core::model::User;
use gatehouse_core::{secret, Error};

use super::{change_password_form, cookie, csrf_ok, csrf_token, esc, html, layout, PageForm};
use crate::router::AppState;

pub(crate) const SESSION_COOKIE: &str = "__Host-gh-session";
const AUTO_SUBMIT: &str = "document.forms[0].submit();";

fn error_box(e: Option<&Error>) -> String {
    e.map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, esc(&e.wire().text)))
        .unwrap_or_default()
}

fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.wire().status).unwrap_or(StatusCode::BAD_REQUEST)
}

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

fn sign_in_form(csrf: &str, req: &ValidRequest, upn: &str, error: Option<&Error>) -> String {
    format!(
        r#"{err}<p><strong>{app}</strong> wants you to sign in to {tenant}.</p>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="signin">
<input type="hidden" name="q" value="{q}">
<label for="username">User principal name</label>
<input type="text" id="username" name="username" value="{upn}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form>"#,
        err = error_box(error),
        app = esc(&req.client.app.display_name),
        tenant = esc(&req.tenant.display_name),
        csrf = esc(csrf),
        q = esc(&req.raw),
        upn = esc(upn),
    )
}

fn consent_form(csrf: &str, req: &ValidRequest, upn: &str, scopes: &[String]) -> String {
    let items: String = scopes.iter().map(|s| format!("<li>{}</li>", esc(s))).collect();
    format!(
        r#"<p>Signed in as <strong>{upn}</strong>.</p>
<p><strong>{app}</strong> wants to access <strong>{res}</strong> in {tenant} on your behalf:</p><ul>{items}</ul>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="consent">
<input type="hidden" name="q" value="{q}">
<button type="submit" name="decision" value="approve">Accept</button>
<button type="submit" name="decision" value="decline" class="secondary">Cancel</button></form>
<p class="muted">Accepting lets the app act as you until you revoke its access. It is sent back to {uri}.</p>"#,
        upn = esc(upn),
        app = esc(&req.client.app.display_name),
        res = esc(&req.scope.resource),
        tenant = esc(&req.tenant.display_name),
        csrf = esc(csrf),
        q = esc(&req.raw),
        uri = esc(&req.redirect.uri),
    )
}

fn pick_account_form(csrf: &str, req: &ValidRequest, user: &User) -> String {
    format!(
        r#"<p><strong>{app}</strong> wants you to pick an account of {tenant}.</p>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="pick_account">
<input type="hidden" name="q" value="{q}">
<button type="submit" name="account" value="current">Continue as {upn}</button>
<button type="submit" name="account" value="other" class="secondary">Use another account</button></form>
<p class="muted">Signed in as {name} ({upn}).</p>"#,
        app = esc(&req.client.app.display_name),
        tenant = esc(&req.tenant.display_name),
        csrf = esc(csrf),
        q = esc(&req.raw),
        upn = esc(&user.user_principal_name),
        name = esc(&user.display_name),
    )
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
            let mut r = html(status, String::new(), None);
            if let Ok(v) = HeaderValue::from_str(&a.location()) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            with_csp(r, &csp(&a.redirect.uri, false))
        }
        ResponseMode::FormPost => {
            let fields: String = a
                .params
                .iter()
                .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(k), esc(v)))
                .collect();
            let body = format!(
                r#"<form method="post" action="{uri}">{fields}<p>Sending you back to the application.</p><button type="submit">Continue</button></form><script>{AUTO_SUBMIT}</script>"#,
                uri = esc(&a.redirect.uri),
            );
            with_csp(
                html(StatusCode::OK, layout("Signing you in", &body), None),
                &csp(&a.redirect.uri, true),
            )
        }
    }
}

/// Renders an outcome (page or answer), setting the CSRF and session cookies as needed.
fn render(result: Result<Outcome, AuthorizeError>, headers: &HeaderMap, after_post: bool) -> Response {
    let (csrf, new) = csrf_token(headers);
    let set = new.then_some(csrf.as_str());
    let (mut response, session) = match result {
        Err(AuthorizeError::Page(e)) => (
            html(status_of(&e), layout("Sign-in problem", &error_box(Some(&e))), set),
            None,
        ),
        Err(AuthorizeError::Redirect(a)) => (respond(&a, after_post), None),
        Ok(Outcome { step, new_session }) => {
            let r = match step {
                Step::SignIn { req, upn, error } => {
                    let status = error.as_ref().map(status_of).unwrap_or(StatusCode::OK);
                    let page = layout("Sign in", &sign_in_form(&csrf, &req, &upn, error.as_ref()));
                    with_csp(html(status, page, set), &csp(&req.redirect.uri, false))
                }
                Step::ChangePassword { req, upn, error } => {
                    let status = error.as_ref().map(status_of).unwrap_or(StatusCode::OK);
                    let hidden = format!(
                        r#"<input type="hidden" name="csrf" value="{}"><input type="hidden" name="step" value="change_password"><input type="hidden" name="q" value="{}">"#,
                        esc(&csrf),
                        esc(&req.raw),
                    );
                    let body = format!("{}{}", error_box(error.as_ref()), change_password_form(&hidden, &upn));
                    let page = layout("Update your password", &body);
                    with_csp(html(status, page, set), &csp(&req.redirect.uri, false))
                }
                Step::PickAccount { req, user } => {
                    let page = layout("Pick an account", &pick_account_form(&csrf, &req, &user));
                    with_csp(html(StatusCode::OK, page, set), &csp(&req.redirect.uri, false))
                }
                Step::Consent { req, user, scopes } => {
                    let page = layout(
                        "Permissions requested",
                        &consent_form(&csrf, &req, &user.user_principal_name, &scopes),
                    );
                    with_csp(html(StatusCode::OK, page, set), &csp(&req.redirect.uri, false))
                }
                Step::Respond(a) => respond(&a, after_post),
            };
            (r, new_session)
        }
    };
    if let Some(token) = session {
        let c = format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={SESSION_LIFETIME}");
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

pub async fn show(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let session = cookie(&headers, SESSION_COOKIE);
    let result =
        s.gh.authorize(&tenant, query.as_deref().unwrap_or(""), session.as_deref())
            .await;
    render(result, &headers, false)
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
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
            s.gh.authorize(&tenant, &raw, session.as_deref()).await
        }
    };
    render(result, headers, true)
}
