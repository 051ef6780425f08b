//! The device-code verification page, `GET/POST /{tenant}/oauth2/deviceauth` (also served at
//! `/{tenant}/oauth2/devicelogin`). Three forms, each posted back to the same URL:
//!
//! 1. `step=code`: the user code shown on the device;
//! 2. `step=signin`: user principal name and password (the code travels in a hidden field);
//!    A user who must replace their password gets `step=change_password` first (current
//!    password, new password twice); the consent form follows once the new one is stored;
//! 3. `step=decide`: approve or decline, with the one-time approval token from step 2.
//!
//! Errors are shown on the page with the text `gatehouse_core::Error::wire` gives them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gatehouse_core::device_flow::{DevicePrompt, SignedIn};
use gatehouse_core::sign_in::normalize_upn;
use gatehouse_core::Error;

use super::{change_password_form, csrf_ok, csrf_token, esc, html, layout, PageForm};
use crate::router::AppState;

const TITLE: &str = "Sign in on another device";

fn error_box(e: Option<&Error>) -> String {
    e.map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, esc(&e.wire().text)))
        .unwrap_or_default()
}

fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.wire().status).unwrap_or(StatusCode::BAD_REQUEST)
}

fn code_form(csrf: &str, typed: &str, error: Option<&Error>) -> String {
    format!(
        r#"{err}<p>Enter the code displayed on your device or in your terminal.</p>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="code">
<label for="user_code">Code</label>
<input type="text" id="user_code" name="user_code" value="{typed}" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="32" autofocus>
<button type="submit">Next</button></form>"#,
        err = error_box(error),
        csrf = esc(csrf),
        typed = esc(typed),
    )
}

fn asks(p: &DevicePrompt) -> String {
    let items: String = p.scopes.iter().map(|s| format!("<li>{}</li>", esc(s))).collect();
    format!(
        r#"<p><strong>{app}</strong> wants to access <strong>{res}</strong> in {tenant} on your behalf:</p><ul>{items}</ul>"#,
        app = esc(&p.client_name),
        res = esc(&p.resource),
        tenant = esc(&p.tenant.display_name),
    )
}

fn signin_form(csrf: &str, p: &DevicePrompt, upn: &str, error: Option<&Error>) -> String {
    format!(
        r#"{err}{asks}<p>Sign in to continue. Only do this if you started the sign-in yourself.</p>
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="signin">
<input type="hidden" name="user_code" value="{code}">
<label for="username">User principal name</label>
<input type="text" id="username" name="username" value="{upn}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form>"#,
        err = error_box(error),
        asks = asks(p),
        csrf = esc(csrf),
        code = esc(&p.user_code),
        upn = esc(upn),
    )
}

fn change_form(csrf: &str, p: &DevicePrompt, upn: &str, error: Option<&Error>) -> String {
    let hidden = format!(
        r#"<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="change_password"><input type="hidden" name="user_code" value="{code}">"#,
        csrf = esc(csrf),
        code = esc(&p.user_code),
    );
    format!("{}{}{}", error_box(error), asks(p), change_password_form(&hidden, upn))
}

