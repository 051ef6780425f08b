//! The real `gatehouse` binary, started for one test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to start a server.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Use this data folder instead of a new temporary one (to restart on the same data).
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL; without it the embedded SQLite database is used.
    pub database_url: Option<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// What the first start printed.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub tenant_id: String,
    pub app_id: String,
    pub secret: String,
    /// The first subscription (the service principal is its Owner).
    pub subscription_id: String,
}

pub struct Server {
    child: Child,
    pub bin: PathBuf,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub first_start: Option<FirstStart>,
    pub env: Vec<(String, String)>,
    output: Arc<Mutex<Vec<String>>>,
    _temp: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `bin serve` on 127.0.0.1:0 and waits (up to 60 s) until it listens.
    pub fn start(bin: &Path, options: ServerOptions) -> Self {
        let (temp, data_dir) = match options.data_dir.clone() {
            Some(d) => (None, d),
            None => {
                let t = tempfile::tempdir().expect("temporary folder");
                let d = t.path().join("data");
                (Some(t), d)
            }
        };
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--listen")
            .arg("127.0.0.1:0");
        if let Some(url) = &options.database_url {
            cmd.arg("--database-url").arg(url);
        }
        cmd.env_remove("GATEHOUSE_DATABASE_URL")
            .env_remove("GATEHOUSE_CONFIG")
            .env("GATEHOUSE_LOG", "warn");
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning gatehouse serve");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut base_url = None;
        let mut lines = Vec::new();
        while base_url.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
                        base_url = rest.split_whitespace().next().map(str::to_owned);
                    }
                    lines.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "gatehouse serve did not start within 60 s; output:\n{}",
                        output.lock().unwrap().join("\n")
                    );
                }
            }
        }
        let field = |label: &str| {
            lines.iter().find_map(|l| {
                l.trim_start()
                    .strip_prefix(label)
                    .map(|v| v.split_whitespace().next().unwrap_or("").to_owned())
            })
        };
        let first_start = match (field("Tenant id:"), field("appId:"), field("secret:")) {
            (Some(tenant_id), Some(app_id), Some(secret)) => Some(FirstStart {
                tenant_id,
                app_id,
                secret,
                subscription_id: field("subscriptionId:").unwrap_or_default(),
            }),
            _ => None,
        };
        Self {
            child,
            bin: bin.to_owned(),
            base_url: base_url.unwrap(),
            data_dir,
            database_url: options.database_url,
            first_start,
            env: options.env,
            output,
            _temp: temp,
        }
    }

    pub fn ca_file(&self) -> PathBuf {
        self.data_dir.join("tls/ca.pem")
    }

    /// An HTTPS client trusting only the server's local CA.
    pub fn client(&self) -> reqwest::Client {
        let pem = std::fs::read(self.ca_file()).expect("the server's CA file");
        let cert = reqwest::Certificate::from_pem(&pem).expect("CA PEM");
        reqwest::Client::builder()
            .tls_certs_only([cert])
            .build()
            .expect("HTTPS client")
    }

    /// Runs an admin verb against this server's data (`--output json` added), returning its JSON.
    pub fn admin(&self, args: &[&str]) -> serde_json::Value {
        let out = self.admin_raw(args);
        assert!(
            out.status.success(),
            "gatehouse {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "gatehouse {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs an admin verb and returns its raw output (for failure tests).
    pub fn admin_raw(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--output")
            .arg("json");
        if let Some(url) = &self.database_url {
            cmd.arg("--database-url").arg(url);
        }
        cmd.env_remove("GATEHOUSE_DATABASE_URL").env_remove("GATEHOUSE_CONFIG");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("running gatehouse")
    }

    /// Everything the server printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    /// Stops the server (SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
