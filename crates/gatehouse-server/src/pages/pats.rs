//! `GET/POST /{tenant}/mypats`: a signed-in user's personal access tokens: the list (name,
//! scopes, expiry, last use), a form to create one (name, scopes, days) whose answer shows the
//! token this once with a copy button (the page works without JavaScript: the token is in a
//! read-only field to select and copy; the button is one hashed script the CSP allows on that
//! answer only), and Revoke with a confirmation step. The authorize pages' session cookie and
//! the pages' CSRF token, as `myapps`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use gatehouse_core::model::{now, PatFilter, PersonalAccessToken, Tenant, User};
use gatehouse_core::pats::{NewPat, PatCaller};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::iso8601;
use maud::{html, Markup, PreEscaped};

use super::templates::{forms, Hidden};
use super::{cookie, csrf_ok, page, problem, problem_page, redirect, with_session, Csrf, PageForm, SESSION_COOKIE};
use crate::AppState;

const TITLE: &str = "Personal access tokens";
/// The copy button's script (the only script of the page; allowed by its hash).
const COPY_SCRIPT: &str = "document.getElementById('copy').addEventListener('click',function(){var t=document.getElementById('pat-token');t.select();if(navigator.clipboard){navigator.clipboard.writeText(t.value);}else{document.execCommand('copy');}this.textContent='Copied';});";

fn sign_in_body(csrf: &str, tenant: &Tenant) -> Markup {
    html! {
        p { "Sign in to " (tenant.display_name) " to manage your personal access tokens." }
        (forms::sign_in(&Hidden::new(csrf, "signin"), ""))
    }
}

fn create_form(csrf: &str) -> Markup {
    html! {
        h2 { "New token" }
        form method="post" {
            (Hidden::new(csrf, "create"))
            label for="name" { "Name" }
            input type="text" id="name" name="name" required maxlength="256";
            label for="scope" { "Scopes (space-separated)" }
            input type="text" id="scope" name="scope" required maxlength="2000" value="vso.code"
                autocapitalize="none" spellcheck="false";
            p class="muted" { "For example vso.code, vso.code_write, vso.build_execute, vso.work_write. A token gets at most what you hold." }
            label for="days" { "Expires in (days, 1 to 365)" }
            input type="text" id="days" name="days" inputmode="numeric" value="30" required maxlength="3";
            button type="submit" { "Create" }
        }
    }
}

fn list_body(csrf: &str, user: &User, pats: &[PersonalAccessToken]) -> Markup {
    let when = |t: Option<i64>| t.map(iso8601).unwrap_or_else(|| "never".into());
    html! {
        p { "Signed in as " strong { (user.user_principal_name) } "." }
        @if pats.is_empty() {
            p { "You have no active personal access tokens." }
        }
        // One section per token (as /myapps): a table is too narrow on a phone.
        @for p in pats {
            section {
                h2 { (p.display_name) }
                p class="muted" { (p.scopes.join(" ")) br; "Expires: " (iso8601(p.valid_to)) br; "Last used: " (when(p.last_used_at)) }
                form method="post" {
                    (Hidden::new(csrf, "confirm").with("id", &p.authorization_id))
                    button type="submit" class="secondary" { "Revoke" }
                }
            }
        }
        (create_form(csrf))
    }
}

fn created_body(p: &PersonalAccessToken, token: &str, tenant: &Tenant) -> Markup {
    html! {
        p { "Your new token " strong { (p.display_name) } " (" (p.scopes.join(" ")) "), valid until " (iso8601(p.valid_to)) ":" }
        label for="pat-token" { "Token" }
        input type="text" id="pat-token" readonly value=(token) autocapitalize="none" spellcheck="false";
        button type="button" id="copy" { "Copy" }
        p class="error" role="alert" { "Copy it now: it is shown this once and cannot be shown again." }
        p { a href=(format!("/{}/mypats", tenant.id)) { "Back to your tokens" } }
        script { (PreEscaped(COPY_SCRIPT)) }
    }
}

