//! The config folder of the client verbs (client_profile.rs has what is in it): created 0700,
//! files 0600 written whole (a new file renamed over the old one), a lock file while one process
//! changes them, and the data folder's privacy check (`setup::exposed`) at every use: open to
//! other users, it is refused with the `chmod` that fixes it, or is a warning with
//! `GATEHOUSE_ALLOW_INSECURE_PERMISSIONS=true`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::client_profile::{Profile, Tokens};
use crate::setup::{exposed, shell_quote, write_private};

/// The folder, checked private when it exists.
pub struct ConfigDir {
    pub path: PathBuf,
}

const PROFILE: &str = "profile.json";
const TOKENS: &str = "tokens.json";

impl ConfigDir {
    /// `GATEHOUSE_CONFIG_DIR`, else `~/.gatehouse`.
    pub fn locate() -> Result<Self> {
        let path = match std::env::var_os("GATEHOUSE_CONFIG_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                Some(home) => Path::new(&home).join(".gatehouse"),
                None => bail!("HOME is not set: name the folder for accounts and tokens with GATEHOUSE_CONFIG_DIR"),
            },
        };
        let dir = Self { path };
        if dir.path.exists() {
            check_private(&dir.path)?;
        }
        Ok(dir)
    }

    pub fn profile_file(&self) -> PathBuf {
        self.path.join(PROFILE)
    }

    pub fn tokens_file(&self) -> PathBuf {
        self.path.join(TOKENS)
    }

    pub fn read_profile(&self) -> Result<Profile> {
        read_json(&self.profile_file())
    }

    pub fn read_tokens(&self) -> Result<Tokens> {
        read_json(&self.tokens_file())
    }

    pub fn write_profile(&self, p: &Profile) -> Result<()> {
        self.write_json(PROFILE, p)
    }

    pub fn write_tokens(&self, t: &Tokens) -> Result<()> {
        self.write_json(TOKENS, t)
    }

    /// Creates the folder 0700 (its missing parents get the usual mode).
    fn ensure(&self) -> Result<()> {
        if self.path.is_dir() {
            return Ok(());
        }
        let explain = || {
            format!(
                "creating the folder for accounts and tokens {} (check its parent's permissions, or set GATEHOUSE_CONFIG_DIR)",
                self.path.display()
            )
        };
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).with_context(explain)?;
        }
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        match builder.create(&self.path) {
            Err(e) if !(e.kind() == std::io::ErrorKind::AlreadyExists && self.path.is_dir()) => {
                Err(e).with_context(explain)
            }
            _ => Ok(()),
        }
    }

    /// A new 0600 file renamed over the old one: a reader sees the old file or the new, whole.
    fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.ensure()?;
        let target = self.path.join(name);
        let temp = self.path.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&temp);
        let mut text = serde_json::to_vec_pretty(value)?;
        text.push(b'\n');
        write_private(&temp, &text)?;
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(e).with_context(|| format!("replacing {}", target.display()));
        }
        if let Ok(dir) = fs::File::open(&self.path) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Waits (up to 90 s) until no other `gatehouse` process changes the files, then holds them:
    /// two processes refreshing one refresh token at once would present it twice, and the server
    /// revokes a family whose spent token comes back. A lock whose process is gone (Linux: no
    /// `/proc/PID`), or older than 120 s (longer than a holder's HTTP timeouts), is taken over.
    pub async fn lock(&self) -> Result<Lock> {
        self.ensure()?;
        let path = self.path.join(".lock");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            match write_private(&path, std::process::id().to_string().as_bytes()) {
                Ok(()) => return Ok(Lock { path }),
                Err(e) if is_exists(&e) => {
                    if stale(&path) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if Instant::now() > deadline {
                        bail!(
                            "another gatehouse process has held {} for 90 s; if none runs, remove that file",
                            path.display()
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Whether the lock's holder is certainly gone.
fn stale(path: &Path) -> bool {
    let age = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok());
    if age.is_some_and(|a| a > Duration::from_secs(120)) {
        return true;
    }
    let holder = fs::read_to_string(path).ok().and_then(|t| t.trim().parse::<u32>().ok());
    let proc = Path::new("/proc/self");
    match holder {
        Some(pid) if proc.is_dir() => !Path::new("/proc").join(pid.to_string()).exists(),
        _ => false,
    }
}

fn is_exists(e: &anyhow::Error) -> bool {
    e.root_cause()
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists)
}

/// Removed when dropped.
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn read_json<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is damaged: remove it and run 'gatehouse login' again",
            path.display()
        )
    })
}

fn allow_insecure() -> bool {
    std::env::var("GATEHOUSE_ALLOW_INSECURE_PERMISSIONS")
        .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on" | "y"))
}

/// The data folder's rule for this folder: nothing in it may grant group or others any access.
fn check_private(dir: &Path) -> Result<()> {
    let found = exposed(dir)?;
    if found.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "the folder {} is open to other local users (group or other permissions), and it holds your refresh tokens and secrets:\n",
        dir.display()
    );
    for e in &found {
        let want = if e.dir { "0700" } else { "0600" };
        text.push_str(&format!("  {}  is {:04o}, must be {want}\n", e.path.display(), e.mode));
    }
    let commands: Vec<String> = [("700", true), ("600", false)]
        .into_iter()
        .filter_map(|(mode, dirs)| {
            let paths: Vec<String> = found
                .iter()
                .filter(|e| e.dir == dirs)
                .map(|e| shell_quote(&e.path))
                .collect();
            (!paths.is_empty()).then(|| format!("chmod {mode} {}", paths.join(" ")))
        })
        .collect();
    text.push_str(&format!("Make it private with:\n  {}", commands.join(" && ")));
    if allow_insecure() {
        eprintln!("warning: {text}\nGoing on anyway, as GATEHOUSE_ALLOW_INSECURE_PERMISSIONS says.");
        return Ok(());
    }
    bail!("{text}\nOr, to go on with a warning, set GATEHOUSE_ALLOW_INSECURE_PERMISSIONS=true.")
}
