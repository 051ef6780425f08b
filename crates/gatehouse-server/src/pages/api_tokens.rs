//! `GET/POST /{tenant}/apitokens`: "Permissions > API tokens" for a signed-in user (the
//! authorize pages' session cookie, as `/myapps`) holding the token-management permission: the
//! list (no secret), "+ New" (name, role, organization) showing the token once with a copy
//! button, and delete with a confirmation step. Every post carries the pages' CSRF token; the
//! page works without JavaScript (the token is in a read-only field to select), and the copy
//! button's one inline script is allowed by its hash alone.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use gatehouse_core::iotc::api_tokens::CreatedToken;
use gatehouse_core::iotc::roles::Role;
use gatehouse_core::iotc::Actor;
use gatehouse_core::model::{ApiToken, RoleRef, Tenant, User};
use gatehouse_core::Error;
use maud::{html, Markup, PreEscaped};

use super::templates::{forms, table, Hidden};
use super::{cookie, csrf_ok, page, problem, problem_page, redirect, with_session, Csrf, PageForm, SESSION_COOKIE};
use crate::api::iotc::api_tokens::iso_ms;
use crate::AppState;

const TITLE: &str = "Permissions > API tokens";

/// The copy button's script (allowed by the CSP through its SHA-256, nothing else).
const COPY_JS: &str = "document.getElementById('copy').addEventListener('click',function(){var t=document.getElementById('token');t.select();if(navigator.clipboard){navigator.clipboard.writeText(t.value);}this.textContent='Copied';});";

fn path(t: &Tenant) -> String {
    format!("/{}/apitokens", t.id)
}

fn sign_in_body(csrf: &str, tenant: &Tenant) -> Markup {
    html! {
        p { "Sign in to " (tenant.display_name) " to manage its API tokens." }
        (forms::sign_in(&Hidden::new(csrf, "signin"), ""))
    }
}

fn role_name(roles: &[Role], r: &RoleRef) -> String {
    let name = roles
        .iter()
        .find(|x| x.id == r.role.as_str())
        .map_or(r.role.as_str(), |x| &x.display_name);
    match &r.organization {
        Some(o) => format!("{name} ({o})"),
        None => name.to_owned(),
    }
}

fn new_form(csrf: &str, roles: &[Role], orgs: &[(String, String)]) -> Markup {
    html! {
        h2 { "+ New" }
        form method="post" {
            (Hidden::new(csrf, "create"))
            label for="name" { "Token name" }
            input type="text" id="name" name="name" required maxlength="128" pattern="[A-Za-z0-9._~-]+"
                autocapitalize="none" spellcheck="false";
            label for="role" { "Role" }
            select id="role" name="role" {
                @for r in roles { option value=(r.id) { (r.display_name) } }
            }
            label for="organization" { "Organization" }
            select id="organization" name="organization" {
                option value="" { "Root (the whole tenant)" }
                @for (id, name) in orgs { option value=(id) { (name) " (" (id) ")" } }
            }
            button type="submit" { "Generate" }
        }
    }
}

/// The page's lists: the caller's tokens, the roles to offer and the organizations.
struct Listing {
    tokens: Vec<ApiToken>,
    roles: Vec<Role>,
    orgs: Vec<(String, String)>,
}

fn list_body(csrf: &str, user: &User, l: &Listing) -> Markup {
    let (tokens, roles, orgs) = (&l.tokens, &l.roles, &l.orgs);
    let rows: Vec<Vec<Markup>> = tokens
        .iter()
        .map(|t| {
            let held: Vec<String> = t.roles.iter().map(|r| role_name(roles, r)).collect();
            vec![
                html! { (t.id) },
                html! { (held.join(", ")) },
                html! { time datetime=(iso_ms(t.expiry_ms)) { (iso_ms(t.expiry_ms)[..10]) } },
                html! {
                    form method="post" {
                        (Hidden::new(csrf, "confirm_delete").with("token", &t.id))
                        button type="submit" class="secondary" { "Delete" }
                    }
                },
            ]
        })
        .collect();
    html! {
        p { "Signed in as " strong { (user.user_principal_name) } "." }
        @if tokens.is_empty() { p { "No API tokens yet." } }
        @else { (table(&["Name", "Role", "Expires (UTC)", ""], &rows)) }
        (new_form(csrf, roles, orgs))
    }
}