fn confirm_body(csrf: &str, p: &PersonalAccessToken, tenant: &Tenant) -> Markup {
    html! {
        p { "Revoke " strong { (p.display_name) } "? Everything using it stops working at once." }
        form method="post" {
            (Hidden::new(csrf, "revoke").with("id", &p.authorization_id))
            button type="submit" { "Revoke" }
        }
        p { a href=(format!("/{}/mypats", tenant.id)) { "Cancel" } }
    }
}

fn back_to_list(tenant: &Tenant, session: Option<&str>) -> Response {
    with_session(
        redirect(StatusCode::SEE_OTHER, &format!("/{}/mypats", tenant.id)),
        session,
    )
}

fn caller(t: &Tenant, u: &User, source: Option<std::net::IpAddr>) -> PatCaller {
    PatCaller {
        tenant_id: t.id.clone(),
        user_id: u.id.clone(),
        origin: source.map(|ip| ip.to_string()),
    }
}

/// The answer showing a new token, with the CSP allowing the copy script by its hash.
fn with_copy_script(mut r: Response) -> Response {
    let hash = base64::engine::general_purpose::STANDARD.encode(gatehouse_core::secret::sha256(COPY_SCRIPT.as_bytes()));
    let csp = format!("{}; script-src 'sha256-{hash}'", super::CSP);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let csrf = Csrf::of(&headers);
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let session = cookie(&headers, SESSION_COOKIE);
    let body = match s.gh.session_user(&t.id, session.as_deref()).await {
        Ok(Some(user)) => {
            s.gh.pats()
                .list(&caller(&t, &user, None), PatFilter::Active, None, Some(100), now())
                .await
                .map(|page| list_body(csrf.token(), &user, &page.pats))
        }
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
    if params.get("step") == Some("signin") {
        let upn = params.get("username").unwrap_or("");
        let password = params.get("password").unwrap_or("");
        return match s.gh.check_password(&t, upn, password, form.source).await {
            Ok(user) => match s.gh.start_session(&t, &user).await {
                Ok(token) => back_to_list(&t, Some(&token)),
                Err(e) => problem_page(TITLE, &e, csrf.to_set()),
            },
            Err(e) => show(Some(&e), sign_in_body(csrf.token(), &t)),
        };
    }
    let session = cookie(&form.headers, SESSION_COOKIE);
    let user = match s.gh.session_user(&t.id, session.as_deref()).await {
        Ok(Some(user)) => user,
        Ok(None) => return show(None, sign_in_body(csrf.token(), &t)),
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let who = caller(&t, &user, form.source);
    let pats = s.gh.pats();
    let id = params.get("id").unwrap_or("");
    match params.get("step") {
        Some("create") => {
            let days = params.get("days").and_then(|d| d.trim().parse::<i64>().ok());
            let new = NewPat {
                display_name: params.get("name").map(str::to_owned),
                scope: params.get("scope").map(str::to_owned),
                valid_to: Some(now() + days.unwrap_or(0).clamp(0, 400) * 86400),
            };
            match pats.create(&who, new, now()).await {
                Ok(made) => with_copy_script(show(None, created_body(&made.pat, made.token.expose(), &t))),
                Err(e @ Error::PatRefused(_)) => {
                    let list = pats.list(&who, PatFilter::Active, None, Some(100), now()).await;
                    let body = list
                        .map(|p| list_body(csrf.token(), &user, &p.pats))
                        .unwrap_or_else(|_| create_form(csrf.token()));
                    show(Some(&e), body)
                }
                Err(e) => problem_page(TITLE, &e, csrf.to_set()),
            }
        }
        Some("confirm") => match pats.get(&who, id).await {
            Ok(p) => show(None, confirm_body(csrf.token(), &p, &t)),
            Err(e) => problem_page(TITLE, &e, csrf.to_set()),
        },
        Some("revoke") => match pats.revoke(&who, id, now()).await {
            Ok(()) => back_to_list(&t, None),
            Err(e) => problem_page(TITLE, &e, csrf.to_set()),
        },
        _ => problem_page(TITLE, &Error::FormExpired, csrf.to_set()),
    }
}
