//! `gatehouse logout`: as `az logout`, forgets an identity's accounts and tokens. Nothing is
//! asked of the server.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;

use super::client_profile::ConfigDir;

/// Forget an identity (as `az logout`): its accounts and tokens.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  gatehouse logout\n  gatehouse logout --username ada@contoso.com\nWithout --username, the user of the default account. Nothing is asked of the server: a refresh\ntoken already stolen keeps working until revoked there ('gatehouse user update --account-enabled false')."
)]
pub struct Logout {
    /// The user principal name or appId to forget (default: that of the default account).
    #[arg(long, short = 'u')]
    username: Option<String>,
}

impl Logout {
    pub async fn run(self) -> Result<()> {
        let config = ConfigDir::locate()?;
        let _lock = config.lock().await?;
        let mut profile = config.read_profile()?;
        let user = match self.username {
            Some(u) => u,
            None => profile
                .find(None)
                .map_err(|_| {
                    anyhow!(
                        "there is nothing to log out: no account is stored (to sign in, see 'gatehouse login --help')"
                    )
                })?
                .user
                .name
                .clone(),
        };
        let before = profile.subscriptions.len();
        profile
            .subscriptions
            .retain(|a| !a.user.name.eq_ignore_ascii_case(&user));
        if profile.subscriptions.len() == before {
            bail!("no account of '{user}' is stored: see 'gatehouse account list'");
        }
        if !profile.subscriptions.iter().any(|a| a.is_default) {
            if let Some(first) = profile.subscriptions.first_mut() {
                first.is_default = true;
            }
        }
        let mut tokens = config.read_tokens()?;
        tokens.identities.retain(|i| !i.user.eq_ignore_ascii_case(&user));
        config.write_tokens(&tokens).context("forgetting the tokens")?;
        config.write_profile(&profile)?;
        Ok(())
    }
}
