//! The domain's types, by concern: [`tenant`], [`apps`] (applications, service principals,
//! secrets, app roles and their assignments), [`arm`] (subscriptions, resource groups, RBAC
//! role definitions and assignments), [`user`], [`groups`], [`pats`] (personal access tokens), [`iotc`] (IoT Central's organizations, role holders, API tokens), [`audit`] (the audit log's entries and actors), [`grants`] (what the user flows store
//! between requests), [`revocation`], [`events`] (the sign-in log, purge reports), [`formats`] (access-token formats of APIs, opaque-token records). Everything is
//! re-exported here, so `crate::model::User` is the one path.
//!
//! Names follow Entra ID and Microsoft Graph, so that the Graph front door serves these same
//! objects.

pub mod apps;
pub mod arm;
pub mod audit;
pub mod events;
pub mod formats;
pub mod grants;
pub mod groups;
pub mod iotc;
pub mod pats;
pub mod revocation;
pub mod tenant;
pub mod user;

pub use apps::*;
pub use arm::*;
pub use audit::*;
pub use events::*;
pub use formats::*;
pub use grants::*;
pub use groups::*;
pub use iotc::*;
pub use pats::*;
pub use revocation::*;
pub use tenant::*;
pub use user::*;

/// Seconds since the Unix epoch.
pub type UnixTime = i64;

pub fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}
