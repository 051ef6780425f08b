//! The `gatehouse` binary: a thin layer over the library crates.
//!
//! - `serve`: the HTTPS server (commands/serve.rs); `migrate`: apply migrations; `purge`: remove
//!   expired rows (commands/purge.rs).
//! - admin verbs: `tenant`, `app` (with `credential`, `role` and `consent`), `api`, `sp`, `user`,
//!   `subscription`, `audit` (verify, list, export the audit log), `role` and `org` (IoT
//!   Central's roles and organizations)
//!   (commands/*.rs, `app consent` in commands/app_consent.rs), each against the same
//!   `--data-dir` / `--database-url` as the server. Domain errors get their command-line hints in
//!   `commands::explain`.
//! - `proxy`: the guard in front of another HTTP API (commands/proxy.rs).
//! - client verbs, as the Azure CLI's: `login`, `logout` (commands/login.rs, logout.rs), `account`
//!   (commands/account.rs), `pat` (commands/pat.rs: the PAT API as the signed-in user), over HTTPS to a server (commands/client_http.rs), keeping accounts and
//!   tokens in GATEHOUSE_CONFIG_DIR (commands/client_profile.rs).
//! - config.rs (two-stage configuration), context.rs (store + KEK), setup.rs (data folder,
//!   local CA), output.rs (`--output json|table`), global.rs (those flags before or after the
//!   verb). `anyhow` is used only in this crate.

mod commands;
mod config;
mod context;
mod global;
mod output;
mod setup;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse: identity and tokens for REST APIs, in the wire dialect of Microsoft Entra ID.",
    after_help = "Start here:\n  gatehouse serve                       # HTTPS on 127.0.0.1:8443, data in ./gatehouse-data\n  gatehouse sp create-for-rbac -n my-ci # a service principal with a secret\n  gatehouse login --use-device-code     # then: gatehouse account get-access-token\n\nEvery verb has --help with an example."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Serve(commands::serve::Serve),
    Migrate(commands::migrate::Migrate),
    Purge(commands::purge::Purge),
    #[command(subcommand)]
    Tenant(commands::tenant::TenantCmd),
    #[command(subcommand)]
    App(commands::app::AppCmd),
    #[command(subcommand)]
    Api(commands::api::ApiCmd),
    #[command(subcommand)]
    Sp(commands::sp::SpCmd),
    /// Signing keys of a tenant: their schedule, and rotation.
    #[command(subcommand)]
    Keys(commands::keys::KeysCmd),
    #[command(subcommand)]
    User(commands::user::UserCmd),
    #[command(subcommand)]
    Subscription(commands::subscription::SubscriptionCmd),
    /// The hash-chained audit log: verify it, list entries, export them.
    #[command(subcommand)]
    Audit(commands::audit::AuditCmd),
    /// IoT Central's roles and who holds them.
    #[command(subcommand)]
    Role(commands::role::RoleCmd),
    /// IoT Central's organizations of a tenant.
    #[command(subcommand)]
    Org(commands::org::OrgCmd),
    Proxy(commands::proxy::Proxy),
    /// Sign in to a Gatehouse server as a user or service principal (as `az login`).
    Login(commands::login::Login),
    /// Forget a signed-in identity (as `az logout`).
    Logout(commands::logout::Logout),
    /// The stored accounts and their access tokens (as `az account`).
    #[command(subcommand)]
    Account(commands::account::AccountCmd),
    /// Your personal access tokens, through the server's PAT API (as the signed-in user).
    #[command(subcommand)]
    Pat(commands::pat::PatCmd),
}

fn main() -> std::process::ExitCode {
    let cmd = global::with_globals(Cli::command());
    let matches = cmd.clone().get_matches();
    global::refuse_where_unused(&cmd, &matches);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The client verbs word a certificate failure themselves; the verifier's own log line is noise.
    let client = matches!(
        cli.command,
        Command::Login(_) | Command::Logout(_) | Command::Account(_) | Command::Pat(_)
    );
    let default_filter = if client {
        "warn,rustls_platform_verifier=off"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GATEHOUSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(c) => c.run().await,
            Command::Migrate(c) => c.run().await,
            Command::Purge(c) => c.run().await,
            Command::Audit(c) => c.run().await,
            Command::Tenant(c) => c.run().await,
            Command::App(c) => c.run().await,
            Command::Api(c) => c.run().await,
            Command::Sp(c) => c.run().await,
            Command::Keys(c) => c.run().await,
            Command::User(c) => c.run().await,
            Command::Subscription(c) => c.run().await,
            Command::Role(c) => c.run().await,
            Command::Org(c) => c.run().await,
            Command::Proxy(c) => c.run().await,
            Command::Login(c) => c.run().await,
            Command::Logout(c) => c.run().await,
            Command::Account(c) => c.run().await,
            Command::Pat(c) => c.run().await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
