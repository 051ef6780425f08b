//! The seams a host (the server checking its own tokens) uses: keys from [`MemoryKeys`] instead
//! of a JWKS fetch, issuers of every tenant under one base, and a pluggable revocation check
//! that refuses a revoked token at once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use gatehouse_guard::jwt::{JwtError, JwtVerifier};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::{
    async_trait, Caller, ConfigError, Guard, GuardConfig, MemoryKeys, Rejection, Requirement, RevocationCheck,
    RevocationSettings, RevocationStatus, VerificationKey,
};
use gatehouse_protocol::jwk::Jwks;
use http::{HeaderMap, HeaderValue};
use jsonwebtoken::{Algorithm, Header};
use parking_lot::Mutex;
use serde_json::{json, Value};

const AUD: &str = "https://management.azure.com/";
const BASE: &str = "https://127.0.0.1:9";
const TENANT_A: &str = "3f1c2a10-9d7e-4b6a-8c5d-2e1f0a9b8c7d";
const TENANT_B: &str = "0b3a4e0e-4a3c-4f32-9f5e-1d1c6b7c2a10";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn jwks(keys: &[&TestKey]) -> Jwks {
    serde_json::from_value(json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })).unwrap()
}

/// Valid v2 claims of an application token of `tenant` under [`BASE`].
fn claims(tenant: &str) -> Value {
    let now = now();
    json!({
        "aud": AUD, "iss": format!("{BASE}/{tenant}/v2.0"),
        "iat": now, "nbf": now, "exp": now + 3600,
        "azp": "0a1b2c3d-aaaa-4bbb-8ccc-dddddddddddd", "azpacr": "1", "idtyp": "app",
        "oid": "5e6f7a8b-1111-4222-8333-944455556666", "roles": ["Admin"],
        "sub": "5e6f7a8b-1111-4222-8333-944455556666", "tid": tenant,
        "uti": uuid::Uuid::new_v4().simple().to_string(), "ver": "2.0",
    })
}

fn bearer(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    h
}

/// A guard for every tenant under [`BASE`] whose keys `keys` holds.
fn server_guard(keys: &Arc<MemoryKeys>) -> Guard {
    Guard::builder(
        GuardConfig::builder()
            .any_tenant_issuer(BASE)
            .audience(AUD)
            .build()
            .unwrap(),
    )
    .key_provider(keys.clone())
    .build()
    .unwrap()
}

async fn refusal(guard: &Guard, token: &str) -> &'static str {
    match guard.check(&bearer(token), &Requirement::authenticated()).await {
        Err(Rejection::InvalidToken { description, .. }) => description,
        other => panic!("expected invalid_token, got {other:?}"),
    }
}

#[tokio::test]
async fn memory_provider_verifies_a_token_signed_by_a_key_it_holds_without_fetching() {
    let issuer = FakeIssuer::start().await; // publishes no key: every key must come from memory
    let (rsa, ec) = (TestKey::rsa("rsa-1"), TestKey::ec("ec-1"));
    let keys = Arc::new(MemoryKeys::new());
    assert_eq!(keys.set_jwks(issuer.issuer(), &jwks(&[&rsa])), 1);
    let guard = Guard::builder(issuer.config("api://a").build().unwrap())
        .key_provider(keys.clone())
        .build()
        .unwrap();
    let caller = guard
        .check(
            &bearer(&rsa.sign(&issuer.claims("api://a"))),
            &Requirement::authenticated(),
        )
        .await
        .expect("RS256 token signed by a held key");
    assert_eq!(caller.tenant_id(), issuer.tenant_id());

    // An unknown kid is refused as such (no fetch to look for it), not answered 503.
    assert_eq!(
        refusal(&guard, &ec.sign(&issuer.claims("api://a"))).await,
        "token signing key unknown"
    );
    // Keys set one by one work too, and replacing the set drops the old key.
    keys.set_keys(
        issuer.issuer(),
        [("ec-1".to_owned(), VerificationKey::from_jwk_json(&ec.jwk()).unwrap())],
    );
    assert!(guard
        .check(
            &bearer(&ec.sign(&issuer.claims("api://a"))),
            &Requirement::authenticated()
        )
        .await
        .is_ok());
    assert_eq!(
        refusal(&guard, &rsa.sign(&issuer.claims("api://a"))).await,
        "token signing key unknown"
    );
    assert_eq!(
        issuer.discovery_fetches() + issuer.jwks_fetches(),
        0,
        "the guard fetched keys"
    );
}

