//! Connection limits and error answers of `gatehouse serve`, against the real binary (issue 7,
//! findings 4 and 6): every bad connection is closed within its limit (configured at 1-2 s
//! through `GATEHOUSE_*`, plus a margin for a loaded machine) while a normal request on another
//! connection is served, and what the server refuses before routing is answered in Entra's
//! error shape.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use gatehouse_testkit::{Server, ServerOptions};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;

/// Added to each limit: the machine running the tests may be busy.
const MARGIN: Duration = Duration::from_secs(3);

/// A server whose limits are `settings` (GATEHOUSE_* name without the prefix, value); the
/// other timeouts are 30 s so only the one under test can close a connection.
fn start_with(settings: &[(&str, &str)]) -> Server {
    let mut env: Vec<(String, String)> = [
        ("IDLE_TIMEOUT_SECONDS", "30"),
        ("HEADER_READ_TIMEOUT_SECONDS", "30"),
        ("BODY_READ_TIMEOUT_SECONDS", "30"),
    ]
    .iter()
    .map(|(k, v)| (format!("GATEHOUSE_{k}"), v.to_string()))
    .collect();
    for (k, v) in settings {
        env.retain(|(name, _)| name != &format!("GATEHOUSE_{k}"));
        env.push((format!("GATEHOUSE_{k}"), v.to_string()));
    }
    Server::start(
        bin(),
        ServerOptions {
            env,
            ..ServerOptions::default()
        },
    )
}

fn addr(s: &Server) -> SocketAddr {
    s.base_url.strip_prefix("https://").unwrap().parse().unwrap()
}

/// A TLS connection trusting the server's CA, offering `alpn`.
async fn connect(s: &Server, alpn: &[u8]) -> TlsStream<TcpStream> {
    let pem = std::fs::read(s.ca_file()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = TcpStream::connect(addr(s)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("TLS handshake")
}

/// An HTTP/1.1 connection that has had one request answered 200 (the answer's first bytes
/// read): kept alive, between requests.
async fn after_one_answer(s: &Server) -> TlsStream<TcpStream> {
    let (tenant, _, _) = first(s);
    let mut conn = connect(s, b"http/1.1").await;
    let request = format!("GET /{tenant}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut status = [0u8; 12];
    conn.read_exact(&mut status).await.unwrap();
    assert_eq!(&status, b"HTTP/1.1 200");
    conn
}

/// A normal request on a new connection; its status.
async fn normal_request(s: &Server) -> u16 {
    let (tenant, _, _) = first(s);
    s.client()
        .get(format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url))
        .send()
        .await
        .expect("a normal request is served")
        .status()
        .as_u16()
}

/// Reads until the peer closes (end of stream, reset, or TLS closed without close_notify), at
/// most `bound`; what was read, or `None` if the connection stayed open.
async fn read_until_closed<R: AsyncRead + Unpin>(stream: &mut R, bound: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let read = async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read).await.ok()?;
    Some(seen)
}

/// Asserts one HTTP/1.1 answer in Entra's error shape (`invalid_request`, AADSTS9002313).
fn assert_entra_answer(bytes: &[u8], status: u16) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer in {text:?}"));
    let mut lines = head.lines();
    let got: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in lines.filter_map(|l| l.split_once(": ")) {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let body: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("no JSON body in {text:?}"));
    assert_entra_error(got, &headers, &body, status, "invalid_request", 9002313);
    body
}

