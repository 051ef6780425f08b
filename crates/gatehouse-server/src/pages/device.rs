//! The device-code verification page, `GET/POST /{tenant}/oauth2/deviceauth` (also served at
//! `/{tenant}/oauth2/devicelogin`). Three forms, each posted back to the same URL:
//!
//! 1. `step=code`: the user code shown on the device;
//! 2. `step=signin`: user principal name and password (the code travels in a hidden field);
//!    A user who must replace their password gets `step=change_password` first (current
//!    password, new password twice); the consent form follows once the new one is stored;
//! 3. `step=decide`: approve or decline, with the one-time approval token from step 2.
//!
//! Errors are shown in the page's error box, with the status and text [`super::problem`] gives
//! them. The templates are [`body`]'s arms, built from the shared forms.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use gatehouse_core::browser::device_flow::{DevicePrompt, SignedIn};
use gatehouse_core::browser::sign_in::normalize_upn;
use gatehouse_core::Error;
use maud::{html, Markup};

use super::templates::forms::{self, Asks, Consent};
use super::templates::{message, Hidden};
use super::{csrf_ok, page, problem, Csrf, PageForm, Problem};
use crate::AppState;

const TITLE: &str = "Sign in on another device";

/// What the verification page shows next.
enum View {
    /// Ask for the code (again), with what was typed.
    Code(String),
    /// Ask for user name and password (prefilled with the name typed before).
    SignIn(DevicePrompt, String),
    /// Ask for a new password.
    ChangePassword(DevicePrompt, String),
    /// Approve or decline.
    Consent(SignedIn),
    /// The person approved the sign-in of this app.
    Approved(String),
    Declined,
}

fn asks(p: &DevicePrompt) -> Asks<'_> {
    Asks {
        app: &p.client_name,
        resource: &p.resource,
        tenant: &p.tenant.display_name,
        scopes: &p.scopes,
    }
}

/// The page's content for `view`.
fn body(csrf: &str, view: &View) -> Markup {
    match view {
        View::Code(typed) => html! {
            p { "Enter the code displayed on your device or in your terminal." }
            form method="post" {
                (Hidden::new(csrf, "code"))
                label for="user_code" { "Code" }
                input type="text" id="user_code" name="user_code" value=(typed) autocomplete="off"
                    autocapitalize="characters" spellcheck="false" required maxlength="32" autofocus;
                button type="submit" { "Next" }
            }
        },
        View::SignIn(p, upn) => html! {
            (asks(p))
            p { "Sign in to continue. Only do this if you started the sign-in yourself." }
            (forms::sign_in(&Hidden::new(csrf, "signin").with("user_code", &p.user_code), upn))
        },
        View::ChangePassword(p, upn) => html! {
            (asks(p))
            (forms::password_change(&Hidden::new(csrf, "change_password").with("user_code", &p.user_code), upn))
        },
        View::Consent(s) => html! {
            (Consent {
                hidden: Hidden::new(csrf, "decide")
                    .with("user_code", &s.prompt.user_code)
                    .with("approval", &s.approval),
                upn: &s.user.user_principal_name,
                asks: asks(&s.prompt),
                approve: "Approve",
                decline: "Decline",
                note: "Approving lets the device act as you until you sign out or the access is revoked.",
            })
        },
        View::Approved(app) => message(html! {
            "You have signed in to " strong { (app) } " on your device. You can close this window."
        }),
        View::Declined => message(html! {
            "You declined the sign-in. Nothing was shared with the device. You can close this window."
        }),
    }
}

fn show_view(csrf: &Csrf, view: View, error: Option<&Problem>) -> Response {
    page(TITLE, error, body(csrf.token(), &view), csrf.to_set())
}

pub async fn show(State(s): State<AppState>, Path(tenant): Path<String>, headers: HeaderMap) -> Response {
    let csrf = Csrf::of(&headers);
    match s.gh.tenant(&tenant).await {
        Ok(_) => show_view(&csrf, View::Code(String::new()), None),
        Err(e) => page(TITLE, Some(&problem(&e)), html! {}, csrf.to_set()),
    }
}

/// The code form again, empty or with what was typed, showing `e`.
fn code_again(csrf: &Csrf, typed: &str, e: &Error) -> Response {
    show_view(csrf, View::Code(typed.to_owned()), Some(&problem(e)))
}

/// Looks the code up again to show `view` (with `error`); when the code is no longer valid, the
/// empty code form with that problem instead.
async fn with_prompt(
    s: &AppState,
    tenant: &str,
    typed: &str,
    csrf: &Csrf,
    error: Option<&Error>,
    view: impl FnOnce(DevicePrompt) -> View,
) -> Response {
    match s.gh.device_prompt(tenant, typed, None).await {
        Ok(p) => show_view(csrf, view(p), error.map(problem).as_ref()),
        Err(e) => code_again(csrf, "", &e),
    }
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
    let csrf = Csrf::of(&form.headers);
    let Some(params) = form.params.as_ref().filter(|p| csrf_ok(&form.headers, p)) else {
        return code_again(&csrf, "", &Error::FormExpired);
    };
    let typed = params.get("user_code").unwrap_or("");
    let upn = params.get("username").unwrap_or("");
    let password = params.get("password").unwrap_or("");
    let sign_in_again = |p| View::SignIn(p, upn.to_owned());
    let change_again = |p| View::ChangePassword(p, normalize_upn(upn));
    match params.get("step").unwrap_or("") {
        "signin" => match s.gh.device_sign_in(&tenant, typed, upn, password, form.source).await {
            Ok(signed) => show_view(&csrf, View::Consent(signed), None),
            Err(Error::PasswordChangeRequired) => with_prompt(&s, &tenant, typed, &csrf, None, change_again).await,
            Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                with_prompt(&s, &tenant, typed, &csrf, Some(&e), sign_in_again).await
            }
            Err(e) => code_again(&csrf, typed, &e),
        },
        "change_password" => {
            let new = params.get("new_password").unwrap_or("");
            let confirm = params.get("confirm_password").unwrap_or("");
            match s
                .gh
                .device_change_password(&tenant, typed, upn, password, new, confirm, form.source)
                .await
            {
                Ok(signed) => show_view(&csrf, View::Consent(signed), None),
                Err(e @ Error::Invalid(_)) => with_prompt(&s, &tenant, typed, &csrf, Some(&e), change_again).await,
                Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                    with_prompt(&s, &tenant, typed, &csrf, Some(&e), sign_in_again).await
                }
                Err(e) => code_again(&csrf, typed, &e),
            }
        }
        "decide" => {
            let approve = params.get("decision") == Some("approve");
            let approval = params.get("approval").unwrap_or("");
            match s.gh.device_decide(&tenant, typed, approval, approve).await {
                Ok(p) if approve => show_view(&csrf, View::Approved(p.client_name), None),
                Ok(_) => show_view(&csrf, View::Declined, None),
                Err(e) => code_again(&csrf, "", &e),
            }
        }
        // `step=code` (or none): the typed code, then the sign-in form.
        _ => match s.gh.device_prompt(&tenant, typed, form.source).await {
            Ok(p) => show_view(&csrf, View::SignIn(p, String::new()), None),
            Err(e) => code_again(&csrf, typed, &e),
        },
    }
}
