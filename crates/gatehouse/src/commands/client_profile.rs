//! What the client verbs (`login`, `account`, `logout`) keep between runs, as the Azure CLI keeps
//! `~/.azure/azureProfile.json` and its token cache:
//!
//! ```text
//! ~/.gatehouse/        0700  (GATEHOUSE_CONFIG_DIR)
//!   profile.json       0600  the accounts: subscriptions (or a tenant-level one), which is the default
//!   tokens.json        0600  per identity: refresh token or client secret, cached access tokens
//!   .lock              0600  held while one process refreshes (taken over once its process is gone)
//! ```
//!
//! How the folder and its files are kept private and written: client_files.rs.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use super::client_files::ConfigDir;

/// The cloud name az would print for a cloud registered from Gatehouse's `/metadata/endpoints`.
pub const CLOUD_NAME: &str = "Gatehouse";
pub const TENANT_LEVEL: &str = "N/A(tenant level account)";
pub const USER: &str = "user";
pub const SERVICE_PRINCIPAL: &str = "servicePrincipal";
pub const LOGIN_FIRST: &str =
    "run 'gatehouse login --tenant TENANT --use-device-code', or 'gatehouse login --service-principal -u APPID --tenant TENANT', first";

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