#[tokio::test]
async fn a_connection_idle_after_the_tls_handshake_is_closed_after_the_idle_timeout() {
    let s = start_with(&[("IDLE_TIMEOUT_SECONDS", "1")]);
    let mut idle = connect(&s, b"http/1.1").await;
    let opened = Instant::now();
    assert_eq!(normal_request(&s).await, 200);
    assert!(read_until_closed(&mut idle, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
    assert!(opened.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_keep_alive_connection_idle_between_requests_is_closed_after_the_idle_timeout() {
    let s = start_with(&[("IDLE_TIMEOUT_SECONDS", "1")]);
    let mut conn = after_one_answer(&s).await;
    assert_eq!(normal_request(&s).await, 200);
    assert!(read_until_closed(&mut conn, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_partial_head_followed_by_silence_is_closed_after_the_header_timeout() {
    let s = start_with(&[("HEADER_READ_TIMEOUT_SECONDS", "1")]);
    let mut slow = connect(&s, b"http/1.1").await;
    slow.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n").await.unwrap();
    assert_eq!(normal_request(&s).await, 200);
    // The idle timeout (30 s) is far beyond this bound: the header timeout closed it.
    assert!(read_until_closed(&mut slow, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_head_sent_one_byte_a_second_is_closed_at_the_header_timeout_from_its_first_byte() {
    let s = start_with(&[("HEADER_READ_TIMEOUT_SECONDS", "2")]);
    let (mut reader, mut writer) = tokio::io::split(connect(&s, b"http/1.1").await);
    let sent = Arc::new(AtomicUsize::new(0));
    let trickle = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let head = format!("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: {}\r\n\r\n", "a".repeat(60));
            for byte in head.bytes() {
                if writer.write_all(&[byte]).await.is_err() || writer.flush().await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    assert_eq!(normal_request(&s).await, 200);
    let closed = read_until_closed(&mut reader, Duration::from_secs(2) + MARGIN).await;
    trickle.abort();
    assert!(closed.is_some(), "a per-byte timer would keep this head alive for 90 s");
    assert!(
        sent.load(Ordering::SeqCst) < 20,
        "closed long before the head was complete"
    );
}

#[tokio::test]
async fn an_http2_connection_that_never_sends_its_settings_is_closed_after_the_header_timeout() {
    let s = start_with(&[("HEADER_READ_TIMEOUT_SECONDS", "1")]);
    let mut h2 = connect(&s, b"h2").await;
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    h2.flush().await.unwrap();
    assert_eq!(normal_request(&s).await, 200);
    assert!(read_until_closed(&mut h2, Duration::from_secs(1) + MARGIN)
        .await
        .is_some());
}

#[tokio::test]
async fn a_head_begun_long_after_the_previous_answer_still_gets_exactly_the_header_timeout() {
    // The watchdog is not woken when a head begins: it must look often enough on its own. An
    // idle timeout of 30 s must not stretch the 1 s header timeout of a head that begins late.
    let s = start_with(&[("HEADER_READ_TIMEOUT_SECONDS", "1")]);
    let mut conn = after_one_answer(&s).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    conn.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    conn.flush().await.unwrap();
    let began = Instant::now();
    assert!(
        read_until_closed(&mut conn, Duration::from_secs(1) + MARGIN)
            .await
            .is_some(),
        "the late head was not cut at its header timeout"
    );
    assert!(
        began.elapsed() >= Duration::from_millis(900),
        "closed before its deadline"
    );
}

#[tokio::test]
async fn a_pipelined_head_that_stalls_is_closed_after_the_idle_timeout() {
    // Part of a second request sent with the first: hyper holds it unscanned; with nothing
    // more arriving the connection counts as idle and is closed at the idle timeout.
    let s = start_with(&[("IDLE_TIMEOUT_SECONDS", "2")]);
    let mut conn = connect(&s, b"http/1.1").await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    conn.flush().await.unwrap();
    let answer = read_until_closed(&mut conn, Duration::from_secs(2) + MARGIN)
        .await
        .expect("the connection with a stalled pipelined head is closed");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_answered_408_in_entra_shape_and_closed() {
    let s = start_with(&[("BODY_READ_TIMEOUT_SECONDS", "1")]);
    let (tenant, _, _) = first(&s);
    let (mut reader, mut writer) = tokio::io::split(connect(&s, b"http/1.1").await);
    let head = format!(
        "POST /{tenant}/oauth2/v2.0/token HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    writer.flush().await.unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"x").await.is_err() || writer.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    assert_eq!(normal_request(&s).await, 200);
    let answer = read_until_closed(&mut reader, Duration::from_secs(1) + MARGIN).await;
    trickle.abort();
    let answer = answer.expect("the connection is closed after the answer");
    let body = assert_entra_answer(&answer, 408);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("did not arrive in time"));
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let s = start_with(&[("MAX_CONNECTIONS", "2")]);
    let (tenant, _, _) = first(&s);
    // Two connections take both places (each answered once, so each was accepted).
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut conn = connect(&s, b"http/1.1").await;
        let request = format!("GET /{tenant}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n\r\n");
        conn.write_all(request.as_bytes()).await.unwrap();
        let mut status = [0u8; 12];
        conn.read_exact(&mut status).await.unwrap();
        assert_eq!(&status, b"HTTP/1.1 200");
        holders.push(conn);
    }
    let waiting = {
        let client = s.client();
        let url = format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url);
        tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) })
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
async fn content_length_with_chunked_is_refused_400_in_entra_shape() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let form = format!("grant_type=client_credentials&client_id={app}&client_secret={secret}&scope=x");
    let request = format!(
        "POST /{tenant}/oauth2/v2.0/token HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{form}\r\n0\r\n\r\n",
        form.len(),
        form.len()
    );
    let mut conn = connect(&s, b"http/1.1").await;
    conn.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("the connection is closed after the answer");
    let body = assert_entra_answer(&answer, 400);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("Transfer-Encoding"));
}

#[tokio::test]
async fn a_megabyte_header_is_refused_431_in_entra_shape() {
    let s = start();
    let (mut reader, mut writer) = tokio::io::split(connect(&s, b"http/1.1").await);
    let writing = tokio::spawn(async move {
        let head = format!("GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n", "a".repeat(1 << 20));
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.flush().await;
    });
    let answer = read_until_closed(&mut reader, MARGIN).await;
    writing.abort();
    let answer = answer.expect("the connection is closed after the answer");
    let body = assert_entra_answer(&answer, 431);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("headers are larger"));
}

#[tokio::test]
async fn a_client_that_writes_a_huge_head_before_reading_still_gets_the_431() {
    let s = start();
    let mut conn = connect(&s, b"http/1.1").await;
    // More than the kernel buffers between the two ends hold: without the lingering close the
    // server's close would reset the connection under this write, and the answer would be lost.
    let head = format!("GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n", "a".repeat(16 << 20));
    conn.write_all(head.as_bytes()).await.expect("the whole head is taken");
    conn.flush().await.unwrap();
    let answer = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("closed after the answer");
    assert_entra_answer(&answer, 431);
}

#[tokio::test]
async fn an_unparseable_head_is_refused_400_in_entra_shape() {
    let s = start();
    let mut conn = connect(&s, b"http/1.1").await;
    conn.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nNot a header\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut conn, MARGIN)
        .await
        .expect("the connection is closed after the answer");
    assert_entra_answer(&answer, 400);
}

#[test]
fn an_out_of_range_limit_stops_serve_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--header-read-timeout-seconds", "0"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("GATEHOUSE_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("header_read_timeout_seconds is 0: give 1 to 300 seconds")
            && stderr.contains("--header-read-timeout-seconds"),
        "{stderr}"
    );
}
