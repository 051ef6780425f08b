//! Test helpers (feature `test-util`): [`TestKey`] (RSA-2048 / P-256 keys made with aws-lc-rs,
//! tokens signed with `jsonwebtoken`), and [`FakeIssuer`], an in-process issuer on
//! `127.0.0.1:0` over plain HTTP serving discovery, JWKS and the revocation feed. Guards pointed
//! at it need `allow_insecure_http_for_tests(true)`, which [`FakeIssuer::config`] sets.
//! Never enable this feature in production builds.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use parking_lot::RwLock;
use serde_json::{json, Value};

mod key;
pub use key::TestKey;

use crate::config::GuardConfigBuilder;
use crate::jwt::unix_now;
use crate::revocation::{RevocationEntry, RevocationKind, RevocationPage};
use crate::GuardConfig;
use gatehouse_protocol::introspection::{Introspection, API_TOKEN};
use gatehouse_protocol::sas::Sas;

#[derive(Default)]
struct IssuerState {
    keys: RwLock<Vec<Value>>,
    down: AtomicBool,
    discovery_hits: AtomicUsize,
    jwks_hits: AtomicUsize,
    revocation_hits: AtomicUsize,
    revocations: RwLock<Vec<RevocationEntry>>,
    /// API tokens the introspection endpoint answers for: header text -> answer.
    api_tokens: RwLock<HashMap<String, Introspection>>,
    introspection_hits: AtomicUsize,
    base_url: RwLock<String>,
    /// Tenant names the discovery documents answer for (name -> tenant GUID).
    names: RwLock<HashMap<String, String>>,
}

/// An in-process issuer. Dropping it stops the server.
pub struct FakeIssuer {
    addr: SocketAddr,
    tenant_id: String,
    state: Arc<IssuerState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeIssuer {
    /// Starts on `127.0.0.1:0` with a random tenant GUID and no keys.
    pub async fn start() -> FakeIssuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(IssuerState::default());
        *state.base_url.write() = format!("http://{addr}");
        let app = Router::new()
            .route("/{tenant}/v2.0/.well-known/openid-configuration", get(discovery))
            .route("/{tenant}/.well-known/openid-configuration", get(discovery))
            .route("/{tenant}/discovery/v2.0/keys", get(jwks))
            .route("/{tenant}/gatehouse/revocations", get(revocations))
            .route("/{tenant}/oauth2/v2.0/introspect", axum::routing::post(introspect))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeIssuer {
            addr,
            tenant_id: uuid::Uuid::new_v4().to_string(),
            state,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The tenant GUID.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }
    /// v2 issuer: `http://127.0.0.1:PORT/{tid}/v2.0`.
    pub fn issuer(&self) -> String {
        format!("{}/{}/v2.0", self.base_url(), self.tenant_id)
    }
    /// v1 issuer: `http://127.0.0.1:PORT/{tid}/`.
    pub fn issuer_v1(&self) -> String {
        format!("{}/{}/", self.base_url(), self.tenant_id)
    }
    /// A config builder with this issuer, `audience` and plain HTTP allowed.
    pub fn config(&self, audience: &str) -> GuardConfigBuilder {
        GuardConfig::builder()
            .issuer(self.issuer())
            .audience(audience)
            .allow_insecure_http_for_tests(true)
    }

    /// Publishes a key in the JWKS.
    pub fn publish(&self, key: &TestKey) {
        self.state.keys.write().push(key.jwk());
    }
    /// Publishes a raw JWK value.
    pub fn publish_raw(&self, jwk: Value) {
        self.state.keys.write().push(jwk);
    }
    /// Removes every key with `kid`.
    pub fn unpublish(&self, kid: &str) {
        self.state.keys.write().retain(|k| k["kid"] != kid);
    }
    /// While down, every endpoint answers 503.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }
    /// Lets the discovery document answer for `name` too, naming this issuer's tenant (as
    /// Gatehouse answers for a tenant's name). Other names that are not GUIDs are answered 400.
    pub fn name_tenant(&self, name: &str) {
        self.state
            .names
            .write()
            .insert(name.to_ascii_lowercase(), self.tenant_id.clone());
    }
    /// Discovery documents served.
    pub fn discovery_fetches(&self) -> usize {
        self.state.discovery_hits.load(Ordering::SeqCst)
    }
    /// JWKS documents served.
    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }
    /// Revocation feed requests received, also those answered 503 while down.
    pub fn revocation_polls(&self) -> usize {
        self.state.revocation_hits.load(Ordering::SeqCst)
    }
    /// Adds a revocation (sequence number = its position, from 1).
    pub fn revoke(&self, kind: RevocationKind, value: &str, exp: u64) {
        self.state.revocations.write().push(RevocationEntry {
            kind,
            value: value.to_string(),
            exp,
        });
    }

