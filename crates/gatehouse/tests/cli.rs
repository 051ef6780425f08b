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
