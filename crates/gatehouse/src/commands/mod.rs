//! One file per verb family.

pub mod api;
pub mod app;
pub mod app_consent;
pub mod migrate;
pub mod proxy;
pub mod purge;
pub mod serve;
pub mod sp;
pub mod tenant;
pub mod user;

use anyhow::anyhow;

/// Admin errors carry a sentence meant for people; show it without the wire wrapping.
pub fn explain(e: gatehouse_core::Error) -> anyhow::Error {
    match e {
        gatehouse_core::Error::Store(inner) => anyhow!("the database failed: {inner}"),
        other => anyhow!("{other}"),
    }
}
