//! Minting an access token signed (claims, JSON, RS256 JWS) next to encrypted (the same JWS in a
//! compact JWE: RSA-OAEP-256 key wrap, A256GCM), the formats' in-process cost.
//! Run: cargo bench -p gatehouse-core --bench formats

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_core::issuance::keyring::TenantKeys;
use gatehouse_core::issuance::mint::{claims, sign, MintInput};
use gatehouse_core::model::Tenant;
use gatehouse_keys::jwe::DecryptionKey;
use gatehouse_keys::{Algorithm, LocalSigner, Signer};
use gatehouse_protocol::discovery::Dialect;

fn bench(c: &mut Criterion) {
    let signer: Arc<dyn Signer> = Arc::new(LocalSigner::generate("rs", Algorithm::RS256).unwrap().0);
    let keys = TenantKeys::from_signers(vec![signer]);
    let encrypt = DecryptionKey::generate().unwrap().0.encryption_key().unwrap();
    let roles = vec!["Orders.Read".to_owned()];
    let tenant = Tenant {
        id: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490".into(),
        name: "bench".into(),
        display_name: "bench".into(),
        signing_alg: Algorithm::RS256,
        token_lifetime_seconds: 3600,
        created_at: 0,
    };
    let input = MintInput {
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
    };
    let base = "https://127.0.0.1:8443";
    let mut group = c.benchmark_group("mint");
    group.bench_function("rs256_signed", |b| {
        b.iter(|| {
            let (payload, _) = claims(base, &input).unwrap();
            sign(&keys, &tenant, &payload).unwrap()
        })
    });
    group.bench_function("rs256_encrypted_rsa_oaep_256_a256gcm", |b| {
        b.iter(|| {
            let (payload, _) = claims(base, &input).unwrap();
            let jws = sign(&keys, &tenant, &payload).unwrap();
            encrypt.encrypt(jws.as_bytes()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
