//! `GET/POST /{tenant}/myapps`: the apps a signed-in user authorized, with their scopes and last
//! use, and a Revoke button for each. It uses the authorize pages' session cookie (signing in
//! here starts one) and the pages' CSRF token; revoking ends the app's refresh tokens.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use gatehouse_core::authorize::flow::SESSION_LIFETIME;
use gatehouse_core::model::{Tenant, User};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::iso8601;

use super::authorize::SESSION_COOKIE;
use super::{change_password_form, cookie, csrf_ok, csrf_token, esc, html, layout, PageForm};
use crate::router::AppState;

const TITLE: &str = "Your apps";

fn error_box(e: &Error) -> String {
    format!(r#"<p class="error" role="alert">{}</p>"#, esc(&e.wire().text))
}

fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.wire().status).unwrap_or(StatusCode::BAD_REQUEST)
}

fn sign_in_form(csrf: &str, tenant: &Tenant, error: Option<&Error>) -> String {
    format!(
        r#"{err}<p>Sign in to {tenant} to see the apps you allowed to act for you.</p>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="signin">
<label for="username">User principal name</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form>"#,
        err = error.map(error_box).unwrap_or_default(),
        tenant = esc(&tenant.display_name),
        csrf = esc(csrf),
    )
}

fn change_form(csrf: &str, upn: &str, error: Option<&Error>) -> String {
    let hidden = format!(
        r#"<input type="hidden" name="csrf" value="{}"><input type="hidden" name="step" value="change_password">"#,
        esc(csrf)
    );
    format!(
        "{}{}",
        error.map(error_box).unwrap_or_default(),
        change_password_form(&hidden, upn)
    )
}

async fn list(s: &AppState, csrf: &str, tenant: &Tenant, user: &User) -> Result<String, Error> {
    let apps = s.gh.authorized_apps(tenant, user).await?;
    let when = |t: Option<i64>| t.map(iso8601).unwrap_or_else(|| "never".into());
    let items: String = apps
        .iter()
        .map(|a| {
            let scopes: String = a.scopes.iter().map(|x| format!("<li>{}</li>", esc(x))).collect();
            format!(
                r#"<section><h2>{name}</h2><p class="muted">{id}<br>Last used: {used}</p><ul>{scopes}</ul>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="revoke">
<input type="hidden" name="app" value="{id}"><button type="submit" class="secondary">Revoke</button></form></section>"#,
                name = esc(&a.display_name),
                id = esc(&a.app_id),
                used = esc(&when(a.last_used_at)),
                csrf = esc(csrf),
            )
        })
        .collect();
    let body = if apps.is_empty() {
        "<p>You have not authorized any apps.</p>".to_owned()
    } else {
        items
    };
    Ok(format!(
        "<p>Signed in as <strong>{}</strong>.</p>{body}",
        esc(&user.user_principal_name)
    ))
}

/// 303 to the list (by tenant GUID: never a value taken from the request).
fn back_to_list(tenant: &Tenant, session: Option<&str>) -> Response {
    let mut r = html(StatusCode::SEE_OTHER, String::new(), None);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("/{}/myapps", tenant.id)) {
        h.insert(header::LOCATION, v);
    }
    if let Some(token) = session {
        let c = format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={SESSION_LIFETIME}");
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    r
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let (csrf, new) = csrf_token(&headers);
    let set = new.then_some(csrf.as_str());
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return html(status_of(&e), layout(TITLE, &error_box(&e)), set),
    };
    let session = cookie(&headers, SESSION_COOKIE);
    let page = match s.gh.session_user(&t.id, session.as_deref()).await {
        Ok(Some(user)) => list(&s, &csrf, &t, &user).await,
        Ok(None) => Ok(sign_in_form(&csrf, &t, None)),
        Err(e) => Err(e),
    };
    match page {
        Ok(body) => html(StatusCode::OK, layout(TITLE, &body), set),
        Err(e) => html(status_of(&e), layout(TITLE, &error_box(&e)), set),
    }
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
    let (csrf, new) = csrf_token(&form.headers);
    let set = new.then_some(csrf.as_str());
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return html(status_of(&e), layout(TITLE, &error_box(&e)), set),
    };
    let Some(params) = form.params.as_ref().filter(|p| csrf_ok(&form.headers, p)) else {
        let e = Error::FormExpired;
        return html(status_of(&e), layout(TITLE, &sign_in_form(&csrf, &t, Some(&e))), set);
    };
    let outcome = match params.get("step") {
        Some("signin") => {
            let upn = params.get("username").unwrap_or("");
            let password = params.get("password").unwrap_or("");
            match s.gh.check_password(&t, upn, password, form.source).await {
                Ok(user) => {
                    s.gh.start_session(&t, &user)
                        .await
                        .map(|token| back_to_list(&t, Some(&token)))
                }
                Err(Error::PasswordChangeRequired) => {
                    let upn = gatehouse_core::sign_in::normalize_upn(upn);
                    return html(StatusCode::OK, layout(TITLE, &change_form(&csrf, &upn, None)), set);
                }
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    return html(status_of(&e), layout(TITLE, &sign_in_form(&csrf, &t, Some(&e))), set)
                }
                Err(e) => Err(e),
            }
        }
        Some("change_password") => {
            let upn = params.get("username").unwrap_or("");
            let current = params.get("password").unwrap_or("");
            let new = params.get("new_password").unwrap_or("");
            let confirm = params.get("confirm_password").unwrap_or("");
            match s
                .gh
                .change_expired_password(&t, upn, current, new, confirm, form.source)
                .await
            {
                Ok(user) => {
                    s.gh.start_session(&t, &user)
                        .await
                        .map(|token| back_to_list(&t, Some(&token)))
                }
                Err(e @ Error::Invalid(_)) => {
                    let upn = gatehouse_core::sign_in::normalize_upn(upn);
                    return html(status_of(&e), layout(TITLE, &change_form(&csrf, &upn, Some(&e))), set);
                }
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    return html(status_of(&e), layout(TITLE, &sign_in_form(&csrf, &t, Some(&e))), set)
                }
                Err(e) => Err(e),
            }
        }
        Some("revoke") => {
            let session = cookie(&form.headers, SESSION_COOKIE);
            match s.gh.session_user(&t.id, session.as_deref()).await {
                Ok(Some(user)) => {
                    let app = params.get("app").unwrap_or("");
                    s.gh.revoke_authorized_app(&t, &user, app)
                        .await
                        .map(|_| back_to_list(&t, None))
                }
                Ok(None) => return html(StatusCode::OK, layout(TITLE, &sign_in_form(&csrf, &t, None)), set),
                Err(e) => Err(e),
            }
        }
        _ => Err(Error::FormExpired),
    };
    outcome.unwrap_or_else(|e| html(status_of(&e), layout(TITLE, &error_box(&e)), set))
}
