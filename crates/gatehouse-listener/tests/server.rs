//! The accept loop on its own, with a trivial handler: graceful shutdown (requests in flight
//! finish, new connections are refused, a connection that does not finish is dropped after the
//! grace period) and the peer address handed to the handler.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use gatehouse_listener::{RequestBody, Server};
use http::{Request, Response};
use http_body_util::Full;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Added to each bound: the machine running the tests may be busy.
const MARGIN: Duration = Duration::from_secs(3);

/// Answers `peer=ADDR` after `delay` (forever when `None`).
fn handler(delay: Option<Duration>) -> impl gatehouse_listener::Handler {
    move |peer: SocketAddr, _request: Request<RequestBody>| async move {
        match delay {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
        Response::new(Full::new(Bytes::from(format!("peer={peer}"))))
    }
}

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(delay: Option<Duration>, grace: Duration) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = Server::new(listener, handler(delay)).shutdown_grace(grace);
    let done = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        done,
    }
}

async fn send_get(addr: SocketAddr) -> TcpStream {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").await.unwrap();
    conn
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish_and_refuses_new_connections() {
    let mut server = start(Some(Duration::from_secs(1)), Duration::from_secs(10)).await;
    let mut conn = send_get(server.addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.stop.take().unwrap().send(()).unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(MARGIN, conn.read_to_end(&mut answer))
        .await
        .expect("answered, then closed")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.ends_with(&format!("peer={}", conn.local_addr().unwrap())),
        "{text}"
    );
    tokio::time::timeout(MARGIN, server.done)
        .await
        .expect("run returns once drained")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(server.addr).await.is_err(), "no longer listening");
}

#[tokio::test]
async fn shutdown_drops_what_is_still_open_after_the_grace_period() {
    let mut server = start(None, Duration::from_secs(1)).await;
    let mut conn = send_get(server.addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(1) + MARGIN, server.done)
        .await
        .expect("run returns after the grace period")
        .unwrap()
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(MARGIN, conn.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection is closed");
    assert!(rest.is_empty(), "the request never got an answer");
}
