//! The audit log's types: who acted ([`Actor`]), and one entry of the hash chain
//! ([`AuditEntry`]). See [`crate::audit`] for the chain and its rules.

use serde::Serialize;

/// What kind of caller made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ActorKind {
    /// A person signed in with a user account (bearer token or browser session).
    User,
    /// An application acting as itself (client credentials).
    ServicePrincipal,
    /// An IoT Central API token.
    ApiToken,
    /// A personal access token, acting for its user.
    Pat,
    /// Someone with access to the database through the local `gatehouse` CLI.
    Operator,
    /// Gatehouse itself (first start, scheduled work).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ServicePrincipal => "servicePrincipal",
            Self::ApiToken => "apiToken",
            Self::Pat => "pat",
            Self::Operator => "operator",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::User,
            Self::ServicePrincipal,
            Self::ApiToken,
            Self::Pat,
            Self::Operator,
            Self::System,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Who made a change and from where. Never holds a secret: an id and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub kind: ActorKind,
    /// Object id (user, service principal), token id, or the operator's login name.
    pub id: String,
    /// UPN, display name or `user@host`: what a reader recognizes.
    pub name: String,
    /// The client address of the request (`None` for the CLI and the system).
    pub origin: Option<String>,
}

impl Actor {
    pub fn new(kind: ActorKind, id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            name: name.into(),
            origin: None,
        }
    }

    /// A user acting for themself (a browser session, a user token).
    pub fn for_user(user: &super::User) -> Self {
        Self::new(ActorKind::User, &user.id, &user.user_principal_name)
    }

    /// The local operator of the `gatehouse` CLI: the OS account that ran it, on this host.
    pub fn operator() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(os_user)
            .unwrap_or_else(|| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let name = if host.is_empty() {
            user.clone()
        } else {
            format!("{user}@{host}")
        };
        Self::new(ActorKind::Operator, user, name)
    }

    /// Gatehouse itself, doing `what` (e.g. `first start`).
    pub fn system(what: &str) -> Self {
        Self::new(ActorKind::System, "gatehouse", what)
    }

    /// The same actor, seen from `origin` (a client address).
    pub fn from_origin(mut self, origin: Option<String>) -> Self {
        self.origin = origin;
        self
    }
}

/// The login name of this process's user from `/proc/self/status` and `/etc/passwd` (for a
/// CLI run without `USER`, as under cron or a container), or `uid N`.
fn os_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_owned())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

/// One entry of the audit chain, as stored. `hash` is SHA-256 over the entry's fields and the
/// previous entry's hash ([`crate::audit::entry_hash`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// 1, 2, 3, ... with no gaps.
    pub seq: i64,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// The tenant the change belongs to (empty for installation-wide changes).
    pub tenant_id: String,
    pub actor: Actor,
    /// `noun.verb`, e.g. `application.create`, `user.delete`, `signIn.failure`.
    pub action: String,
    /// What kind of object was changed, e.g. `application`.
    pub target_kind: String,
    pub target_id: String,
    /// A display name of the target, when it has one.
    pub target_name: String,
    /// `success`, or the reason a sign-in failed.
    pub result: String,
    #[serde(serialize_with = "hex32")]
    pub prev_hash: [u8; 32],
    #[serde(serialize_with = "hex32")]
    pub hash: [u8; 32],
}

fn hex32<S: serde::Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::audit::hex(h))
}

/// An entry about to be appended: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub tenant_id: String,
    pub actor: Actor,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_name: String,
    pub result: String,
}

/// What `GET /api/auditLogs` and `gatehouse audit list` filter on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this tenant's entries (`None`: all, for the installation operator).
    pub tenant_id: Option<String>,
    /// From this time (ms, inclusive).
    pub from_ms: Option<i64>,
    /// Before this time (ms, exclusive).
    pub to_ms: Option<i64>,
    /// Actor id or name, exact.
    pub actor: Option<String>,
    /// Action, exact (`user.create`) or a noun prefix ending in `.` (`user.`).
    pub action: Option<String>,
    /// Entries with `seq` greater than this (paging).
    pub after_seq: i64,
    pub limit: i64,
}
