//! What the client verbs (`login`, `account`, `logout`) keep between runs, as the Azure CLI keeps
//! `~/.azure/azureProfile.json` and its token cache:
//!
//! ```text
//! ~/.gatehouse/        0700  (GATEHOUSE_CONFIG_DIR)
//!   profile.json       0600  the accounts: subscriptions (or a tenant-level one), which is the default
//!   tokens.json        0600  per identity: refresh token or client secret, cached access tokens
//!   .lock              0600  held while one process reads, refreshes and writes (stale after 60 s)
//! ```
//!
//! Files are written whole: a new 0600 file beside the old one, renamed over it. The folder is
//! checked with the data folder's check (`setup::exposed`) at every use: open to other users, it is
//! refused with the `chmod` that fixes it, or is a warning with
//! `GATEHOUSE_ALLOW_INSECURE_PERMISSIONS=true`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::setup::{exposed, shell_quote, write_private};

/// The cloud name az would print for a cloud registered from Gatehouse's `/metadata/endpoints`.
pub const CLOUD_NAME: &str = "Gatehouse";
pub const TENANT_LEVEL: &str = "N/A(tenant level account)";
pub const USER: &str = "user";
pub const SERVICE_PRINCIPAL: &str = "servicePrincipal";
pub const LOGIN_FIRST: &str =
    "run 'gatehouse login --tenant TENANT --use-device-code' (or '--service-principal -u APPID') first";

/// One account as az stores it (plus the server it came from, never printed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub name: String,
    pub state: String,
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_tenant_id: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    pub user: AccountUser,
    pub environment_name: String,
    /// The Gatehouse base URL the account signed in at.
    pub server: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountUser {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl Account {
    /// As az prints it: `login` and `account list` call the cloud `cloudName`, `account show`
    /// prints the stored `environmentName`.
    pub fn to_az(&self, cloud_key: &str) -> Value {
        let mut v = json!({
            "id": self.id,
            "isDefault": self.is_default,
            "name": self.name,
            "state": self.state,
            "tenantId": self.tenant_id,
            "user": {"name": self.user.name, "type": self.user.kind},
        });
        v[cloud_key] = json!(self.environment_name);
        if let Some(home) = &self.home_tenant_id {
            v["homeTenantId"] = json!(home);
            v["managedByTenants"] = json!([]);
        }
        v
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub subscriptions: Vec<Account>,
}

impl Profile {
    /// The account named by id or name (case-insensitive, as az), else the default one.
    pub fn find(&self, subscription: Option<&str>) -> Result<&Account> {
        if self.subscriptions.is_empty() {
            bail!("there is no account: {LOGIN_FIRST}");
        }
        let Some(wanted) = subscription else {
            return self.subscriptions.iter().find(|a| a.is_default).ok_or_else(|| {
                anyhow!("no account is the default: choose one with 'gatehouse account set --subscription ID' (see 'gatehouse account list')")
            });
        };
        let found: Vec<&Account> = self
            .subscriptions
            .iter()
            .filter(|a| a.id.eq_ignore_ascii_case(wanted) || a.name.eq_ignore_ascii_case(wanted))
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => bail!("subscription '{wanted}' was not found: see 'gatehouse account list', or {LOGIN_FIRST}"),
            _ => bail!(
                "several accounts are named '{wanted}': name the subscription by id (see 'gatehouse account list')"
            ),
        }
    }

    pub fn set_default(&mut self, subscription: &str) -> Result<()> {
        let id = self.find(Some(subscription))?.id.clone();
        for a in &mut self.subscriptions {
            a.is_default = a.id == id;
        }
        Ok(())
    }

    /// Adds the accounts of a new login, as az does: the same id is replaced; the default stays
    /// where it was if that account came back, else it is the first enabled new one.
    pub fn merge(&mut self, new: Vec<Account>) {
        let was = self.subscriptions.iter().find(|a| a.is_default).map(|a| a.id.clone());
        self.subscriptions.retain(|old| !new.iter().any(|n| n.id == old.id));
        let pick = new
            .iter()
            .position(|n| Some(&n.id) == was.as_ref())
            .or_else(|| new.iter().position(|n| n.state == "Enabled"))
            .unwrap_or(0);
        let pick = new.get(pick).map(|a| a.id.clone());
        self.subscriptions.extend(new);
        if pick.is_some() {
            for a in &mut self.subscriptions {
                a.is_default = Some(&a.id) == pick.as_ref();
            }
        }
    }
}

/// The secrets of one signed-in identity at one server and tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub server: String,
    pub tenant_id: String,
    /// The tenant as given to `login --tenant`, when that was a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    /// A user principal name, or a service principal's appId.
    pub user: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub client_id: String,
    /// The CA the server's certificate is checked against (absolute); none: the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub access_tokens: Vec<CachedToken>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    pub scope: String,
    pub access_token: String,
    /// Epoch seconds.
    pub expires_on: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tokens {
    #[serde(default)]
    pub identities: Vec<Identity>,
}

impl Tokens {
    pub fn of(&mut self, a: &Account) -> Option<&mut Identity> {
        self.identities
            .iter_mut()
            .find(|i| i.server == a.server && i.tenant_id == a.tenant_id && i.user.eq_ignore_ascii_case(&a.user.name))
    }

    /// Stores a fresh login, replacing an older one of the same identity.
    pub fn put(&mut self, identity: Identity) {
        self.identities.retain(|i| {
            !(i.server == identity.server
                && i.tenant_id == identity.tenant_id
                && i.user.eq_ignore_ascii_case(&identity.user))
        });
        self.identities.push(identity);
    }
}

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

    /// Waits (up to 30 s) until no other `gatehouse` process changes the files, then holds them:
    /// two processes refreshing one refresh token at once would present it twice, and the server
    /// revokes a family whose spent token comes back.
    pub async fn lock(&self) -> Result<Lock> {
        self.ensure()?;
        let path = self.path.join(".lock");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match write_private(&path, std::process::id().to_string().as_bytes()) {
                Ok(()) => return Ok(Lock { path }),
                Err(e) if is_exists(&e) => {
                    let age = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|a| a > Duration::from_secs(60)) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if Instant::now() > deadline {
                        bail!(
                            "another gatehouse process has held {} for 30 s; if none runs, remove that file",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            state: "Enabled".into(),
            tenant_id: "t".into(),
            home_tenant_id: Some("t".into()),
            is_default: false,
            user: AccountUser {
                name: "ada".into(),
                kind: USER.into(),
            },
            environment_name: CLOUD_NAME.into(),
            server: "https://s".into(),
        }
    }

    #[test]
    fn merge_keeps_the_default_where_it_was_and_replaces_the_same_id() {
        let mut p = Profile::default();
        p.merge(vec![account("a", "A"), account("b", "B")]);
        assert_eq!(p.find(None).unwrap().id, "a");
        p.set_default("B").unwrap();
        p.merge(vec![account("b", "B2"), account("c", "C")]);
        assert_eq!(p.subscriptions.len(), 3);
        assert_eq!(p.find(None).unwrap().name, "B2");
        p.merge(vec![account("d", "D")]);
        assert_eq!(p.find(None).unwrap().id, "d");
        assert!(p
            .find(Some("nope"))
            .unwrap_err()
            .to_string()
            .contains("gatehouse account list"));
        assert!(Profile::default()
            .find(None)
            .unwrap_err()
            .to_string()
            .contains("gatehouse login"));
    }
}
