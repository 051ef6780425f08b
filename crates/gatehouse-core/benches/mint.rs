//! Minting one access token (claims, JSON, JWS) next to the raw signature it contains.
//! Run: cargo bench -p gatehouse-core --bench mint

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_core::issuance::keyring::TenantKeys;
use gatehouse_core::issuance::mint::{mint, MintInput};
use gatehouse_core::model::Tenant;
use gatehouse_core::secret;
use gatehouse_keys::{Algorithm, LocalSigner, Signer};
use gatehouse_protocol::discovery::Dialect;

fn bench(c: &mut Criterion) {
    let signers: Vec<Arc<dyn Signer>> = Algorithm::all()
        .iter()
        .map(|a| Arc::new(LocalSigner::generate(a.as_str(), *a).unwrap().0) as Arc<dyn Signer>)
        .collect();
    let keys = TenantKeys::from_signers(signers);
    let roles = vec!["Orders.Read".to_owned()];
    for alg in Algorithm::all() {
        let tenant = Tenant {
            id: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490".into(),
            name: "bench".into(),
            display_name: "bench".into(),
            signing_alg: alg,
            token_lifetime_seconds: 3600,
            created_at: 0,
        };
        c.bench_function(&format!("mint_access_token/{alg}"), |b| {
            b.iter(|| {
                mint(
                    &keys,
                    "https://127.0.0.1:8443",
                    &MintInput {
                        tenant: &tenant,
                        dialect: Dialect::V2,
                        audience: "https://devcenter.azure.com",
                        client_id: "4b3a5367-0ad2-4282-bd10-90a2c8e0ec45",
                        subject: "24c369cd-051f-4163-bebe-fe3eaec21523",
                        roles: &roles,
                        groups: &[],
                        scopes: None,
                        family: None,
                        app_only: true,
                        client_auth: "1",
                        user: None,
                        uti: "0123456789abcdef0123456789abcdef",
                        act: None,
                        now: 1_795_292_493,
                    },
                )
                .unwrap()
            })
        });
    }
    let (text, hash) = secret::generate();
    c.bench_function("client_secret_check (sha256 + constant-time compare)", |b| {
        b.iter(|| secret::hashes_equal(&secret::sha256(text.as_bytes()), &hash))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
