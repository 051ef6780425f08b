//! Accepting and serving HTTP connections with limits on what each one may cost: used by
//! `gatehouse serve` (HTTPS) and `gatehouse proxy` (plain HTTP), so the accept loop exists once.
//!
//! hyper does the HTTP (HTTP/1.1 and HTTP/2 through hyper-util's `auto::Builder`, protocol
//! chosen by the first bytes); this crate adds what hyper lacks and a place to configure it all:
//!
//! - [`limits`]: [`Limits`] (TLS handshake, request head, body, idle and HTTP/2 limits, the
//!   connection cap, the head size) and [`LimitsFile`], the same as optional values from a
//!   `[connections]` TOML table or flags, checked with messages naming the key to change.
//! - [`server`]: [`Server`], the accept loop: the connection cap (accepting pauses at the cap),
//!   the TLS handshake timeout, one task per connection, graceful shutdown.
//! - `watch`: the per-connection state machine (idle, head, busy) and its watchdog, which closes
//!   an idle connection after `idle_timeout` and one whose request head (or HTTP/2 preface) is
//!   not complete `header_read_timeout` after its first byte.
//! - `io`: the I/O wrapper that feeds the watchdog, replaces hyper's bare error answers to heads
//!   it cannot parse with the embedder's [`Refusals`], and closes with a bounded lingering read
//!   so the client gets to read that answer.
//! - `scan`: byte-level observations of a request head (the HTTP/2 preface, the end of the head,
//!   `Content-Length` together with `Transfer-Encoding`).
//! - [`body`]: [`RequestBody`], the request body with a read deadline ([`BodyTimeout`]).
//! - `service`: the per-connection hyper service: request accounting, ambiguous framing
//!   refused, the caller's handler called with the peer address.
//! - [`refusal`]: [`Refusal`], what the listener refuses by itself, and [`Refusals`], how the
//!   embedder words the answer (Entra's error body for the server, the guard's for the proxy).

pub mod body;
mod io;
pub mod limits;
pub mod refusal;
mod scan;
pub mod server;
mod service;
mod watch;

pub use body::{BodyTimeout, RequestBody};
pub use limits::{Limits, LimitsError, LimitsFile};
pub use refusal::{Refusal, Refusals};
pub use server::{Handler, Server};

/// The error type of bodies crossing this crate.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
