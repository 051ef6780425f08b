//! A minimal plain-HTTP upstream for `bench/proxy-load.sh`: answers every request with a short
//! body, so the benchmark measures the proxy, not the API behind it.
//!
//! Run: cargo run --release -p gatehouse-guard --example bench_upstream -- 127.0.0.1:9000

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9000".into());
    let app = Router::new().fallback(get(|| async { "ok\n" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("upstream listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
