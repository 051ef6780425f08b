//! The data folder at rest, through the real binary: what a start creates is private to its owner
//! (folder 0700, every file 0600, SQLite's `-wal` and `-shm` included) even under a umask that
//! takes nothing away; a folder or file that others may use stops every verb with the `chmod`
//! that fixes it, unless the operator overrides it (then it is a warning); and
//! `--quiet-bootstrap` keeps the first start's secrets off standard output, in a 0600 file.
#![cfg(unix)]

mod common;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use gatehouse_testkit::{Server, ServerOptions};

/// A `gatehouse serve` started by hand (the testkit cannot set a umask), killed when dropped.
struct Started {
    child: Child,
    base_url: String,
    stdout: Vec<String>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `gatehouse serve --data-dir DATA --listen 127.0.0.1:0 EXTRA...` with umask 000, so
/// only the modes the binary asks for protect what it creates; waits (up to 60 s) until it listens.
fn serve_with_open_umask(data: &Path, extra: &[&str]) -> Started {
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" "$@""#)
        .arg(bin())
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("GATEHOUSE_DATABASE_URL")
        .env_remove("GATEHOUSE_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawning gatehouse serve");
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut stdout = Vec::new();
    loop {
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("gatehouse serve did not listen within 60 s:\n{}", stdout.join("\n"));
            }
        };
        stdout.push(line.clone());
        if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
            let base_url = rest.split_whitespace().next().unwrap().to_owned();
            return Started {
                child,
                base_url,
                stdout,
            };
        }
    }
}

/// Every path under `dir` (itself included) with its permission bits, sorted.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = vec![(dir.to_owned(), mode(dir))];
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(modes(&path));
        } else {
            out.push((path.clone(), mode(&path)));
        }
    }
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a verb against `data` and returns its output; a verb still running after 60 s (a
/// server that started when it should have refused) is killed and fails the test.
fn verb(args: &[&str], data: &Path) -> std::process::Output {
    let mut child = Command::new(bin())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("GATEHOUSE_DATABASE_URL")
        .env_remove("GATEHOUSE_CONFIG")
        .env_remove("GATEHOUSE_ALLOW_INSECURE_PERMISSIONS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running gatehouse");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("gatehouse {args:?} still ran after 60 s: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An HTTPS client that trusts the data folder's local CA.
fn client(data: &Path) -> reqwest::Client {
    let pem = std::fs::read(data.join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap()
}

#[test]
fn the_database_is_readable_only_by_its_owner() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = serve_with_open_umask(&data, &[]);
    // A write while the server holds the database open: SQLite has its -wal and -shm now.
    let out = verb(
        &[
            "user",
            "create",
            "--user-principal-name",
            "ada@contoso.com",
            "--display-name",
            "Ada",
            "--password",
            "correct horse battery",
        ],
        &data,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let found = modes(&data);
    let names: Vec<String> = found
        .iter()
        .map(|(p, _)| p.strip_prefix(&data).unwrap().display().to_string())
        .collect();
    for want in [
        "gatehouse.sqlite",
        "gatehouse.sqlite-wal",
        "gatehouse.sqlite-shm",
        "kek",
        "tls",
        "tls/ca.pem",
        "tls/ca.key",
        "tls/server.pem",
        "tls/server.key",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} is missing: {names:?}");
    }
    for (path, mode) in &found {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:04o}, must be {want:04o}", path.display());
    }
    drop(server);
}

#[test]
fn a_data_folder_open_to_others_refuses_every_verb_with_the_chmod_that_fixes_it() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let out = verb(&["migrate"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    chmod(&data, 0o755);
    chmod(&data.join("gatehouse.sqlite"), 0o644);

    let out = verb(&["serve", "--listen", "127.0.0.1:0"], &data);
    assert!(!out.status.success(), "serve started on a shared data folder");
    let err = stderr(&out);
    let d = data.display();
    let fix = format!("chmod 700 {d} && chmod 600 {d}/gatehouse.sqlite");
    assert!(err.contains(&fix), "the message gives the exact chmod:\n{err}");
    assert!(err.contains("--allow-insecure-permissions"), "{err}");
    assert!(!err.contains("Gatehouse listening"), "{err}");
    for args in [&["tenant", "list"][..], &["purge"], &["migrate"]] {
        let out = verb(args, &data);
        assert!(!out.status.success(), "{args:?} ran on a shared data folder");
        assert!(stderr(&out).contains(&fix), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(
        mode(&data.join("gatehouse.sqlite")),
        0o644,
        "the check changes nothing itself"
    );

    // The command it gives is the whole fix: run it, and the server starts.
    let status = Command::new("/bin/sh").arg("-c").arg(&fix).status().unwrap();
    assert!(status.success());
    let server = Server::start(
        bin(),
        ServerOptions {
            data_dir: Some(data.clone()),
            ..Default::default()
        },
    );
    assert!(!server.output().contains("warning:"), "{}", server.output());
}

#[tokio::test]
async fn the_permission_override_starts_with_a_warning() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let out = verb(&["migrate"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    chmod(&data.join("kek"), 0o644);
    let fix = format!("chmod 600 {}/kek", data.display());

    // The environment variable, for serve.
    let s = Server::start(
        bin(),
        ServerOptions {
            data_dir: Some(data.clone()),
            env: vec![("GATEHOUSE_ALLOW_INSECURE_PERMISSIONS".into(), "true".into())],
            ..Default::default()
        },
    );
    let output = s.output();
    assert!(
        output.contains("warning: the data folder") && output.contains(&fix),
        "{output}"
    );
    let (tenant, app, secret) = first(&s);
    let (status, _, body) = cc(&s, &tenant, &app, &secret, "https://apps.azureiotcentral.com/.default").await;
    assert_eq!(status, 200, "the server works: {body}");

    // The flag and the configuration file's key, for an admin verb.
    let out = verb(&["tenant", "list", "--allow-insecure-permissions"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&fix), "{}", stderr(&out));
    let config = root.path().join("gatehouse.toml");
    std::fs::write(&config, "allow_insecure_permissions = true\n").unwrap();
    let out = verb(&["tenant", "list", "--config", config.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));
    // The flag says no: refused again, the file notwithstanding.
    let out = verb(
        &[
            "tenant",
            "list",
            "--config",
            config.to_str().unwrap(),
            "--allow-insecure-permissions=false",
        ],
        &data,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&fix), "{}", stderr(&out));
}

#[tokio::test]
async fn quiet_bootstrap_keeps_the_one_time_secrets_off_standard_output() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = serve_with_open_umask(&data, &["--quiet-bootstrap"]);
    let file = data.join("getting-started.txt");
    let stdout = server.stdout.join("\n");
    assert!(
        stdout.contains(&file.display().to_string()),
        "standard output says where the secrets are:\n{stdout}"
    );
    assert_eq!(mode(&file), 0o600, "written readable only by the owner");
    let text = std::fs::read_to_string(&file).unwrap();
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .map(|v| v.split_whitespace().next().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {label} in {text}"))
    };
    let (tenant, app, secret, password) = (
        field("Tenant id:"),
        field("appId:"),
        field("secret:"),
        field("password:"),
    );
    for one_time in [&secret, &password] {
        assert!(
            !stdout.contains(one_time.as_str()),
            "a one-time secret reached standard output:\n{stdout}"
        );
    }
    // The file holds the real secret: it gets a token.
    let r = client(&data)
        .post(format!("{}/{tenant}/oauth2/v2.0/token", server.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://apps.azureiotcentral.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}
