//! The caller's address, for per-address throttling and the sign-in log.
//!
//! Without trusted proxies it is the TCP peer. Behind a load balancer or reverse proxy, list the
//! proxies' addresses ([`TrustedProxies`]): when the peer is one of them, the address is read from
//! `X-Forwarded-For`, right to left, skipping entries that are trusted proxies too; the first
//! untrusted entry is the caller. Entries a client wrote itself sit to the left of what the proxies
//! appended, so they are never reached while an untrusted entry comes first. A peer that is not a
//! trusted proxy is the caller, whatever headers it sends.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header::HeaderName, Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Networks whose connections may say who the caller is through `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

/// The resolved caller address, put in the request's extensions by [`resolve_layer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl TrustedProxies {
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> Self {
        Self(nets.into_iter().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The caller's address for a connection from `peer` carrying `headers`.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut caller = canonical(peer);
        if !self.trusts(caller) {
            return caller;
        }
        let hops: Vec<&str> = headers
            .get_all(&X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Garbage a trusted proxy passed on: the last address it vouched for is the caller.
                break;
            };
            caller = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        caller
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, from dual-stack sockets) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Middleware: resolves the caller's address once per request into [`ClientAddr`].
pub async fn resolve_layer(State(trusted): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let caller = trusted.resolve(peer, req.headers());
        req.extensions_mut().insert(ClientAddr(caller));
    }
    next.run(req).await
}

/// The caller's address: what [`resolve_layer`] found, else the TCP peer.
pub fn client_addr(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| extensions.get::<ConnectInfo<SocketAddr>>().map(|c| canonical(c.0.ip())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn trusted(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(&X_FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let t = trusted(&["10.0.0.0/8"]);
        assert_eq!(t.resolve(ip("203.0.113.9"), &xff(&["198.51.100.1"])), ip("203.0.113.9"));
        assert_eq!(
            TrustedProxies::default().resolve(ip("10.1.1.1"), &xff(&["198.51.100.1"])),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_caller() {
        let t = trusted(&["10.0.0.0/8", "192.168.0.1/32"]);
        // The client spoofed 1.1.1.1; the edge proxy appended the real address, then 192.168.0.1.
        let h = xff(&["1.1.1.1, 198.51.100.7, 192.168.0.1"]);
        assert_eq!(t.resolve(ip("10.0.0.2"), &h), ip("198.51.100.7"));
        // Several headers count as one list, in order.
        let h = xff(&["1.1.1.1", "198.51.100.7:5555, 192.168.0.1"]);
        assert_eq!(t.resolve(ip("10.0.0.2"), &h), ip("198.51.100.7"));
        // Only trusted hops: the leftmost is the best we know.
        assert_eq!(
            t.resolve(ip("10.0.0.2"), &xff(&["10.9.9.9, 192.168.0.1"])),
            ip("10.9.9.9")
        );
        // No header: the proxy itself.
        assert_eq!(t.resolve(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_vouched_address() {
        let t = trusted(&["10.0.0.0/8"]);
        assert_eq!(t.resolve(ip("10.0.0.2"), &xff(&["unknown, 10.0.0.3"])), ip("10.0.0.3"));
        assert_eq!(t.resolve(ip("10.0.0.2"), &xff(&["not-an-ip"])), ip("10.0.0.2"));
        assert_eq!(
            t.resolve(ip("10.0.0.2"), &xff(&["[2001:db8::1]:443"])),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let t = trusted(&["127.0.0.1/32"]);
        assert_eq!(
            t.resolve(ip("::ffff:127.0.0.1"), &xff(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
    }
}
