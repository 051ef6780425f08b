//! Several client secrets per app, each with its own expiry: all of them authenticate, and
//! `gatehouse app credential list` shows how many days each has left and flags those ending
//! within 30 days.

mod common;
use common::*;

const DEV: &str = "https://devcenter.azure.com/.default";

#[tokio::test]
async fn several_secrets_work_at_once_and_the_list_flags_those_close_to_expiry() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "rolling"]);
    let app = sp["appId"].as_str().unwrap().to_owned();
    let first_secret = sp["password"].as_str().unwrap().to_owned();
    let soon = s.admin(&[
        "app",
        "credential",
        "add",
        "--app",
        &app,
        "--display-name",
        "soon",
        "--days",
        "10",
    ]);
    let later = s.admin(&[
        "app",
        "credential",
        "add",
        "--app",
        &app,
        "--display-name",
        "later",
        "--days",
        "400",
    ]);
    for secret in [
        first_secret.as_str(),
        soon["secretText"].as_str().unwrap(),
        later["secretText"].as_str().unwrap(),
    ] {
        let (st, _, body) = cc(&s, &tenant, &app, secret, DEV).await;
        assert_eq!(st, 200, "every active secret authenticates: {body}");
    }

    let out = s.admin_raw(&["app", "credential", "list", "--app", &app]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["displayName"] == name)
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .clone()
    };
    let (soon_row, later_row) = (row("soon"), row("later"));
    assert_eq!(
        (soon_row["soon"].as_bool(), soon_row["status"].as_str()),
        (Some(true), Some("expiring"))
    );
    assert!(
        (9..=10).contains(&soon_row["expiresInDays"].as_i64().unwrap()),
        "{soon_row}"
    );
    assert_eq!(
        (later_row["soon"].as_bool(), later_row["status"].as_str()),
        (Some(false), Some("ok"))
    );
    assert!(
        (399..=400).contains(&later_row["expiresInDays"].as_i64().unwrap()),
        "{later_row}"
    );
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("1 credential(s) expired or ending within 30 days"),
        "{warning}"
    );

    // The table has the expiry columns.
    let table = std::process::Command::new(bin())
        .args([
            "app",
            "credential",
            "list",
            "--app",
            &app,
            "--output",
            "table",
            "--data-dir",
        ])
        .arg(&s.data_dir)
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&table.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(head.contains("expiresInDays") && head.contains("soon"), "{head}");

    // --days is bounded and named in the refusal.
    let bad = s.admin_raw(&["app", "credential", "add", "--app", &app, "--days", "0"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--days"));
}
