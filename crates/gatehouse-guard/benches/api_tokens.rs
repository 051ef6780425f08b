//! Cost of the guard's check of an API token (`SharedAccessSignature`): a cached check (the
//! verified cache plus the revocation feed's `credential` lookup, target under 5 µs) and the
//! first, uncached check (strict parse plus one introspection round trip to an in-process fake
//! server over loopback HTTP). The same cached check of a personal access token
//! (`Bearer gthpat_...` and `Basic base64(:gthpat_...)`) sits beside it.
//! Run: `cargo bench -p gatehouse-guard --bench api_tokens`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_guard::testing::FakeIssuer;
use gatehouse_guard::{Guard, RevocationSettings};
use http::{HeaderMap, HeaderValue};

fn run<F: Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => rt.block_on(fut),
    }
}

fn headers(sas: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("authorization", HeaderValue::from_str(sas).unwrap());
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
    let build = |cache: usize| {
        let config = issuer
            .config("api://bench")
            .cache_capacity(cache)
            .revocation(RevocationSettings {
                poll_interval: Duration::from_secs(3600),
                max_staleness: Duration::from_secs(3600),
                ..RevocationSettings::new(issuer.base_url())
            })
            .api_tokens("bench-client", "bench-secret")
            .build()
            .unwrap();
        let guard = Guard::new(config).unwrap();
        rt.block_on(guard.revocation_feed().unwrap().poll_now()).unwrap();
        guard
    };
    let cached = build(10_000);
    let uncached = build(0);
    let sas = headers(&issuer.api_token("bench-token", &["op"], Some("x"), 7200));
    assert!(run(&rt, cached.authenticate(&sas)).is_ok());
    assert!(rt.block_on(uncached.authenticate(&sas)).is_ok());
    let (pat, _) = issuer.pat("7c1d2e3f-4444-4555-8666-777788889999", &["vso.code"], 7200);
    let pat_bearer = headers(&format!("Bearer {pat}"));
    let pat_basic = {
        use base64::Engine;
        headers(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"))
        ))
    };
    assert!(run(&rt, cached.authenticate(&pat_bearer)).is_ok());
    assert!(run(&rt, cached.authenticate(&pat_basic)).is_ok());
    assert!(rt.block_on(uncached.authenticate(&pat_bearer)).is_ok());

    let mut group = c.benchmark_group("api_tokens");
    group.bench_function("sas_cached", |b| {
        b.iter(|| run(&rt, cached.authenticate(&sas)).unwrap())
    });
    group.bench_function("pat_bearer_cached", |b| {
        b.iter(|| run(&rt, cached.authenticate(&pat_bearer)).unwrap())
    });
    group.bench_function("pat_basic_cached", |b| {
        b.iter(|| run(&rt, cached.authenticate(&pat_basic)).unwrap())
    });
    group.bench_function("sas_first_check_introspection", |b| {
        b.iter(|| rt.block_on(uncached.authenticate(&sas)).unwrap())
    });
    group.bench_function("pat_first_check_introspection", |b| {
        b.iter(|| rt.block_on(uncached.authenticate(&pat_bearer)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
