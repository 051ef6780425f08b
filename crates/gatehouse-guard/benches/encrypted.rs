//! The guard's check of a signed token next to an encrypted one (RSA-OAEP-256 unwrap,
//! A256GCM, then the same RS256 check), warm JWKS, no verified-token cache.
//! Run: `cargo bench -p gatehouse-guard --bench encrypted`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::Guard;
use gatehouse_keys::jwe::DecryptionKey;
use http::{HeaderMap, HeaderValue};

const AUD: &str = "api://bench";

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
    issuer.publish(&rsa);
    let (key, pkcs8) = DecryptionKey::generate().unwrap();
    let encrypt = key.encryption_key().unwrap();
    let guard = Guard::new(
        issuer
            .config(AUD)
            .cache_capacity(0)
            .decryption_key(DecryptionKey::from_pkcs8(&pkcs8).unwrap())
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(rt.block_on(guard.refresh_keys()).is_empty());
    let signed = rsa.sign(&issuer.claims(AUD));
    let sealed = encrypt.encrypt(signed.as_bytes()).unwrap();
    let (signed, sealed) = (headers(&signed), headers(&sealed));
    assert!(run(&rt, guard.authenticate(&signed)).is_ok());
    assert!(run(&rt, guard.authenticate(&sealed)).is_ok());
    let mut group = c.benchmark_group("guard_check");
    group.bench_function("rs256_signed", |b| {
        b.iter(|| run(&rt, guard.authenticate(&signed)).unwrap())
    });
    group.bench_function("rs256_encrypted_rsa_oaep_256_a256gcm", |b| {
        b.iter(|| run(&rt, guard.authenticate(&sealed)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