#[tokio::test]
async fn memory_provider_refuses_crit_foreign_iss_alg_mismatch_and_expired() {
    let (rsa, ec) = (TestKey::rsa("rsa-1"), TestKey::ec("ec-1"));
    let keys = Arc::new(MemoryKeys::new());
    keys.set_tenant_jwks(BASE, TENANT_A, &jwks(&[&rsa, &ec]));
    let guard = server_guard(&keys);
    assert!(guard
        .check(&bearer(&rsa.sign(&claims(TENANT_A))), &Requirement::role("Admin"))
        .await
        .is_ok());

    let mut crit = Header::new(Algorithm::RS256);
    crit.kid = Some("rsa-1".into());
    crit.crit = Some(vec!["exp".into()]);
    assert_eq!(
        refusal(&guard, &rsa.sign_with_header(&crit, &claims(TENANT_A))).await,
        "token uses an unsupported critical header"
    );

    let mut foreign = claims(TENANT_A);
    foreign["iss"] = json!(format!("https://evil.example/{TENANT_A}/v2.0"));
    assert_eq!(refusal(&guard, &rsa.sign(&foreign)).await, "token issuer not accepted");

    // The header says ES256 but names the RS256 key: the key's pinned algorithm wins.
    let mut mismatch = Header::new(Algorithm::ES256);
    mismatch.kid = Some("rsa-1".into());
    assert_eq!(
        refusal(&guard, &ec.sign_with_header(&mismatch, &claims(TENANT_A))).await,
        "token algorithm not accepted"
    );

    let mut expired = claims(TENANT_A);
    expired["exp"] = json!(now() - 3600);
    expired["nbf"] = json!(now() - 7200);
    assert_eq!(refusal(&guard, &rsa.sign(&expired)).await, "token expired");
}

#[tokio::test]
async fn any_tenant_issuer_accepts_held_tenants_only_with_exact_iss_and_matching_tid() {
    let (key_a, key_b) = (TestKey::rsa("a"), TestKey::rsa("b"));
    let keys = Arc::new(MemoryKeys::new());
    keys.set_tenant_jwks(BASE, TENANT_A, &jwks(&[&key_a]));
    keys.set_tenant_jwks(BASE, TENANT_B, &jwks(&[&key_b]));
    let guard = server_guard(&keys);

    for (tenant, key) in [(TENANT_A, &key_a), (TENANT_B, &key_b)] {
        let caller = guard
            .check(&bearer(&key.sign(&claims(tenant))), &Requirement::authenticated())
            .await
            .unwrap();
        assert_eq!(caller.tenant_id(), tenant);
    }
    let mut v1 = claims(TENANT_A);
    v1["iss"] = json!(format!("{BASE}/{TENANT_A}/"));
    v1["ver"] = json!("1.0");
    assert!(guard
        .check(&bearer(&key_a.sign(&v1)), &Requirement::authenticated())
        .await
        .is_ok());

    // tid must equal the issuer's tenant.
    let mut cross = claims(TENANT_A);
    cross["tid"] = json!(TENANT_B);
    assert_eq!(refusal(&guard, &key_a.sign(&cross)).await, "token tenant not accepted");
    // Tenant A's key does not sign for tenant B's issuer.
    assert_eq!(
        refusal(&guard, &key_a.sign(&claims(TENANT_B))).await,
        "token signing key unknown"
    );
    // `iss` must be exactly as minted: no uppercase GUID, no extra slash, no other base.
    for iss in [
        format!("{BASE}/{}/v2.0", TENANT_A.to_uppercase()),
        format!("{BASE}//{TENANT_A}/v2.0"),
        format!("{BASE}/{TENANT_A}/v2.0/"),
        format!("{BASE}:443/{TENANT_A}/v2.0"),
        format!("{BASE}/x/{TENANT_A}/v2.0"),
    ] {
        let mut c = claims(TENANT_A);
        c["iss"] = json!(iss);
        assert_eq!(
            refusal(&guard, &key_a.sign(&c)).await,
            "token issuer not accepted",
            "{iss}"
        );
    }
    // A tenant the host holds no keys for is not one of ours.
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        refusal(&guard, &key_a.sign(&claims(&unknown))).await,
        "token issuer not accepted"
    );
    keys.remove_tenant(BASE, TENANT_B);
    assert_eq!(
        refusal(&guard, &key_b.sign(&claims(TENANT_B))).await,
        "token issuer not accepted"
    );
}