fn created_body(created: &CreatedToken, t: &Tenant) -> Markup {
    html! {
        p { "API token " strong { (created.token.id) } " was generated. "
            strong { "This is the only time you can see it" } "; if you lose it, generate a new one." }
        label for="token" { "Token" }
        textarea id="token" readonly rows="4" spellcheck="false" { (created.text) }
        button type="button" id="copy" { "Copy" }
        script { (PreEscaped(COPY_JS)) }
        p { a href=(path(t)) { "Back to the API tokens" } }
    }
}

fn confirm_body(csrf: &str, id: &str, t: &Tenant) -> Markup {
    html! {
        p { "Delete the API token " strong { (id) } "? Callers using it are refused at once." }
        form method="post" {
            (Hidden::new(csrf, "delete").with("token", id))
            button type="submit" { "Delete" }
        }
        p { a href=(path(t)) { "Cancel" } }
    }
}

/// The CSP of the page showing a new token: the pages' one, plus the copy script's hash.
fn with_copy_script(mut r: Response) -> Response {
    let hash = base64::engine::general_purpose::STANDARD.encode(gatehouse_core::secret::sha256(COPY_JS.as_bytes()));
    let csp = format!("{}; script-src 'sha256-{hash}'", super::CSP);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// The signed-in user and the actor it is in the door, or `None` when nobody is signed in.
async fn signed_in(s: &AppState, t: &Tenant, headers: &HeaderMap) -> Result<Option<(User, Actor)>, Error> {
    let session = cookie(headers, SESSION_COOKIE);
    let Some(user) = s.gh.session_user(&t.id, session.as_deref()).await? else {
        return Ok(None);
    };
    let actor = s.gh.iotc().principal(&t.id, &user.id).await?;
    Ok(Some((user, actor)))
}

async fn list(s: &AppState, csrf: &str, user: &User, who: &Actor) -> Result<Markup, Error> {
    let tokens = s.gh.iotc().api_tokens(who).await?;
    let orgs =
        s.gh.iotc()
            .organizations(who)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.id, o.display_name))
            .collect::<Vec<_>>();
    let roles = s.gh.iotc().roles(who).await.unwrap_or_default();
    Ok(list_body(csrf, user, &Listing { tokens, roles, orgs }))
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let csrf = Csrf::of(&headers);
    let t = match s.gh.tenant(&tenant).await {
        Ok(t) => t,
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let body = match signed_in(&s, &t, &headers).await {
        Ok(Some((user, who))) => list(&s, csrf.token(), &user, &who).await,
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
                Ok(token) => with_session(redirect(StatusCode::SEE_OTHER, &path(&t)), Some(&token)),
                Err(e) => problem_page(TITLE, &e, csrf.to_set()),
            },
            Err(e) => show(Some(&e), sign_in_body(csrf.token(), &t)),
        };
    }
    let (user, who) = match signed_in(&s, &t, &form.headers).await {
        Ok(Some(x)) => x,
        Ok(None) => return show(None, sign_in_body(csrf.token(), &t)),
        Err(e) => return problem_page(TITLE, &e, csrf.to_set()),
    };
    let token_id = params.get("token").unwrap_or("");
    match params.get("step") {
        Some("create") => {
            let organization = params.get("organization").filter(|o| !o.is_empty());
            let wanted = RoleRef {
                role: params.get("role").unwrap_or("").to_owned(),
                organization: organization.map(str::to_owned),
            };
            let name = params.get("name").unwrap_or("");
            match s.gh.iotc().create_api_token(&who, name, &[wanted], None).await {
                Ok(created) => with_copy_script(show(None, created_body(&created, &t))),
                Err(e) => match list(&s, csrf.token(), &user, &who).await {
                    Ok(body) => show(Some(&e), body),
                    Err(_) => problem_page(TITLE, &e, csrf.to_set()),
                },
            }
        }
        Some("confirm_delete") => match s.gh.iotc().api_token(&who, token_id).await {
            Ok(tok) => show(None, confirm_body(csrf.token(), &tok.id, &t)),
            Err(e) => problem_page(TITLE, &e, csrf.to_set()),
        },
        Some("delete") => match s.gh.iotc().delete_api_token(&who, token_id).await {
            Ok(()) => redirect(StatusCode::SEE_OTHER, &path(&t)),
            Err(e) => problem_page(TITLE, &e, csrf.to_set()),
        },
        _ => problem_page(TITLE, &Error::FormExpired, csrf.to_set()),
    }
}
