//! `GET/POST /{tenant}/myapps`: the apps a signed-in user authorized, with their scopes and last
//! use, and a Revoke button for each. It uses the authorize pages' session cookie (signing in
//! here starts one) and the pages' CSRF token; revoking ends the app's refresh tokens.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gatehouse_core::browser::authorized_apps::AuthorizedApp;
use gatehouse_core::browser::sign_in::normalize_upn;
use gatehouse_core::model::{Tenant, User};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::iso8601;
use maud::{html, Markup};

use super::templates::{forms, Hidden};
use super::{cookie, csrf_ok, page, problem, problem_page, redirect, with_session, Csrf, PageForm, SESSION_COOKIE};
use crate::AppState;

const TITLE: &str = "Your apps";

fn sign_in_body(csrf: &str, tenant: &Tenant) -> Markup {
    html! {
        p { "Sign in to " (tenant.display_name) " to see the apps you allowed to act for you." }
        (forms::sign_in(&Hidden::new(csrf, "signin"), ""))
    }
}

fn change_body(csrf: &str, upn: &str) -> Markup {
    forms::password_change(&Hidden::new(csrf, "change_password"), upn)
}

fn list_body(csrf: &str, user: &User, apps: &[AuthorizedApp]) -> Markup {
    let when = |t: Option<i64>| t.map(iso8601).unwrap_or_else(|| "never".into());
    html! {
        p { "Signed in as " strong { (user.user_principal_name) } "." }
        @if apps.is_empty() {
            p { "You have not authorized any apps." }
        }
        @for a in apps {
            section {
                h2 { (a.display_name) }
                p class="muted" { (a.app_id) br; "Last used: " (when(a.last_used_at)) }
                ul { @for x in &a.scopes { li { (x) } } }
                form method="post" {
                    (Hidden::new(csrf, "revoke").with("app", &a.app_id))
                    button type="submit" class="secondary" { "Revoke" }
                }
            }
        }
    }
}

/// 303 to the list (by tenant GUID: never a value taken from the request), setting the session
/// cookie when one was just started.
fn back_to_list(tenant: &Tenant, session: Option<&str>) -> Response {
    with_session(
        redirect(StatusCode::SEE_OTHER, &format!("/{}/myapps", tenant.id)),
        session,
    )
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let csrf = Csrf::of(&headers);
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let session = cookie(&headers, SESSION_COOKIE);
    let body = match s.gh.session_user(&t.id, session.as_deref()).await {
        Ok(Some(user)) => match s.gh.authorized_apps(&t, &user).await {
            Ok(apps) => Ok(list_body(csrf.token(), &user, &apps)),
            Err(e) => Err(e),
        },
        Ok(None) => Ok(sign_in_body(csrf.token(), &t)),
        Err(e) => Err(e),
    };
    match body {
        Ok(body) => page(TITLE, None, body, csrf.to_set()),
        Err(e) => problem_page(TITLE, &e, csrf.to_set()),
    }
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
    let csrf = Csrf::of(&form.headers);
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let show = |error: Option<&Error>, body: Markup| page(TITLE, error.map(problem).as_ref(), body, csrf.to_set());
    let Some(params) = form.params.as_ref().filter(|p| csrf_ok(&form.headers, p)) else {
        return show(Some(&Error::FormExpired), sign_in_body(csrf.token(), &t));
    };
    let upn = params.get("username").unwrap_or("");
    let password = params.get("password").unwrap_or("");
    let outcome = match params.get("step") {
        Some("signin") => match s.gh.check_password(&t, upn, password, form.source).await {
            Ok(user) => {
                s.gh.start_session(&t, &user)
                    .await
                    .map(|token| back_to_list(&t, Some(&token)))
            }
            Err(Error::PasswordChangeRequired) => return show(None, change_body(csrf.token(), &normalize_upn(upn))),
            Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                return show(Some(&e), sign_in_body(csrf.token(), &t))
            }
            Err(e) => Err(e),
        },
        Some("change_password") => {
            let new = params.get("new_password").unwrap_or("");
            let confirm = params.get("confirm_password").unwrap_or("");
            match s
                .gh
                .change_expired_password(&t, upn, password, new, confirm, form.source)
                .await
            {
                Ok(user) => {
                    s.gh.start_session(&t, &user)
                        .await
                        .map(|token| back_to_list(&t, Some(&token)))
                }
                Err(e @ Error::Invalid(_)) => return show(Some(&e), change_body(csrf.token(), &normalize_upn(upn))),
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    return show(Some(&e), sign_in_body(csrf.token(), &t))
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
                Ok(None) => return show(None, sign_in_body(csrf.token(), &t)),
                Err(e) => Err(e),
            }
        }
        _ => Err(Error::FormExpired),
    };
    outcome.unwrap_or_else(|e| problem_page(TITLE, &e, csrf.to_set()))
}
