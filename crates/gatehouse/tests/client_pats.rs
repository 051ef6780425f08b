//! `gatehouse pat create|list|extend|revoke` against the real binary: a user signs in with
//! `gatehouse login --use-device-code` (the person's part on the device page), then manages
//! their PATs through the server's PAT API; a revoked PAT is listed only as revoked; a scope
//! the user lacks and a too-long expiry are refused with what to do; a service principal's
//! sign-in is told PATs are for users; every verb's help has an example.

mod client_helpers;
mod common;
mod device_helpers;

use client_helpers::*;
use common::*;
use device_helpers::*;
use serde_json::Value;

#[tokio::test]
async fn a_signed_in_user_creates_lists_extends_and_revokes_a_pat() {
    let s = start();
    let (_, app, secret) = first(&s);
    user(&s, "ada@contoso.com");
    let c = Client::new();
    device_login_cli(&s, &c, "ada@contoso.com").await;

    let made = c.json(&[
        "pat",
        "create",
        "--name",
        "ci",
        "--scope",
        "vso.code_write vso.build",
        "--days",
        "7",
    ]);
    let token = made["token"].as_str().unwrap().to_owned();
    gatehouse_protocol::pat::Pat::parse(&token).unwrap();
    let id = made["authorizationId"].as_str().unwrap().to_owned();
    assert_eq!(made["scope"], "vso.build vso.code_write");

    let listed = c.json(&["pat", "list"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["authorizationId"], id.as_str());
    assert!(
        listed[0].get("token").is_none(),
        "a list never shows a token: {listed:?}"
    );
    let table = c.stdout(&["pat", "list", "--output", "table"]);
    assert!(table.contains("ci") && table.contains(&id), "{table}");

    let before = made["validTo"].as_str().unwrap().to_owned();
    let extended = c.json(&["pat", "extend", "--id", &id, "--days", "90", "--name", "ci-2"]);
    assert_eq!(extended["displayName"], "ci-2");
    assert!(extended["validTo"].as_str().unwrap() > before.as_str(), "{extended}");
    assert_eq!(extended.get("token"), None);

    // Refusals say what to do next.
    let err = c.fails(&["pat", "create", "--name", "all", "--scope", "app_token"]);
    assert!(
        err.contains("accessDenied") && err.contains("scope you do not hold"),
        "{err}"
    );
    let err = c.fails(&["pat", "create", "--name", "x", "--scope", "vso.nope"]);
    assert!(err.contains("invalidScope"), "{err}");
    let out = c.run(&["pat", "create", "--name", "x", "--scope", "vso.code", "--days", "400"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("1..=365"), "{err}");

    let out = c.run(&["pat", "revoke", "--id", &id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = c.json(&["pat", "list"]);
    assert_eq!(listed, Value::Array(vec![]));
    let revoked = c.json(&["pat", "list", "--filter", "revoked"]);
    assert_eq!(revoked[0]["authorizationId"], id.as_str());
    let err = c.fails(&["pat", "revoke", "--id", &id]);
    assert!(err.contains("authorizationNotFound"), "{err}");

    // An administrator narrows what ada may grant: implied scopes count, more is refused.
    let set = s.admin(&[
        "user",
        "pat-scopes",
        "--id",
        "ada@contoso.com",
        "--scope",
        "vso.work_write",
    ]);
    assert_eq!(set["patScopes"], "vso.work_write");
    let ok = c.json(&["pat", "create", "--name", "work", "--scope", "vso.work"]);
    assert_eq!(ok["scope"], "vso.work");
    let err = c.fails(&["pat", "create", "--name", "code", "--scope", "vso.code"]);
    assert!(err.contains("accessDenied"), "{err}");
    let reset = s.admin(&["user", "pat-scopes", "--id", "ada@contoso.com", "--reset"]);
    assert!(
        reset["patScopes"].as_str().unwrap().contains("vso.code_full"),
        "{reset}"
    );

    // A service principal's sign-in has no PATs.
    let sp = Client::new();
    sp.login_sp(&s, &app, &secret);
    let err = sp.fails(&["pat", "list"]);
    assert!(err.contains("belong to users"), "{err}");
}

#[test]
fn before_login_pat_says_to_log_in_and_every_pat_verb_has_an_example() {
    let c = Client::new();
    let err = c.fails(&["pat", "list"]);
    assert!(err.contains("gatehouse login"), "{err}");
    for verb in ["create", "list", "extend", "revoke"] {
        let text = c.stdout(&["pat", verb, "--help"]);
        assert!(text.contains("Example"), "pat {verb} --help has no example:\n{text}");
    }
}
