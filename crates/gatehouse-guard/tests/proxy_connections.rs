//! Connection limits and error answers of `gatehouse proxy` (issue 7, findings 4 and 6): every
//! bad connection is closed within its limit (plus a margin for a loaded machine) while a
//! normal request on another connection is served, and what the proxy refuses by itself is
//! answered in the guard's JSON error shape.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::Router;
use common::AUD;
use gatehouse_guard::proxy::{BoundProxy, ProxyConfig};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_listener::Limits;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Added to each limit: the machine running the tests may be busy.
const MARGIN: Duration = Duration::from_secs(3);

async fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    async fn answer(State(hits): State<Arc<AtomicUsize>>, body: Bytes) -> String {
        hits.fetch_add(1, Ordering::SeqCst);
        format!("upstream read {} bytes", body.len())
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(answer).with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

struct Proxy {
    addr: SocketAddr,
    token: String,
    hits: Arc<AtomicUsize>,
    _issuer: FakeIssuer,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Proxy {
    async fn start(limits: Limits) -> Proxy {
        let issuer = FakeIssuer::start().await;
        let key = TestKey::rsa("k1");
        issuer.publish(&key);
        let (up, hits) = upstream().await;
        let config = ProxyConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            upstream: format!("http://{up}"),
            issuers: vec![issuer.issuer()],
            audiences: vec![AUD.into()],
            allow_insecure_http_for_tests: true,
            connections: limits,
            ..ProxyConfig::default()
        };
        let proxy = BoundProxy::bind(config).await.unwrap();
        assert!(proxy.warm_up().await.is_empty());
        let addr = proxy.local_addr();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(proxy.run(async move {
            let _ = rx.await;
        }));
        Proxy {
            addr,
            token: key.sign(&issuer.claims(AUD)),
            hits,
            _issuer: issuer,
            _stop: tx,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// A normal request on a new connection; its status.
    async fn normal_request(&self) -> u16 {
        let response = reqwest::Client::new()
            .get(format!("http://{}/items", self.addr))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("a normal request is served");
        response.status().as_u16()
    }
}

/// Short limits for the tests: `edit` sets the one under test.
fn limits(edit: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits {
        idle_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(30),
        body_read_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    edit(&mut l);
    l
}

/// Reads until the peer closes the connection (end of stream or reset), at most `bound`.
/// Returns what was read and when the close came; `None` if it stayed open.
async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> Option<(Vec<u8>, Instant)> {
    let mut seen = Vec::new();
    let read = async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    let closed_at = tokio::time::timeout(bound, read).await.ok()?;
    Some((seen, closed_at))
}

/// The status and JSON body of one HTTP/1.1 answer.
fn parse_answer(bytes: &[u8]) -> (u16, Vec<(String, String)>, Value) {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer head in {text:?}"));
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    (status, headers, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// The guard's error shape: `{error, error_description, trace_id}`, `Cache-Control: no-store`.
fn assert_guard_error(bytes: &[u8], status: u16) {
    let (got, headers, body) = parse_answer(bytes);
    assert_eq!(got, status, "{}", String::from_utf8_lossy(bytes));
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(!body["error_description"].as_str().unwrap().is_empty());
    assert!(uuid::Uuid::parse_str(body["trace_id"].as_str().unwrap()).is_ok());
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_connection_that_never_sends_a_request_is_closed_after_the_idle_timeout() {
    let proxy = Proxy::start(limits(|l| l.idle_timeout = Duration::from_secs(1))).await;
    let mut idle = proxy.connect().await;
    let opened = Instant::now();
    assert_eq!(proxy.normal_request().await, 200);
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(1) + MARGIN)
        .await
        .expect("an idle connection is closed");
    assert!(closed - opened >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_keep_alive_connection_idle_between_requests_is_closed_after_the_idle_timeout() {
    let proxy = Proxy::start(limits(|l| l.idle_timeout = Duration::from_secs(1))).await;
    let mut conn = proxy.connect().await;
    let request = format!(
        "GET /items HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {}\r\n\r\n",
        proxy.token
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut first = [0u8; 12];
    conn.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert_eq!(proxy.normal_request().await, 200);
    assert!(read_until_closed(&mut conn, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_partial_head_followed_by_silence_is_closed_after_the_header_timeout() {
    let proxy = Proxy::start(limits(|l| l.header_read_timeout = Duration::from_secs(1))).await;
    let mut slow = proxy.connect().await;
    slow.write_all(b"GET /items HTTP/1.1\r\nHost: a\r\n").await.unwrap();
    assert_eq!(proxy.normal_request().await, 200);
    // The idle timeout (30 s) is far beyond this bound: the header timeout closed it.
    assert!(read_until_closed(&mut slow, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_head_sent_one_byte_a_second_is_closed_at_the_header_timeout_from_its_first_byte() {
    let proxy = Proxy::start(limits(|l| l.header_read_timeout = Duration::from_secs(2))).await;
    let stream = proxy.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let trickle = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let head = format!("GET /items HTTP/1.1\r\nHost: a\r\nX-Slow: {}\r\n\r\n", "a".repeat(60));
            for byte in head.bytes() {
                if writer.write_all(&[byte]).await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    assert_eq!(proxy.normal_request().await, 200);
    let closed = tokio::time::timeout(Duration::from_secs(2) + MARGIN, async {
        let mut buf = [0u8; 64];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    trickle.abort();
    assert!(closed.is_ok(), "a per-byte timer would keep this head alive for 90 s");
    assert!(
        sent.load(Ordering::SeqCst) < 20,
        "closed long before the head was complete"
    );
}

#[tokio::test]
async fn an_http2_connection_that_never_sends_its_settings_is_closed_after_the_header_timeout() {
    let proxy = Proxy::start(limits(|l| l.header_read_timeout = Duration::from_secs(1))).await;
    let mut h2 = proxy.connect().await;
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    assert_eq!(proxy.normal_request().await, 200);
    assert!(read_until_closed(&mut h2, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

/// The client half of an HTTP/2 handshake: preface and an empty SETTINGS frame.
const H2_HELLO: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

/// Reads HTTP/2 frames until one of `kind` arrives; its payload.
async fn read_frame(stream: &mut TcpStream, kind: u8) -> Vec<u8> {
    loop {
        let mut header = [0u8; 9];
        stream.read_exact(&mut header).await.unwrap();
        let len = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload).await.unwrap();
        if header[3] == kind {
            return payload;
        }
    }
}

#[tokio::test]
async fn http2_settings_announce_the_stream_and_header_limits() {
    let proxy = Proxy::start(limits(|l| {
        l.http2_max_concurrent_streams = 7;
        l.max_header_bytes = 16384;
    }))
    .await;
    let mut h2 = proxy.connect().await;
    h2.write_all(H2_HELLO).await.unwrap();
    let settings = read_frame(&mut h2, 4).await;
    let values: Vec<(u16, u32)> = settings
        .chunks(6)
        .map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
        .collect();
    assert!(
        values.contains(&(3, 7)),
        "SETTINGS_MAX_CONCURRENT_STREAMS in {values:?}"
    );
    assert!(
        values.contains(&(6, 16384)),
        "SETTINGS_MAX_HEADER_LIST_SIZE in {values:?}"
    );
}

#[tokio::test]
async fn an_http2_connection_that_does_not_answer_pings_is_closed() {
    let proxy = Proxy::start(limits(|l| {
        l.http2_keep_alive_interval = Some(Duration::from_secs(1));
        l.http2_keep_alive_timeout = Duration::from_secs(1);
    }))
    .await;
    let mut h2 = proxy.connect().await;
    h2.write_all(H2_HELLO).await.unwrap();
    // A PING (type 6) comes, and is never acknowledged.
    tokio::time::timeout(Duration::from_secs(1) + MARGIN, read_frame(&mut h2, 6))
        .await
        .expect("the server pings");
    assert_eq!(proxy.normal_request().await, 200);
    assert!(read_until_closed(&mut h2, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_answered_408_and_closed() {
    let proxy = Proxy::start(limits(|l| l.body_read_timeout = Duration::from_secs(1))).await;
    let stream = proxy.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n",
        proxy.token
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    assert_eq!(proxy.normal_request().await, 200);
    let answer = tokio::time::timeout(Duration::from_secs(1) + MARGIN, async {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    })
    .await;
    trickle.abort();
    let answer = answer.expect("the connection is closed after the answer");
    assert_guard_error(&answer, 408);
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let proxy = Proxy::start(limits(|l| l.max_connections = 2)).await;
    // Two connections take both places (each answered once, so each was accepted).
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut conn = proxy.connect().await;
        conn.write_all(b"GET /items HTTP/1.1\r\nHost: a\r\n\r\n").await.unwrap();
        let mut status = [0u8; 12];
        conn.read_exact(&mut status).await.unwrap();
        assert_eq!(&status, b"HTTP/1.1 401");
        holders.push(conn);
    }
    let waiting = {
        let addr = proxy.addr;
        let token = proxy.token.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(format!("http://{addr}/items"))
                .bearer_auth(token)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection is not served while two are open"
    );
    drop(holders.pop());
    let status = tokio::time::timeout(MARGIN, waiting)
        .await
        .expect("served once a place is free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn content_length_with_chunked_is_refused_400_in_the_guard_shape() {
    let proxy = Proxy::start(Limits::default()).await;
    let mut conn = proxy.connect().await;
    let request = format!(
        "POST /items HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        proxy.token
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let (answer, _) = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("the connection is closed after the answer");
    assert_guard_error(&answer, 400);
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 0, "never forwarded");
}

#[tokio::test]
async fn a_megabyte_header_is_refused_431_in_the_guard_shape() {
    let proxy = Proxy::start(Limits::default()).await;
    let stream = proxy.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let head = format!(
            "GET /items HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
            "a".repeat(1 << 20)
        );
        let _ = writer.write_all(head.as_bytes()).await;
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(MARGIN, reader.read_to_end(&mut answer)).await;
    writing.abort();
    assert!(read.is_ok(), "closed after the answer");
    assert_guard_error(&answer, 431);
}

#[tokio::test]
async fn an_unparseable_head_is_refused_400_in_the_guard_shape() {
    let proxy = Proxy::start(Limits::default()).await;
    let mut conn = proxy.connect().await;
    conn.write_all(b"GET /items HTTP/1.1\r\nHost: a\r\nNot a header\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("closed after the answer");
    assert_guard_error(&answer, 400);
}

#[tokio::test]
async fn a_client_that_writes_a_huge_head_before_reading_still_gets_the_431() {
    let proxy = Proxy::start(Limits::default()).await;
    let mut conn = proxy.connect().await;
    // More than the kernel buffers between the two ends hold: without the lingering close the
    // proxy's close would reset the connection under this write, and the answer would be lost.
    let head = format!(
        "GET /items HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "a".repeat(16 << 20)
    );
    conn.write_all(head.as_bytes()).await.expect("the whole head is taken");
    let (answer, _) = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("closed after the answer");
    assert_guard_error(&answer, 431);
}
