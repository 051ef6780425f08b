//! One file per endpoint family.

pub mod device;
pub mod discovery;
pub mod me;
pub mod revocation;
pub mod token;
