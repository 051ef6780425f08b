//! The CLI itself: help texts, configuration checks, error messages.

mod common;
use common::*;

use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .args(args)
        .env_remove("GATEHOUSE_CONFIG")
        .env_remove("GATEHOUSE_DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn every_verb_has_help_with_an_example() {
    let verbs: &[&[&str]] = &[
        &["serve"],
        &["migrate"],
        &["purge"],
        &["proxy"],
        &["tenant", "create"],
        &["tenant", "list"],
        &["tenant", "show"],
        &["app", "create"],
        &["app", "list"],
        &["app", "show"],
        &["app", "delete"],
        &["app", "credential", "add"],
        &["app", "credential", "list"],
        &["app", "credential", "remove"],
        &["app", "role", "grant"],
        &["app", "role", "revoke"],
        &["app", "consent", "grant"],
        &["app", "consent", "list"],
        &["app", "consent", "revoke"],
        &["api", "create"],
        &["api", "list"],
        &["sp", "create-for-rbac"],
        &["user", "create"],
        &["user", "list"],
        &["user", "show"],
        &["user", "update"],
        &["user", "delete"],
        &["user", "sign-ins"],
        &["role", "list"],
        &["role", "assign"],
        &["role", "create"],
        &["role", "update"],
        &["role", "delete"],
        &["org", "create"],
        &["org", "list"],
        &["org", "delete"],
    ];
    for verb in verbs {
        let mut args = verb.to_vec();
        args.push("--help");
        let out = run(&args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{verb:?} --help failed");
        assert!(text.contains("Example"), "{verb:?} --help has no example:\n{text}");
    }
}

#[test]
fn configuration_errors_say_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "lisen = \"127.0.0.1:1\"\n").unwrap();
    // The data folder beside the configuration file, not around it (it must be private).
    let data = dir.path().join("data");
    let out = run(&[
        "serve",
        "--config",
        bad.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a valid Gatehouse configuration") && err.contains("lisen"),
        "{err}"
    );

    let out = run(&["serve", "--listen", "localhost", "--data-dir", data.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("IP:PORT"));
    let out = run(&[
        "serve",
        "--public-url",
        "http://x",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
    let out = run(&[
        "tenant",
        "list",
        "--database-url",
        "mysql://x",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
    let out = run(&[
        "tenant",
        "list",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("connecting to the database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_configuration_file_and_environment_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        format!(
            "data_dir = {:?}\nlisten = \"127.0.0.1:0\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    // The admin verbs find the data folder through the file given in the environment.
    let out = Command::new(bin())
        .args(["tenant", "create", "--name", "fromfile", "-o", "json"])
        .env("GATEHOUSE_CONFIG", &file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(data.join("gatehouse.sqlite").exists());
    let out = Command::new(bin())
        .args(["tenant", "show", "fromfile", "-o", "json"])
        .env("GATEHOUSE_DATA_DIR", &data)
        .output()
        .unwrap();
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["name"], "fromfile");
    // Unknown objects: a clear message and a non-zero exit.
    let out = Command::new(bin())
        .args(["app", "show", "nope", "--tenant", "fromfile"])
        .env("GATEHOUSE_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("gatehouse app list"));
}

#[test]
fn purge_reports_what_it_removed_and_checks_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let out = run(&["purge", "--data-dir", data, "-o", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "authCodes",
        "deviceCodes",
        "sessions",
        "refreshFamilies",
        "revocations",
        "throttleEntries",
        "signInEvents",
    ] {
        assert_eq!(report[key], 0, "{key} in {report}");
    }
    let out = run(&["purge", "--data-dir", data, "--sign-in-log-retention-days", "99999"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 to keep the log forever"), "{err}");
    let out = run(&["serve", "--data-dir", data, "--purge-interval-minutes", "999999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("gatehouse purge"));
}

#[test]
fn iot_central_roles_and_organizations_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--data-dir", data, "-o", "json"]);
        serde_json::from_str(&ok(&run(&all))).unwrap()
    };
    json(&["tenant", "create", "--name", "default"]);
    json(&[
        "user",
        "create",
        "--user-principal-name",
        "ops@default",
        "--display-name",
        "Ops",
        "--password",
        "correct horse battery",
    ]);
    let roles = json(&["role", "list"]);
    assert!(
        roles
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["displayName"] == "Org Operator"),
        "{roles}"
    );
    json(&["org", "create", "--id", "plant-1", "--name", "Plant 1"]);
    let child = json(&[
        "org", "create", "--id", "line-a", "--name", "Line A", "--parent", "plant-1",
    ]);
    assert_eq!(child["parent"], "plant-1");
    assert_eq!(json(&["org", "list"]).as_array().unwrap().len(), 2);
    let user = json(&[
        "role",
        "assign",
        "--assignee",
        "ops@default",
        "--role",
        "Org Operator",
        "--organization",
        "line-a",
    ]);
    assert_eq!(user["roles"], "Org Operator @ line-a", "{user}");
    // An application role belongs to the root; an unknown assignee is named.
    let out = run(&[
        "role",
        "assign",
        "--assignee",
        "ops@default",
        "--role",
        "Operator",
        "--organization",
        "line-a",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "role",
        "assign",
        "--assignee",
        "nobody@default",
        "--role",
        "Operator",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    // line-a is used by the user's role, plant-1 by its child.
    for org in ["line-a", "plant-1"] {
        let out = run(&["org", "delete", org, "--data-dir", data]);
        assert!(!out.status.success(), "{org} was deleted while in use");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("in use"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A custom role: created, assigned by name, listed, narrowed, refused delete while held.
    let err = |args: &[&str]| -> String {
        let mut all = args.to_vec();
        all.extend(["--data-dir", data]);
        let out = run(&all);
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let role = json(&[
        "role",
        "create",
        "line-keeper",
        "--name",
        "Line keeper",
        "--permissions",
        "view,apiTokens.read,apiTokens.manage",
        "--organization-role",
    ]);
    assert_eq!(role["type"], "custom", "{role}");
    assert_eq!(role["permissions"], "view apiTokens.read apiTokens.manage", "{role}");
    assert!(err(&[
        "role",
        "create",
        "line-keeper",
        "--name",
        "Again",
        "--permissions",
        "view"
    ])
    .contains("role update"));
    assert!(err(&["role", "create", "x", "--name", "X", "--permissions", "view,fly"]).contains("Permissions are:"));
    assert!(err(&["role", "update", "Operator", "--permissions", "view"]).contains("built-in"));
    let user = json(&[
        "role",
        "assign",
        "--assignee",
        "ops@default",
        "--role",
        "line keeper",
        "--organization",
        "plant-1",
    ]);
    assert_eq!(user["roles"], "Org Operator @ line-a, Line keeper @ plant-1", "{user}");
    let listed = json(&["role", "list"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 7);
    assert_eq!(listed[6]["id"], "line-keeper");
    let narrowed = json(&["role", "update", "Line keeper", "--permissions", "view"]);
    assert_eq!(narrowed["permissions"], "view");
    assert_eq!(narrowed["scope"], "organization");
    assert!(err(&["role", "delete", "line-keeper"]).contains("in use"));
    assert!(err(&["role", "delete", "nope"]).contains("gatehouse role list"));
}

/// `args` with `flag` (and its value) put before the verb, then after it.
fn both_positions<'a>(flag: &[&'a str], verb: &[&'a str], rest: &[&'a str]) -> [Vec<&'a str>; 2] {
    let before = flag.iter().chain(verb).chain(rest).copied().collect();
    let after = verb.iter().chain(rest).chain(flag).copied().collect();
    [before, after]
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn global_flags_work_before_or_after_the_verb() {
    let dir = tempfile::tempdir().unwrap();
    // --data-dir
    for (i, args) in both_positions(&["--data-dir", "DIR"], &["tenant", "create"], &["--name", "t"])
        .into_iter()
        .enumerate()
    {
        let data = dir.path().join(format!("data-{i}"));
        let args: Vec<&str> = args
            .into_iter()
            .map(|a| if a == "DIR" { data.to_str().unwrap() } else { a })
            .collect();
        ok(&run(&args));
        assert!(
            data.join("gatehouse.sqlite").exists(),
            "{args:?} used {}",
            data.display()
        );
    }
    let data = dir.path().join("data-0");
    let data = data.to_str().unwrap();
    // --output and -o
    for flag in [["--output", "json"], ["-o", "json"]] {
        for args in both_positions(&flag, &["tenant", "show", "t"], &["--data-dir", data]) {
            let json: serde_json::Value =
                serde_json::from_str(&ok(&run(&args))).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(json["name"], "t", "{args:?}");
        }
    }
    for args in both_positions(&["-o", "table"], &["tenant", "show", "t"], &["--data-dir", data]) {
        let text = ok(&run(&args));
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "{args:?}: {text}"
        );
        assert!(text.contains("name"), "{args:?}: {text}");
    }
    // --config
    let data = dir.path().join("from-config");
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(&file, format!("data_dir = {:?}\n", data.display().to_string())).unwrap();
    let config = file.to_str().unwrap();
    ok(&run(&["--config", config, "tenant", "create", "--name", "c0"]));
    ok(&run(&["tenant", "create", "--name", "c1", "--config", config]));
    let out = ok(&run(&[
        "tenant",
        "list",
        "--data-dir",
        data.to_str().unwrap(),
        "-o",
        "json",
    ]));
    assert!(out.contains("\"c0\"") && out.contains("\"c1\""), "{out}");
    // A value after the verb wins over one before it.
    let (a, b) = (dir.path().join("first"), dir.path().join("second"));
    ok(&run(&[
        "--data-dir",
        a.to_str().unwrap(),
        "tenant",
        "create",
        "--name",
        "w",
        "--data-dir",
        b.to_str().unwrap(),
    ]));
    assert!(b.join("gatehouse.sqlite").exists() && !a.exists());
}

#[test]
fn a_global_flag_is_refused_by_a_verb_that_does_not_take_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = run(&["-o", "json", "migrate", "--data-dir", data.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--output does not apply to `gatehouse migrate`"), "{err}");
    let out = run(&[
        "--data-dir",
        data.to_str().unwrap(),
        "proxy",
        "--upstream",
        "http://127.0.0.1:1",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--data-dir does not apply to `gatehouse proxy`"), "{err}");
    assert!(!data.exists(), "nothing was run");
}

#[tokio::test]
async fn database_url_works_before_or_after_the_verb() {
    let db = gatehouse_testkit::pg::ScratchDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let url = db.url.as_str();
    ok(&run(&[
        "--database-url",
        url,
        "tenant",
        "create",
        "--name",
        "pg0",
        "--data-dir",
        data,
    ]));
    ok(&run(&[
        "tenant",
        "create",
        "--name",
        "pg1",
        "--data-dir",
        data,
        "--database-url",
        url,
    ]));
    let out = ok(&run(&[
        "tenant",
        "list",
        "--database-url",
        &db.url,
        "--data-dir",
        data,
        "-o",
        "json",
    ]));
    assert!(out.contains("\"pg0\"") && out.contains("\"pg1\""), "{out}");
    assert!(
        !std::path::Path::new(data).join("gatehouse.sqlite").exists(),
        "the tenants went to PostgreSQL"
    );
}
