//! Cost of the guard's check of a presented token: RS256 / ES256 with warm JWKS and no cache,
//! the verified-token cache hit, and a full cache: 20,000 distinct tokens in turn against the
//! default capacity (10,000: most checks miss, verify and evict) and against a capacity that
//! holds them all (every check hits). Run: `cargo bench -p gatehouse-guard --bench verify`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::{parse_authorization, Guard};
use http::{HeaderMap, HeaderValue};

const AUD: &str = "api://bench";
/// Distinct tokens of the full-cache cases (the 20,000).
const DISTINCT: usize = 20_000;

/// Polls a future that is expected to finish without waiting (warm keys, no I/O) and falls back
/// to the runtime otherwise, so the measurement is not dominated by `block_on`.
fn run<F: Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => rt.block_on(fut),
    }
}

fn headers(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    h
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let _enter = rt.enter();
    let issuer = rt.block_on(FakeIssuer::start());
    let rsa = TestKey::rsa("rsa");
    let ec = TestKey::ec("ec");
    issuer.publish(&rsa);
    issuer.publish(&ec);
    let build = |cache: usize| {
        let guard = Guard::new(issuer.config(AUD).cache_capacity(cache).build().unwrap()).unwrap();
        assert!(rt.block_on(guard.refresh_keys()).is_empty());
        guard
    };
    let no_cache = build(0);
    let cached = build(10_000);
    let rs_headers = headers(&rsa.sign(&issuer.claims(AUD)));
    let es_headers = headers(&ec.sign(&issuer.claims(AUD)));
    assert!(run(&rt, no_cache.authenticate(&rs_headers)).is_ok());
    assert!(run(&rt, no_cache.authenticate(&es_headers)).is_ok());
    assert!(run(&rt, cached.authenticate(&rs_headers)).is_ok());

    let mut group = c.benchmark_group("verify");
    group.bench_function("rs256_warm_jwks_no_cache", |b| {
        b.iter(|| run(&rt, no_cache.authenticate(&rs_headers)).unwrap())
    });
    group.bench_function("es256_warm_jwks_no_cache", |b| {
        b.iter(|| run(&rt, no_cache.authenticate(&es_headers)).unwrap())
    });
    group.bench_function("rs256_cached", |b| {
        b.iter(|| run(&rt, cached.authenticate(&rs_headers)).unwrap())
    });
    // A full cache. Tokens are signed once here (RS256: a few seconds).
    let many: Vec<HeaderMap> = (0..DISTINCT).map(|_| headers(&rsa.sign(&issuer.claims(AUD)))).collect();
    let default_capacity = build(gatehouse_guard::DEFAULT_CACHE_CAPACITY);
    let roomy = build(DISTINCT);
    for h in &many {
        assert!(run(&rt, default_capacity.authenticate(h)).is_ok());
        assert!(run(&rt, roomy.authenticate(h)).is_ok());
    }
    let mut i = 0;
    group.bench_function("rs256_20000_tokens_in_turn_capacity_10000", |b| {
        b.iter(|| {
            i = (i + 1) % many.len();
            run(&rt, default_capacity.authenticate(&many[i])).unwrap()
        })
    });
    group.bench_function("rs256_20000_tokens_in_turn_capacity_20000", |b| {
        b.iter(|| {
            i = (i + 1) % many.len();
            run(&rt, roomy.authenticate(&many[i])).unwrap()
        })
    });
    let value = rs_headers["authorization"].as_bytes().to_vec();
    group.bench_function("parse_authorization", |b| {
        b.iter(|| parse_authorization(std::hint::black_box(&value)).is_ok())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