    /// Issues an API token of this tenant with `roles` at `organization`, valid for `seconds`:
    /// its `SharedAccessSignature ...` text, which the introspection endpoint then answers
    /// active for (until [`FakeIssuer::delete_api_token`]).
    pub fn api_token(&self, id: &str, roles: &[&str], organization: Option<&str>, seconds: u64) -> String {
        let exp = unix_now() + seconds;
        let text = Sas {
            resource: self.tenant_id.clone(),
            signature: uuid::Uuid::new_v4().simple().to_string(),
            key_name: id.to_string(),
            expiry_ms: exp * 1000,
        }
        .to_header();
        let answer = Introspection {
            active: true,
            token_type: Some(API_TOKEN.into()),
            exp: Some(exp as i64),
            jti: Some(id.to_string()),
            tid: Some(self.tenant_id.clone()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            organization: organization.map(Into::into),
            ..Default::default()
        };
        self.state.api_tokens.write().insert(text.clone(), answer);
        text
    }

    /// Deletes an API token: introspection answers inactive, and the feed publishes a
    /// `credential` revocation of its id (as the server does).
    pub fn delete_api_token(&self, id: &str) {
        self.state
            .api_tokens
            .write()
            .retain(|_, a| a.jti.as_deref() != Some(id));
        self.revoke(RevocationKind::Credential, id, unix_now() + 3600);
    }

    /// Issues a personal access token of this tenant for user `oid` with (expanded) `scopes`,
    /// valid for `seconds`: `(its gthpat_... text, its authorizationId)`; the introspection
    /// endpoint answers active for it (until [`FakeIssuer::revoke_pat`]).
    pub fn pat(&self, oid: &str, scopes: &[&str], seconds: u64) -> (String, String) {
        let body: String = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
            [..gatehouse_protocol::pat::BODY_LEN]
            .to_string();
        let text = gatehouse_protocol::pat::Pat::from_body(&body)
            .expect("a random alphanumeric body")
            .expose()
            .to_owned();
        let id = uuid::Uuid::new_v4().to_string();
        let answer = Introspection {
            active: true,
            token_type: Some(gatehouse_protocol::introspection::PAT.into()),
            exp: Some((unix_now() + seconds) as i64),
            jti: Some(id.clone()),
            tid: Some(self.tenant_id.clone()),
            sub: Some(oid.to_string()),
            oid: Some(oid.to_string()),
            username: Some("dev@contoso.example".into()),
            scope: Some(scopes.join(" ")),
            ..Default::default()
        };
        self.state.api_tokens.write().insert(text.clone(), answer);
        (text, id)
    }

    /// Revokes a PAT by its authorizationId: introspection answers inactive, and the feed
    /// publishes a `credential` revocation of it (as the server does).
    pub fn revoke_pat(&self, authorization_id: &str) {
        self.delete_api_token(authorization_id);
    }

    /// Introspection requests received.
    pub fn introspections(&self) -> usize {
        self.state.introspection_hits.load(Ordering::SeqCst)
    }

    /// Valid v2 claims for an application token of this tenant, lifetime one hour.
    pub fn claims(&self, audience: &str) -> Value {
        let now = unix_now();
        json!({
            "aud": audience,
            "iss": self.issuer(),
            "iat": now, "nbf": now, "exp": now + 3600,
            "tid": self.tenant_id,
            "oid": "5e6f7a8b-1111-4222-8333-944455556666",
            "sub": "5e6f7a8b-1111-4222-8333-944455556666",
            "azp": "0a1b2c3d-aaaa-4bbb-8ccc-dddddddddddd",
            "azpacr": "1",
            "idtyp": "app",
            "uti": uuid::Uuid::new_v4().simple().to_string(),
            "ver": "2.0",
        })
    }
}

async fn discovery(State(state): State<Arc<IssuerState>>, Path(tenant): Path<String>) -> Response {
    if state.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let base = state.base_url.read().clone();
    let named = state.names.read().get(&tenant.to_ascii_lowercase()).cloned();
    let tenant = match named {
        Some(guid) => guid,
        None if crate::config::is_guid(&tenant) => tenant,
        None => return StatusCode::BAD_REQUEST.into_response(),
    };
    Json(json!({
        "issuer": format!("{base}/{tenant}/v2.0"),
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    }))
    .into_response()
}

async fn jwks(State(state): State<Arc<IssuerState>>) -> Response {
    if state.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let keys = state.keys.read().clone();
    Json(json!({ "keys": keys })).into_response()
}

async fn introspect(
    State(state): State<Arc<IssuerState>>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    state.introspection_hits.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let token = form.get("token").cloned().unwrap_or_default();
    let answer = state.api_tokens.read().get(&token).cloned();
    Json(answer.unwrap_or_else(Introspection::inactive)).into_response()
}

async fn revocations(State(state): State<Arc<IssuerState>>, Query(query): Query<HashMap<String, String>>) -> Response {
    state.revocation_hits.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let Some(since) = query.get("since").and_then(|s| s.parse::<usize>().ok()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let all = state.revocations.read();
    let entries = all.iter().skip(since).cloned().collect();
    Json(RevocationPage {
        seq: all.len() as u64,
        entries,
        more: false,
    })
    .into_response()
}