#[tokio::test]
async fn verifier_and_requirement_work_without_a_guard() {
    let key = TestKey::ec("ec");
    let keys = Arc::new(MemoryKeys::new());
    keys.set_tenant_jwks(BASE, TENANT_A, &jwks(&[&key]));
    let config = GuardConfig::builder()
        .any_tenant_issuer(BASE)
        .audience(AUD)
        .build()
        .unwrap();
    let verifier = JwtVerifier::new(&config, keys);
    let caller = verifier.verify_token(&key.sign(&claims(TENANT_A))).await.unwrap();
    assert!(Requirement::role("Admin").check(&caller).is_ok());
    assert_eq!(Requirement::role("Owner").check(&caller), Err(vec!["Owner".to_owned()]));
    let mut other_aud = claims(TENANT_A);
    other_aud["aud"] = json!("api://other");
    assert_eq!(
        verifier.verify_token(&key.sign(&other_aud)).await.unwrap_err(),
        JwtError::AudienceNotAccepted
    );
}

/// What a host's store-backed check looks like: the revoked values, read at every request.
#[derive(Default)]
struct StoreCheck {
    revoked: Mutex<HashSet<String>>,
    unavailable: Mutex<bool>,
}

#[async_trait]
impl RevocationCheck for StoreCheck {
    async fn status(&self, caller: &Caller) -> RevocationStatus {
        if *self.unavailable.lock() {
            return RevocationStatus::Unknown;
        }
        let revoked = self.revoked.lock();
        let listed = |v: Option<&str>| v.is_some_and(|v| revoked.contains(v));
        if listed(caller.token_id()) || listed(caller.session_id()) {
            RevocationStatus::Revoked
        } else {
            RevocationStatus::NotRevoked
        }
    }
}

#[tokio::test]
async fn pluggable_revocation_check_refuses_revoked_uti_and_sid_at_once() {
    let key = TestKey::rsa("rsa");
    let keys = Arc::new(MemoryKeys::new());
    keys.set_tenant_jwks(BASE, TENANT_A, &jwks(&[&key]));
    let check = Arc::new(StoreCheck::default());
    let guard = Guard::builder(
        GuardConfig::builder()
            .any_tenant_issuer(BASE)
            .audience(AUD)
            .build()
            .unwrap(),
    )
    .key_provider(keys)
    .revocation_check(check.clone())
    .build()
    .unwrap();
    let app = claims(TENANT_A);
    let mut user = claims(TENANT_A);
    user["sid"] = json!("family-1");
    user["idtyp"] = json!("user");
    let (app_token, user_token) = (key.sign(&app), key.sign(&user));
    let req = Requirement::authenticated();
    // Both accepted, so both are now in the verified-token cache.
    assert!(guard.check(&bearer(&app_token), &req).await.is_ok());
    assert!(guard.check(&bearer(&user_token), &req).await.is_ok());

    check.revoked.lock().insert(app["uti"].as_str().unwrap().to_owned());
    assert_eq!(refusal(&guard, &app_token).await, "token revoked");
    assert!(guard.check(&bearer(&user_token), &req).await.is_ok());
    check.revoked.lock().insert("family-1".to_owned());
    assert_eq!(refusal(&guard, &user_token).await, "token revoked");

    // A check that cannot tell fails closed.
    *check.unavailable.lock() = true;
    let fresh = key.sign(&claims(TENANT_A));
    assert!(matches!(
        guard.check(&bearer(&fresh), &req).await,
        Err(Rejection::Unavailable { .. })
    ));
}

#[test]
fn seams_are_checked_when_the_guard_is_built() {
    let open = || GuardConfig::builder().any_tenant_issuer(BASE).audience(AUD);
    // Every tenant's JWKS would have to be fetched: refused without a key provider.
    assert!(matches!(
        Guard::new(open().build().unwrap()),
        Err(ConfigError::IssuerBaseWithoutKeyProvider)
    ));
    // One revocation source, not two.
    let feed = open()
        .tenant(TENANT_A)
        .revocation(RevocationSettings::new(BASE))
        .build()
        .unwrap();
    let both = Guard::builder(feed)
        .key_provider(Arc::new(MemoryKeys::new()))
        .revocation_check(Arc::new(StoreCheck::default()))
        .build();
    assert!(matches!(both, Err(ConfigError::TwoRevocationSources)));
}
