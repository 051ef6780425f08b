//! Raw signature cost per algorithm, the floor under token minting.
//! Run: cargo bench -p gatehouse-keys --bench sign

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_keys::{jws, Algorithm, LocalSigner, Signer};

fn bench(c: &mut Criterion) {
    let message = [7u8; 600];
    for alg in Algorithm::all() {
        let (signer, pkcs8) = LocalSigner::generate("k", alg).unwrap();
        c.bench_function(&format!("sign/{alg}"), |b| b.iter(|| signer.sign(&message).unwrap()));
        c.bench_function(&format!("jws_encode/{alg}"), |b| {
            b.iter(|| jws::encode(&signer, &message).unwrap())
        });
        c.bench_function(&format!("parse_private_key/{alg}"), |b| {
            b.iter(|| LocalSigner::from_pkcs8("k", alg, &pkcs8).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
