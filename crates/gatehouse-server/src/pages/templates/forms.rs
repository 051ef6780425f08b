//! The forms more than one page shows, each written once: sign-in, consent (with the
//! [`Asks`] summary of what an app wants), the forced password change and the account picker.
//! Every form posts back to the page's own URL and starts with the page's [`Hidden`] fields; the
//! field names, ids and button values here are what the browser tests and clients rely on.

use maud::{html, Markup, Render};

use super::Hidden;

/// What an app asks for: "APP wants to access RESOURCE in TENANT on your behalf:" and the
/// permissions, as shown on the consent and device pages.
pub struct Asks<'a> {
    pub app: &'a str,
    pub resource: &'a str,
    pub tenant: &'a str,
    pub scopes: &'a [String],
}

impl Render for Asks<'_> {
    fn render(&self) -> Markup {
        html! {
            p { strong { (self.app) } " wants to access " strong { (self.resource) } " in " (self.tenant) " on your behalf:" }
            ul { @for s in self.scopes { li { (s) } } }
        }
    }
}

/// User principal name (prefilled with `upn`) and password.
pub fn sign_in(hidden: &Hidden, upn: &str) -> Markup {
    html! {
        form method="post" {
            (hidden)
            label for="username" { "User principal name" }
            input type="text" id="username" name="username" value=(upn) autocomplete="username"
                autocapitalize="none" spellcheck="false" required maxlength="256" autofocus;
            label for="password" { "Password" }
            input type="password" id="password" name="password" autocomplete="current-password"
                required maxlength="1024";
            button type="submit" { "Sign in" }
        }
    }
}

/// A consent question: who is signed in, what is asked, two buttons (`decision=approve` or
/// `decline`, with the page's labels) and a note on what approving means.
pub struct Consent<'a> {
    pub hidden: Hidden<'a>,
    pub upn: &'a str,
    pub asks: Asks<'a>,
    pub approve: &'a str,
    pub decline: &'a str,
    pub note: &'a str,
}

impl Render for Consent<'_> {
    fn render(&self) -> Markup {
        html! {
            p { "Signed in as " strong { (self.upn) } "." }
            (self.asks)
            form method="post" {
                (self.hidden)
                button type="submit" name="decision" value="approve" { (self.approve) } " "
                button type="submit" name="decision" value="decline" class="secondary" { (self.decline) }
            }
            p class="muted" { (self.note) }
        }
    }
}

/// The forced password change: the user name (read-only), the current password again, and the
/// new one twice.
pub fn password_change(hidden: &Hidden, upn: &str) -> Markup {
    html! {
        p { "You need to update your password before you continue. Choose a new password of 8 to 256 characters, different from the current one." }
        form method="post" {
            (hidden)
            label for="username" { "User principal name" }
            input type="text" id="username" name="username" value=(upn) autocomplete="username"
                readonly required maxlength="256";
            label for="password" { "Current password" }
            input type="password" id="password" name="password" autocomplete="current-password"
                required maxlength="1024" autofocus;
            label for="new_password" { "New password" }
            input type="password" id="new_password" name="new_password" autocomplete="new-password"
                required minlength="8" maxlength="1024";
            label for="confirm_password" { "Confirm new password" }
            input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password"
                required minlength="8" maxlength="1024";
            button type="submit" { "Change password" }
        }
    }
}

/// Who is signed in, offered to `app`: continue as them (`account=current`) or use another
/// account (`account=other`).
pub struct AccountPicker<'a> {
    pub hidden: Hidden<'a>,
    pub app: &'a str,
    pub tenant: &'a str,
    pub upn: &'a str,
    pub name: &'a str,
}

impl Render for AccountPicker<'_> {
    fn render(&self) -> Markup {
        html! {
            p { strong { (self.app) } " wants you to pick an account of " (self.tenant) "." }
            form method="post" {
                (self.hidden)
                button type="submit" name="account" value="current" { "Continue as " (self.upn) } " "
                button type="submit" name="account" value="other" class="secondary" { "Use another account" }
            }
            p class="muted" { "Signed in as " (self.name) " (" (self.upn) ")." }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_prefills_the_name_escaped() {
        let out = sign_in(&Hidden::new("t", "signin"), "\"><script>").into_string();
        assert!(
            out.contains(r#"name="username" value="&quot;&gt;&lt;script&gt;""#),
            "{out}"
        );
        assert!(out.contains(r#"<button type="submit">Sign in</button>"#), "{out}");
    }

    #[test]
    fn consent_buttons_carry_the_decision_values() {
        let scopes = vec!["<Mail.Read>".to_owned()];
        let c = Consent {
            hidden: Hidden::new("t", "consent"),
            upn: "ada@contoso.com",
            asks: Asks {
                app: "<app>",
                resource: "res",
                tenant: "ten",
                scopes: &scopes,
            },
            approve: "Accept",
            decline: "Cancel",
            note: "n",
        };
        let out = c.render().into_string();
        assert!(
            out.contains(r#"name="decision" value="approve">Accept</button>"#),
            "{out}"
        );
        assert!(out.contains(r#"name="decision" value="decline" class="secondary">Cancel</button>"#));
        assert!(out.contains("<li>&lt;Mail.Read&gt;</li>") && out.contains("<strong>&lt;app&gt;</strong>"));
    }
}
