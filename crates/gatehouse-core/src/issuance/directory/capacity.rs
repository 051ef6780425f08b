//! How many entries each cache holds at most (a client: about 1 KB with its groups entry).

pub const TENANTS: u64 = 10_000;
pub const CLIENTS: u64 = 25_000;
pub const RESOURCES: u64 = 10_000;
pub const ASSIGNMENTS: u64 = 25_000;
pub const APP_ROLES: u64 = 10_000;
pub const GROUPS: u64 = 25_000;