fn consent_form(csrf: &str, s: &SignedIn) -> String {
    format!(
        r#"<p>Signed in as <strong>{upn}</strong>.</p>{asks}
<form method="post"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="step" value="decide">
<input type="hidden" name="user_code" value="{code}"><input type="hidden" name="approval" value="{approval}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="decline" class="secondary">Decline</button></form>
<p class="muted">Approving lets the device act as you until you sign out or the access is revoked.</p>"#,
        upn = esc(&s.user.user_principal_name),
        asks = asks(&s.prompt),
        csrf = esc(csrf),
        code = esc(&s.prompt.user_code),
        approval = esc(&s.approval),
    )
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let (csrf, new) = csrf_token(&headers);
    let set = new.then_some(csrf.as_str());
    match s.gh.tenant(&tenant).await {
        Ok(_) => html(StatusCode::OK, layout(TITLE, &code_form(&csrf, "", None)), set),
        Err(e) => html(status_of(&e), layout(TITLE, &error_box(Some(&e))), set),
    }
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
    let (csrf, new) = csrf_token(&form.headers);
    let set = new.then_some(csrf.as_str());
    let Some(params) = form.params.as_ref().filter(|p| csrf_ok(&form.headers, p)) else {
        let e = Error::FormExpired;
        return html(status_of(&e), layout(TITLE, &code_form(&csrf, "", Some(&e))), set);
    };
    let typed = params.get("user_code").unwrap_or("");
    let page = |status: StatusCode, body: String| html(status, layout(TITLE, &body), set);
    match params.get("step").unwrap_or("") {
        "signin" => {
            let upn = params.get("username").unwrap_or("");
            let password = params.get("password").unwrap_or("");
            match s.gh.device_sign_in(&tenant, typed, upn, password, form.source).await {
                Ok(signed) => page(StatusCode::OK, consent_form(&csrf, &signed)),
                Err(Error::PasswordChangeRequired) => match s.gh.device_prompt(&tenant, typed, None).await {
                    Ok(p) => page(StatusCode::OK, change_form(&csrf, &p, &normalize_upn(upn), None)),
                    Err(e2) => page(status_of(&e2), code_form(&csrf, "", Some(&e2))),
                },
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    match s.gh.device_prompt(&tenant, typed, None).await {
                        Ok(p) => page(status_of(&e), signin_form(&csrf, &p, upn, Some(&e))),
                        Err(e2) => page(status_of(&e2), code_form(&csrf, "", Some(&e2))),
                    }
                }
                Err(e) => page(status_of(&e), code_form(&csrf, typed, Some(&e))),
            }
        }
        "change_password" => {
            let upn = params.get("username").unwrap_or("");
            let current = params.get("password").unwrap_or("");
            let new = params.get("new_password").unwrap_or("");
            let confirm = params.get("confirm_password").unwrap_or("");
            match s
                .gh
                .device_change_password(&tenant, typed, upn, current, new, confirm, form.source)
                .await
            {
                Ok(signed) => page(StatusCode::OK, consent_form(&csrf, &signed)),
                Err(e @ Error::Invalid(_)) => match s.gh.device_prompt(&tenant, typed, None).await {
                    Ok(p) => page(status_of(&e), change_form(&csrf, &p, &normalize_upn(upn), Some(&e))),
                    Err(e2) => page(status_of(&e2), code_form(&csrf, "", Some(&e2))),
                },
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    match s.gh.device_prompt(&tenant, typed, None).await {
                        Ok(p) => page(status_of(&e), signin_form(&csrf, &p, upn, Some(&e))),
                        Err(e2) => page(status_of(&e2), code_form(&csrf, "", Some(&e2))),
                    }
                }
                Err(e) => page(status_of(&e), code_form(&csrf, typed, Some(&e))),
            }
        }
        "decide" => {
            let approve = params.get("decision") == Some("approve");
            let approval = params.get("approval").unwrap_or("");
            match s.gh.device_decide(&tenant, typed, approval, approve).await {
                Ok(p) if approve => page(
                    StatusCode::OK,
                    format!(
                        "<p>You have signed in to <strong>{}</strong> on your device. You can close this window.</p>",
                        esc(&p.client_name)
                    ),
                ),
                Ok(_) => page(
                    StatusCode::OK,
                    "<p>You declined the sign-in. Nothing was shared with the device. You can close this window.</p>"
                        .into(),
                ),
                Err(e) => page(status_of(&e), code_form(&csrf, "", Some(&e))),
            }
        }
        _ => match s.gh.device_prompt(&tenant, typed, form.source).await {
            Ok(p) => page(StatusCode::OK, signin_form(&csrf, &p, "", None)),
            Err(e) => page(status_of(&e), code_form(&csrf, typed, Some(&e))),
        },
    }
}
