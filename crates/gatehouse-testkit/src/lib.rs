//! Test helpers shared by the integration and end-to-end tests.
//!
//! - [`pg`]: scratch PostgreSQL databases on 127.0.0.1:5432 (user postgres), one per test,
//!   dropped afterwards. If PostgreSQL cannot be reached the test FAILS with a message saying how
//!   to start it: the suite never skips a backend.
//! - [`server`]: starts the real `gatehouse` binary on 127.0.0.1 with a port it picks, a
//!   temporary data folder, and an HTTPS client that trusts the server's local CA.
//! - [`tamper`]: editing a database behind Gatehouse's back (audit chain tests).

pub mod pg;
pub mod server;
pub mod tamper;

pub use server::{Server, ServerOptions};
