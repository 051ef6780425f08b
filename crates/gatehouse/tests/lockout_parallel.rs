//! Brute force under PARALLEL password attempts on the authorize sign-in page: many wrong
//! passwords for one account sent at the same moment still lock the account, once locked no
//! attempt reaches a password check, and an unknown user name gets exactly the same answers as a
//! wrong password for a real one.
//!
//! The server checks one password at a time per account name (`core::sign_in::PasswordGate`), so
//! parallel guesses are counted one after the other: exactly the limit gets a password check.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::{user, Page, PASSWORD};

/// Wrong passwords sent at once (below the per-source limit of 30, so only the per-account
/// limit of 10 decides).
const N: usize = 24;
/// The per-account limit (`ThrottlePolicy::default().per_user.failures`).
const PER_USER: usize = 10;

/// Opens `N` sign-in pages first, then posts every sign-in form at the same moment.
async fn parallel_wrong_passwords(s: &gatehouse_testkit::Server, tenant: &str, client: &str, upn: &str) -> Vec<Page> {
    let mut ready = Vec::new();
    for _ in 0..N {
        let mut b = Browser::new(s);
        let page = b.get(&authorize_path(tenant, client, &[])).await;
        assert_eq!(page.status, 200, "{}", page.body);
        ready.push((b, page));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (mut b, page)) in ready.into_iter().enumerate() {
        let (tenant, upn, barrier) = (tenant.to_owned(), upn.to_owned(), barrier.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            b.sign_in(&tenant, &page, &upn, &format!("guess number {i}")).await
        });
    }
    let mut pages = Vec::new();
    while let Some(p) = tasks.join_next().await {
        pages.push(p.unwrap());
    }
    pages
}

/// The error text shown on a page, with nothing that varies per request (the seconds left of a
/// lock become `N`).
fn error_text(p: &Page) -> String {
    let start = p
        .body
        .find(r#"role="alert">"#)
        .unwrap_or_else(|| panic!("no error on page: {}", p.body));
    let text = p.body[start..].split("</p>").next().unwrap();
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// (status, error text) of each page, counted.
fn tally(pages: &[Page]) -> std::collections::BTreeMap<(u16, String), usize> {
    let mut t = std::collections::BTreeMap::new();
    for p in pages {
        *t.entry((p.status, error_text(p))).or_insert(0) += 1;
    }
    t
}

async fn assert_locked(s: &gatehouse_testkit::Server, tenant: &str, client: &str, upn: &str) -> Page {
    let mut b = Browser::new(s);
    let page = b.get(&authorize_path(tenant, client, &[])).await;
    let p = b.sign_in(tenant, &page, upn, PASSWORD).await;
    assert_eq!(
        p.status, 429,
        "{upn}: the right password must be refused while locked: {}",
        p.body
    );
    assert!(p.body.contains("Too many failed attempts"), "{}", p.body);
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_lock_the_account_and_a_locked_account_is_never_checked() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let pages = parallel_wrong_passwords(&s, &tenant, &client, "ada@contoso.com").await;
    let t = tally(&pages);
    let checked = pages.iter().filter(|p| p.status == 400).count();
    let refused = pages.iter().filter(|p| p.status == 429).count();
    assert_eq!(checked + refused, N, "only 400 (wrong password) or 429 (locked): {t:?}");
    assert_eq!(
        checked, PER_USER,
        "exactly the limit gets a password check, however many arrive at once: {t:?}"
    );
    eprintln!("{N} parallel wrong passwords: {checked} checked (400), {refused} refused as locked (429)");
    assert_locked(&s, &tenant, &client, "ada@contoso.com").await;

    // A second burst while locked: nothing reaches a password check any more.
    let again = parallel_wrong_passwords(&s, &tenant, &client, "ada@contoso.com").await;
    assert!(
        again.iter().all(|p| p.status == 429),
        "a locked account is never checked again: {:?}",
        tally(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_load_an_unknown_user_gets_the_same_answers_as_a_wrong_password() {
    // One server per name so that the per-source limit (30) is not what locks.
    let real = start();
    let (t1, _, _) = first(&real);
    user(&real, "ada@contoso.com");
    let c1 = public_app(&real);
    let ghost = start();
    let (t2, _, _) = first(&ghost);
    user(&ghost, "ada@contoso.com");
    let c2 = public_app(&ghost);

    let (wrong, unknown) = tokio::join!(
        parallel_wrong_passwords(&real, &t1, &c1, "ada@contoso.com"),
        parallel_wrong_passwords(&ghost, &t2, &c2, "ghost@contoso.com"),
    );
    let (tw, tu) = (tally(&wrong), tally(&unknown));
    // The same kinds of answer, with the same texts: nothing tells the two apart.
    let kinds = |t: &std::collections::BTreeMap<(u16, String), usize>| t.keys().cloned().collect::<Vec<_>>();
    let all_kinds: std::collections::BTreeSet<_> = kinds(&tw).into_iter().chain(kinds(&tu)).collect();
    assert!(all_kinds.len() <= 2, "one text per status: {tw:?} {tu:?}");
    for (status, text) in &all_kinds {
        match status {
            400 => assert!(text.contains("invalid username or password"), "{text}"),
            429 => assert!(text.contains("Too many failed attempts"), "{text}"),
            _ => panic!("unexpected answer {status}: {text}"),
        }
    }
    let checked = |t: &std::collections::BTreeMap<(u16, String), usize>| {
        t.iter()
            .filter(|((st, _), _)| *st == 400)
            .map(|(_, n)| *n)
            .sum::<usize>()
    };
    assert!(checked(&tw) == PER_USER && checked(&tu) == PER_USER, "{tw:?} {tu:?}");
    // Both end locked, the unknown name included, with the same page.
    let a = assert_locked(&real, &t1, &c1, "ada@contoso.com").await;
    let b = assert_locked(&ghost, &t2, &c2, "ghost@contoso.com").await;
    assert_eq!(error_text(&a), error_text(&b));
}
