//! Drives the client verbs for client_login.rs: a client with its own config folder, az's
//! output checks, and `gatehouse login --use-device-code` with the person's part on the device
//! page.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use gatehouse_testkit::Server;
use serde_json::Value;

use super::common::*;
use super::device_helpers::*;

pub const ARM: &str = "https://management.core.windows.net/";

/// The client side: its own config folder (and HOME), nothing inherited from the machine.
pub struct Client {
    _temp: tempfile::TempDir,
    pub config: PathBuf,
    pub tz: &'static str,
}

impl Client {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let config = temp.path().join("config");
        Self {
            _temp: temp,
            config,
            tz: "UTC",
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args)
            .env("GATEHOUSE_CONFIG_DIR", &self.config)
            .env("HOME", self.config.parent().unwrap())
            .env("TZ", self.tz);
        for v in [
            "GATEHOUSE_CLIENT_SECRET",
            "GATEHOUSE_SERVER",
            "GATEHOUSE_DATA_DIR",
            "GATEHOUSE_ALLOW_INSECURE_PERMISSIONS",
            "GATEHOUSE_CONFIG",
        ] {
            c.env_remove(v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub fn stdout(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "gatehouse {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let text = self.stdout(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("gatehouse {args:?} printed no JSON ({e}): {text}"))
    }

    /// Runs a verb that must fail with exit code 1; returns its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "gatehouse {args:?} should fail: {out:?}");
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn login_sp(&self, s: &Server, app: &str, secret: &str) -> Value {
        let ca = s.ca_file();
        let mut c = self.cmd(&[
            "login",
            "--service-principal",
            "-u",
            app,
            "--server",
            &s.base_url,
            "--ca-file",
            ca.to_str().unwrap(),
        ]);
        let out = c.env("GATEHOUSE_CLIENT_SECRET", secret).output().unwrap();
        assert!(out.status.success(), "login: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.config.join(name)
    }

    pub fn tokens(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.file("tokens.json")).unwrap()).unwrap()
    }

    pub fn set_tokens(&self, v: &Value) {
        std::fs::write(self.file("tokens.json"), serde_json::to_vec_pretty(v).unwrap()).unwrap();
    }
}

pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

pub fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

/// Days since 1970 to a civil date (Howard Hinnant's algorithm), for checking `expiresOn`.
pub fn utc_text(epoch: i64) -> String {
    let (days, secs) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.000000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Starts `gatehouse login --use-device-code`, does the person's part on the device page
/// (approving or declining), and returns how login ended and its standard error.
pub async fn device_login_run(s: &Server, c: &Client, upn: &str, approve: bool) -> (Output, String) {
    let ca = s.ca_file();
    let mut child = c
        .cmd(&[
            "login",
            "--use-device-code",
            "--server",
            &s.base_url,
            "--ca-file",
            ca.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    let message = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("login prints the device message");
        if line.contains("enter the code") {
            break line;
        }
    };
    let between = |a: &str, b: &str| {
        let start = message.find(a).unwrap() + a.len();
        message[start..].split(b).next().unwrap().to_owned()
    };
    let uri = between("open the page ", " and enter the code ");
    let code = between("enter the code ", " to authenticate");
    assert!(uri.starts_with(&s.base_url), "{message}");
    let done = Browser::new(s, &uri).complete(&code, upn, PASSWORD, approve).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let out = child.wait_with_output().unwrap();
    (out, reader.join().unwrap())
}

/// A device-code login that must succeed; returns what it printed.
pub async fn device_login_cli(s: &Server, c: &Client, upn: &str) -> Value {
    let (out, err) = device_login_run(s, c, upn, true).await;
    assert!(out.status.success(), "device login failed: {err}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}
