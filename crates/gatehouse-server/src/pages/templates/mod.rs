//! The pages' markup, as [maud](https://maud.lambda.xyz/) templates: checked when the crate
//! compiles, and every value written into them is HTML-escaped unless it is wrapped in
//! `PreEscaped`, which only our own constants are (the stylesheet, `style.css` beside this file,
//! and the form_post page's auto-submit script).
//!
//! This module owns what every page shares: the [`layout`] (title, error box, body; the look,
//! phone-sized, no JavaScript), the [`error_box`], the [`Hidden`] fields every page form starts
//! with (CSRF token, step, carried values), a [`message`] paragraph and the [`table`] style for
//! lists. [`forms`] holds the forms more than one page shows.

pub mod forms;

use maud::{html, Markup, PreEscaped, Render, DOCTYPE};

/// The one stylesheet, inlined in every page (the CSP allows inline styles, no other source).
const STYLE: &str = include_str!("style.css");

/// A whole page: `<title>` and heading, the error box when there is a problem, then `body`.
pub fn layout(title: &str, error: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - Gatehouse" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { (title) }
                    @if let Some(text) = error {
                        (error_box(text))
                    }
                    (body)
                }
            }
        }
    }
}

/// The one place a problem is shown (`role="alert"`, read out by screen readers).
pub fn error_box(text: &str) -> Markup {
    html! { p class="error" role="alert" { (text) } }
}

/// A page whose whole content is one paragraph (signed out, device approved, ...).
pub fn message(text: Markup) -> Markup {
    html! { p { (text) } }
}

/// The hidden fields every page form starts with: this browser's CSRF token (checked against its
/// cookie on post), the `step` the form posts, and what the page carries from step to step (the
/// authorization request `q`, the device `user_code`, ...), in that order.
pub struct Hidden<'a> {
    pub csrf: &'a str,
    pub step: &'a str,
    pub carry: Vec<(&'static str, &'a str)>,
}

impl<'a> Hidden<'a> {
    pub fn new(csrf: &'a str, step: &'a str) -> Self {
        Self {
            csrf,
            step,
            carry: Vec::new(),
        }
    }

    /// Adds a carried field.
    pub fn with(mut self, name: &'static str, value: &'a str) -> Self {
        self.carry.push((name, value));
        self
    }
}

impl Render for Hidden<'_> {
    fn render(&self) -> Markup {
        html! {
            input type="hidden" name="csrf" value=(self.csrf);
            input type="hidden" name="step" value=(self.step);
            @for (name, value) in &self.carry {
                input type="hidden" name=(name) value=(value);
            }
        }
    }
}

/// A list as a table that scrolls sideways inside the page on a narrow screen (the page itself
/// never does). Cells are markup, so a row can end in a form (a Revoke button, say).
pub fn table(head: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div class="table" {
            table {
                thead { tr { @for h in head { th scope="col" { (h) } } } }
                tbody {
                    @for row in rows {
                        tr { @for cell in row { td { (cell) } } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_escapes_the_title_and_the_error_text() {
        let page = layout("<b>t</b>", Some("a \"quoted\" <script>"), html! {}).into_string();
        assert!(
            page.contains("<title>&lt;b&gt;t&lt;/b&gt; - Gatehouse</title>"),
            "{page}"
        );
        assert!(
            page.contains(r#"<p class="error" role="alert">a &quot;quoted&quot; &lt;script&gt;</p>"#),
            "{page}"
        );
        assert!(!page.contains("<script"), "no script in a plain page");
    }

    #[test]
    fn hidden_fields_escape_values_and_keep_their_order() {
        let h = Hidden::new("tok", "signin").with("q", "a=1&b=\"2\"");
        let out = h.render().into_string();
        assert_eq!(
            out,
            r#"<input type="hidden" name="csrf" value="tok"><input type="hidden" name="step" value="signin"><input type="hidden" name="q" value="a=1&amp;b=&quot;2&quot;">"#
        );
    }

    #[test]
    fn table_cells_are_escaped_text_unless_given_markup() {
        let rows = vec![vec![html! { "<i>x</i>" }, html! { button { "Go" } }]];
        let out = table(&["Name", "Action"], &rows).into_string();
        assert!(out.contains("<td>&lt;i&gt;x&lt;/i&gt;</td>"), "{out}");
        assert!(out.contains("<td><button>Go</button></td>"), "{out}");
        assert!(out.contains(r#"<th scope="col">Name</th>"#), "{out}");
    }
}
