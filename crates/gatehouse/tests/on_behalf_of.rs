//! On-behalf-of (Entra's jwt-bearer grant) and RFC 8693 token exchange against the real binary:
//! a middle API exchanges the user's token for one of the next API only where it is entitled
//! (the user's consent, an administrator's, or the next API's pre-authorization), never wider,
//! never across tenants; bad assertions are AADSTS50013; exchanged tokens record their actors.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use common::*;
use device_helpers::user;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::{json, Value};

const OBO: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const UPN: &str = "ada@contoso.com";

/// The cast: ada, the next API (`api://orders`, scopes Orders.Read and Orders.Write), the middle
/// API (`api://middle`, with a secret and a redirect URI: it signs users in too) and the SPA in
/// front.
struct World {
    tenant: String,
    ada: String,
    middle: String,
    middle_secret: String,
    spa: String,
}

fn world(s: &Server) -> World {
    let (tenant, _, _) = first(s);
    let ada = user(s, UPN)["id"].as_str().unwrap().to_owned();
    s.admin(&[
        "api",
        "create",
        "--name",
        "orders",
        "--identifier-uri",
        "api://orders",
        "--scope",
        "Orders.Read",
        "--scope",
        "Orders.Write",
    ]);
    let middle = s.admin(&[
        "api",
        "create",
        "--name",
        "middle",
        "--identifier-uri",
        "api://middle",
        "--scope",
        "access",
        "--redirect-uri",
        REDIRECT,
    ])["appId"]
        .as_str()
        .unwrap()
        .to_owned();
    let middle_secret = s.admin(&["app", "credential", "add", "--app", &middle])["secretText"]
        .as_str()
        .unwrap()
        .to_owned();
    let spa = public_app(s);
    World {
        tenant,
        ada,
        middle,
        middle_secret,
        spa,
    }
}

/// The service principal object id of an app: the `oid` of its own client-credentials token.
async fn sp_of(s: &Server, tenant: &str, app: &str, secret: &str, resource: &str) -> String {
    let (st, _, b) = cc(s, tenant, app, secret, &format!("{resource}/.default")).await;
    assert_eq!(st, 200, "{b}");
    b64_claims(b["access_token"].as_str().unwrap())["oid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Ada signs in to the confidential `client` asking `scope` and consents (the code is not
/// redeemed: the consent is what counts).
async fn consent_as_ada(s: &Server, tenant: &str, client: &str, scope: &str) {
    let (_, a) = sign_in_and_consent(s, tenant, client, UPN, &[("scope", scope)]).await;
    assert!(a.contains_key("code"), "{a:?}");
}

/// Ada signs in to `client` asking `scope`; returns the redeemed tokens.
async fn sign_in(s: &Server, tenant: &str, client: &str, scope: &str) -> Value {
    let (_, a) = sign_in_and_consent(s, tenant, client, UPN, &[("scope", scope)]).await;
    let (st, _, tokens) = redeem(s, tenant, client, &a["code"], Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

/// Ada's access token for the middle API, through the SPA.
async fn assertion(s: &Server, w: &World) -> String {
    let tokens = sign_in(s, &w.tenant, &w.spa, "api://middle/access openid offline_access").await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn obo(
    s: &Server,
    tenant: &str,
    client: (&str, &str),
    assertion: &str,
    scope: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", OBO),
            ("requested_token_use", "on_behalf_of"),
            ("client_id", client.0),
            ("client_secret", client.1),
            ("assertion", assertion),
            ("scope", scope),
        ],
    )
    .await
}

async fn exchange(s: &Server, tenant: &str, client: (&str, &str), extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", EXCHANGE),
        ("client_id", client.0),
        ("client_secret", client.1),
    ];
    form.extend_from_slice(extra);
    let (st, _, body) = post_form(s, &format!("/{tenant}/oauth2/v2.0/token"), &form).await;
    (st, body)
}

fn assert_consent_required(st: u16, h: &reqwest::header::HeaderMap, b: &Value) {
    assert_entra_error(st, h, b, 400, "invalid_grant", 65001);
    assert_eq!(b["suberror"], "consent_required", "{b}");
}

fn assert_bad_assertion(st: u16, h: &reqwest::header::HeaderMap, b: &Value) {
    assert_entra_error(st, h, b, 400, "invalid_grant", 50013);
}

async fn wait_for_caches() {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

/// OBO success with its claims, refresh tokens only with offline_access, and the entitlement
/// paths: none (consent required), an administrator's consent, its revocation.
async fn obo_gives_entitled_user_tokens(s: &Server) {
    let w = world(s);
    wait_for_caches().await;
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let at = assertion(s, &w).await;
    assert_eq!(b64_claims(&at)["aud"], "api://middle");

    // Not entitled: nobody consented to the middle API calling orders.
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_consent_required(st, &h, &b);

    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &w.middle,
        "--api",
        "api://orders",
        "--scope",
        "Orders.Read",
    ]);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert_eq!(b["token_type"], "Bearer");
    assert!(
        b.get("refresh_token").is_none(),
        "no offline_access, no refresh token: {b}"
    );
    let token = b["access_token"].as_str().unwrap();
    let c = verify(s, &w.tenant, token, "api://orders").await;
    assert_eq!(c["scp"], "Orders.Read");
    assert_eq!(c["oid"], w.ada.as_str());
    assert_eq!(c["sub"], w.ada.as_str());
    assert_eq!(c["preferred_username"], UPN);
    assert_eq!(c["tid"], w.tenant.as_str());
    assert_eq!(
        c["azp"],
        w.middle.as_str(),
        "the middle API is the client of the new token"
    );
    assert_eq!(c["idtyp"], "user");
    assert_eq!(c["ver"], "2.0");
    assert!(c.get("act").is_none(), "Entra's OBO tokens carry no act: {c}");

    // `.default` is what was consented.
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/.default").await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b64_claims(b["access_token"].as_str().unwrap())["scp"], "Orders.Read");

    // offline_access (an administrator's consent includes it): a refresh token the middle API
    // can use.
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read offline_access").await;
    assert_eq!(st, 200, "{b}");
    let rt = b["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token");
    let (st, _, r) = post_form(
        s,
        &format!("/{}/oauth2/v2.0/token", w.tenant),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &w.middle),
            ("client_secret", &w.middle_secret),
            ("refresh_token", rt),
            ("scope", "api://orders/Orders.Read"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(b64_claims(r["access_token"].as_str().unwrap())["oid"], w.ada.as_str());

    // v1: `resource`, string numbers.
    let (st, _, b) = post_form(
        s,
        &format!("/{}/oauth2/token", w.tenant),
        &[
            ("grant_type", OBO),
            ("requested_token_use", "on_behalf_of"),
            ("client_id", &w.middle),
            ("client_secret", &w.middle_secret),
            ("assertion", &at),
            ("resource", "api://orders"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert!(b["expires_in"].is_string());
    let c = b64_claims(b["access_token"].as_str().unwrap());
    assert_eq!((c["scp"].as_str(), c["upn"].as_str()), (Some("Orders.Read"), Some(UPN)));

    // Withdrawn consent: refused at once.
    s.admin(&["app", "consent", "revoke", "--app", &w.middle]);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_consent_required(st, &h, &b);

    // A public client cannot use the grant; a request without requested_token_use is refused.
    let (st, _, b) = post_form(
        s,
        &format!("/{}/oauth2/v2.0/token", w.tenant),
        &[
            ("grant_type", OBO),
            ("requested_token_use", "on_behalf_of"),
            ("client_id", &w.spa),
            ("assertion", &at),
            ("scope", "api://orders/Orders.Read"),
        ],
    )
    .await;
    assert!(st == 400 || st == 401, "{st} {b}");
    let (st, h, b) = post_form(
        s,
        &format!("/{}/oauth2/v2.0/token", w.tenant),
        &[
            ("grant_type", OBO),
            ("client_id", &w.middle),
            ("client_secret", &w.middle_secret),
            ("assertion", &at),
            ("scope", "api://orders/Orders.Read"),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 900144);
}

/// The user's own consent counts, and its revocation (the authorized-apps API) ends it; so does
/// the next API's pre-authorization of the middle API, and its removal.
async fn user_consent_and_pre_authorization(s: &Server) {
    let w = world(s);
    wait_for_caches().await;
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let at = assertion(s, &w).await;
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_consent_required(st, &h, &b);

    // Ada consents herself: signing in to the middle app for orders records it.
    consent_as_ada(s, &w.tenant, &w.middle, "api://orders/Orders.Read openid").await;
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_eq!(st, 200, "{b}");
    assert!(
        b.get("refresh_token").is_none(),
        "offline_access asked but never consented: {b}"
    );
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read offline_access").await;
    assert_eq!(st, 200, "{b}");
    assert!(
        b.get("refresh_token").is_none(),
        "offline_access not consented: left out: {b}"
    );

    // She revokes the middle app in her authorized apps (with her Graph token).
    let graph = device_helpers::device_login(s, &w.tenant, UPN, "openid profile offline_access").await;
    let r = s
        .client()
        .delete(format!("{}/{}/me/authorizedApps/{}", s.base_url, w.tenant, w.middle))
        .bearer_auth(graph["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_consent_required(st, &h, &b);

    // The next API pre-authorizes the middle one: no consent needed, within the list.
    let out = s.admin(&[
        "api",
        "pre-authorize",
        "add",
        "--api",
        "api://orders",
        "--client",
        &w.middle,
        "--scope",
        "Orders.Read",
        "--scope",
        "offline_access",
    ]);
    assert_eq!(out["scopes"], "Orders.Read offline_access");
    let listed = s.admin(&["api", "pre-authorize", "list", "--api", "api://orders"]);
    assert_eq!(listed[0]["appId"], w.middle.to_ascii_lowercase().as_str());
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read offline_access").await;
    assert_eq!(st, 200, "{b}");
    assert!(b["refresh_token"].is_string(), "pre-authorized for offline_access: {b}");
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Write").await;
    assert_consent_required(st, &h, &b);
    s.admin(&[
        "api",
        "pre-authorize",
        "remove",
        "--api",
        "api://orders",
        "--client",
        &w.middle,
    ]);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_consent_required(st, &h, &b);
    let audit = s.admin(&["audit", "list", "--action", "api.preAuthorize"]);
    assert!(!audit.as_array().unwrap().is_empty(), "{audit}");
}

/// Scope widening, undeclared and malformed scopes.
async fn obo_never_widens_scope(s: &Server) {
    let w = world(s);
    wait_for_caches().await;
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let at = assertion(s, &w).await;
    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &w.middle,
        "--api",
        "api://orders",
        "--scope",
        "Orders.Read",
    ]);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Write").await;
    assert_consent_required(st, &h, &b);
    let (st, h, b) = obo(
        s,
        &w.tenant,
        middle,
        &at,
        "api://orders/Orders.Read api://orders/Orders.Write",
    )
    .await;
    assert_consent_required(st, &h, &b);
    // Another API than the one consented.
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "https://graph.microsoft.com/User.Read").await;
    assert_consent_required(st, &h, &b);
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Nope").await;
    assert_entra_error(st, &h, &b, 400, "invalid_scope", 650053);
    let (st, h, b) = obo(
        s,
        &w.tenant,
        middle,
        &at,
        "api://orders/Orders.Read https://graph.microsoft.com/User.Read",
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_scope", 70011);
}

/// Bad assertions: forged, for another audience, revoked, an app token; and another tenant's.
async fn obo_never_crosses_tenants_nor_takes_bad_assertions(s: &Server) {
    let w = world(s);
    // Another tenant with its own api://middle and orders, consented there.
    let fab = s.admin(&["tenant", "create", "--name", "fabrikam"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.admin(&[
        "api",
        "create",
        "--tenant",
        "fabrikam",
        "--name",
        "orders",
        "--identifier-uri",
        "api://orders",
        "--scope",
        "Orders.Read",
    ]);
    let theirs_id = s.admin(&[
        "api",
        "create",
        "--tenant",
        "fabrikam",
        "--name",
        "middle",
        "--identifier-uri",
        "api://middle",
        "--scope",
        "access",
    ])["appId"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs_secret = s.admin(&["app", "credential", "add", "--tenant", "fabrikam", "--app", &theirs_id])
        ["secretText"]
        .as_str()
        .unwrap()
        .to_owned();
    for (tenant, app) in [("fabrikam", theirs_id.as_str()), ("default", w.middle.as_str())] {
        s.admin(&[
            "app",
            "consent",
            "grant",
            "--tenant",
            tenant,
            "--app",
            app,
            "--api",
            "api://orders",
            "--scope",
            ".default",
        ]);
    }
    wait_for_caches().await;
    let theirs = (theirs_id.as_str(), theirs_secret.as_str());
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let at = assertion(s, &w).await;
    let (st, _, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_eq!(st, 200, "the control: {b}");
    // The same assertion at the other tenant, by its api://middle: its audience, not its tenant.
    let (st, h, b) = obo(s, &fab, theirs, &at, "api://orders/Orders.Read").await;
    assert_bad_assertion(st, &h, &b);
    // Our middle API at the other tenant's endpoint is unknown there.
    let (st, _, b) = obo(s, &fab, middle, &at, "api://orders/Orders.Read").await;
    assert!(st == 400 || st == 401, "{st} {b}");

    // Forged signature.
    let mut forged = at.clone();
    forged.pop();
    forged.push(if at.ends_with('A') { 'B' } else { 'A' });
    let (st, h, b) = obo(s, &w.tenant, middle, &forged, "api://orders/Orders.Read").await;
    assert_bad_assertion(st, &h, &b);
    for junk in ["x", "a.b.c"] {
        let (st, h, b) = obo(s, &w.tenant, middle, junk, "api://orders/Orders.Read").await;
        assert_bad_assertion(st, &h, &b);
    }
    // A user token for another audience (Graph, through the SPA's default sign-in).
    let graph = sign_in(s, &w.tenant, &w.spa, SCOPE).await;
    let (st, h, b) = obo(
        s,
        &w.tenant,
        middle,
        graph["access_token"].as_str().unwrap(),
        "api://orders/Orders.Read",
    )
    .await;
    assert_bad_assertion(st, &h, &b);
    // An app-only token for the middle API (its own client-credentials token).
    let (st, _, app) = cc(s, &w.tenant, &w.middle, &w.middle_secret, "api://middle/.default").await;
    assert_eq!(st, 200, "{app}");
    let (st, h, b) = obo(
        s,
        &w.tenant,
        middle,
        app["access_token"].as_str().unwrap(),
        "api://orders/Orders.Read",
    )
    .await;
    assert_bad_assertion(st, &h, &b);
    // Revoked (RFC 7009, by the SPA it was issued to): refused at once.
    let (st, _, r) = post_form(
        s,
        &format!("/{}/oauth2/v2.0/revoke", w.tenant),
        &[("client_id", &w.spa), ("token", &at)],
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (st, h, b) = obo(s, &w.tenant, middle, &at, "api://orders/Orders.Read").await;
    assert_bad_assertion(st, &h, &b);
}

/// RFC 8693: with and without actor_token, nested act, token types, invalid_target.
async fn token_exchange_records_the_actors(s: &Server) {
    let w = world(s);
    // orders itself calls a third API (audit) on the user's behalf: it needs a secret and consent.
    let orders = s.admin(&["app", "show", "orders"])["appId"]
        .as_str()
        .unwrap()
        .to_owned();
    let orders_secret = s.admin(&["app", "credential", "add", "--app", &orders])["secretText"]
        .as_str()
        .unwrap()
        .to_owned();
    s.admin(&[
        "api",
        "create",
        "--name",
        "audit",
        "--identifier-uri",
        "api://audit",
        "--scope",
        "Audit.Write",
    ]);
    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &w.middle,
        "--api",
        "api://orders",
        "--scope",
        "Orders.Read",
    ]);
    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &orders,
        "--api",
        "api://audit",
        "--scope",
        "Audit.Write",
    ]);
    let worker = s.admin(&["sp", "create-for-rbac", "-n", "worker"]);
    let (worker_id, worker_secret) = (
        worker["appId"].as_str().unwrap().to_owned(),
        worker["password"].as_str().unwrap().to_owned(),
    );
    wait_for_caches().await;
    let middle_sp = sp_of(s, &w.tenant, &w.middle, &w.middle_secret, "api://middle").await;
    let orders_sp = sp_of(s, &w.tenant, &orders, &orders_secret, "api://orders").await;
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let at = assertion(s, &w).await;

    // Without actor_token: the client is the actor.
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", &at),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
            ("scope", "Orders.Read"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["issued_token_type"], ACCESS);
    assert_eq!(b["token_type"], "Bearer");
    assert!(b.get("refresh_token").is_none());
    let first = b["access_token"].as_str().unwrap().to_owned();
    let c = verify(s, &w.tenant, &first, "api://orders").await;
    assert_eq!(c["scp"], "Orders.Read");
    assert_eq!(c["oid"], w.ada.as_str());
    assert_eq!(c["act"]["client_id"], w.middle.as_str());
    assert_eq!(c["act"]["sub"], middle_sp.as_str());
    assert!(c["act"].get("act").is_none());

    // With an actor_token (the worker's own token for the middle API): the worker acts.
    let (st, _, wt) = cc(s, &w.tenant, &worker_id, &worker_secret, "api://middle/.default").await;
    assert_eq!(st, 200, "{wt}");
    let wt = wt["access_token"].as_str().unwrap().to_owned();
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", &at),
            ("subject_token_type", JWT),
            ("actor_token", &wt),
            ("actor_token_type", ACCESS),
            ("resource", "api://orders"),
            ("requested_token_type", JWT),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["issued_token_type"], JWT);
    let c = b64_claims(b["access_token"].as_str().unwrap());
    assert_eq!(c["act"]["client_id"], worker_id.as_str());
    assert_eq!(c["act"]["sub"], b64_claims(&wt)["sub"]);
    assert_eq!(c["scp"], "Orders.Read", ".default is what was consented");

    // Exchanged again, by orders for audit: the previous actor nests.
    let (st, b) = exchange(
        s,
        &w.tenant,
        (&orders, &orders_secret),
        &[
            ("subject_token", &first),
            ("subject_token_type", ACCESS),
            ("scope", "api://audit/Audit.Write"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let c = verify(s, &w.tenant, b["access_token"].as_str().unwrap(), "api://audit").await;
    assert_eq!(
        c["act"],
        json!({"sub": orders_sp, "client_id": orders, "act": {"sub": middle_sp, "client_id": w.middle}})
    );

    // invalid_target: an unknown API; audience and resource naming two APIs.
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", &at),
            ("subject_token_type", ACCESS),
            ("audience", "api://nowhere"),
        ],
    )
    .await;
    assert_eq!((st, b["error"].as_str()), (400, Some("invalid_target")), "{b}");
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", &at),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
            ("resource", "api://audit"),
        ],
    )
    .await;
    assert_eq!((st, b["error"].as_str()), (400, Some("invalid_target")), "{b}");
    // invalid_request: token types, a missing subject_token, actor_token_type alone.
    for extra in [
        vec![
            ("subject_token", at.as_str()),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:saml2"),
            ("audience", "api://orders"),
        ],
        vec![
            ("subject_token", at.as_str()),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
            ("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"),
        ],
        vec![("subject_token_type", ACCESS), ("audience", "api://orders")],
        vec![
            ("subject_token", at.as_str()),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
            ("actor_token_type", ACCESS),
        ],
        vec![
            ("subject_token", at.as_str()),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
            ("actor_token", wt.as_str()),
        ],
    ] {
        let (st, b) = exchange(s, &w.tenant, middle, &extra).await;
        assert_eq!(
            (st, b["error"].as_str()),
            (400, Some("invalid_request")),
            "{extra:?}: {b}"
        );
    }
    // invalid_grant: a bad subject token; consent missing (middle for audit).
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", "a.b.c"),
            ("subject_token_type", ACCESS),
            ("audience", "api://orders"),
        ],
    )
    .await;
    assert_eq!(
        (st, b["error"].as_str(), b["error_codes"][0].as_u64()),
        (400, Some("invalid_grant"), Some(50013))
    );
    let (st, b) = exchange(
        s,
        &w.tenant,
        middle,
        &[
            ("subject_token", &at),
            ("subject_token_type", ACCESS),
            ("audience", "api://audit"),
        ],
    )
    .await;
    assert_eq!(
        (st, b["error"].as_str(), b["suberror"].as_str()),
        (400, Some("invalid_grant"), Some("consent_required"))
    );

    // Discovery advertises both grants.
    let meta: Value = s
        .client()
        .get(format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            s.base_url, w.tenant
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grants = meta["grant_types_supported"].as_array().unwrap();
    assert!(
        grants.contains(&json!(OBO)) && grants.contains(&json!(EXCHANGE)),
        "{grants:?}"
    );
}

fn on_postgres(db: &ScratchDb) -> Server {
    Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            ..Default::default()
        },
    )
}

macro_rules! both {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $body(&start()).await;
        }

        #[tokio::test]
        async fn $postgres() {
            let db = ScratchDb::create().await;
            $body(&on_postgres(&db)).await;
        }
    };
}

both!(
    obo_gives_entitled_user_tokens_only,
    obo_gives_entitled_user_tokens_only_on_postgres,
    obo_gives_entitled_user_tokens
);
both!(
    obo_follows_user_consent_and_pre_authorization,
    obo_follows_user_consent_and_pre_authorization_on_postgres,
    user_consent_and_pre_authorization
);
both!(
    obo_never_widens,
    obo_never_widens_scope_on_postgres,
    obo_never_widens_scope
);
both!(
    obo_never_crosses_tenants,
    obo_never_crosses_tenants_on_postgres,
    obo_never_crosses_tenants_nor_takes_bad_assertions
);
both!(
    token_exchange_nests_act_claims,
    token_exchange_nests_act_claims_on_postgres,
    token_exchange_records_the_actors
);

/// An expired assertion, signed with the tenant's real key (read from the SQLite data folder as
/// an attacker holding it would): refused; the same claims unexpired are accepted.
#[tokio::test]
async fn obo_refuses_expired_assertions() {
    let s = start();
    let w = world(&s);
    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &w.middle,
        "--api",
        "api://orders",
        "--scope",
        ".default",
    ]);
    wait_for_caches().await;
    let at = assertion(&s, &w).await;
    let header: Value = serde_json::from_slice(&B64.decode(at.split('.').next().unwrap()).unwrap()).unwrap();
    let mut claims = b64_claims(&at);
    let middle = (w.middle.as_str(), w.middle_secret.as_str());
    let resigned = forge(&s, &w.tenant, &header, &claims).await;
    let (st, _, b) = obo(&s, &w.tenant, middle, &resigned, "api://orders/Orders.Read").await;
    assert_eq!(st, 200, "the forging works: {b}");
    let now = claims["iat"].as_i64().unwrap();
    claims["iat"] = json!(now - 7200);
    claims["nbf"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);
    let expired = forge(&s, &w.tenant, &header, &claims).await;
    let (st, h, b) = obo(&s, &w.tenant, middle, &expired, "api://orders/Orders.Read").await;
    assert_bad_assertion(st, &h, &b);
}

async fn forge(s: &Server, tenant: &str, header: &Value, claims: &Value) -> String {
    let store = gatehouse_store::open_data_dir(&s.data_dir).await.unwrap();
    let kek = gatehouse_keys::Kek::from_base64(&std::fs::read_to_string(s.data_dir.join("kek")).unwrap()).unwrap();
    let kid = header["kid"].as_str().unwrap();
    let record = store
        .keys_for_tenant(tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == kid)
        .expect("the token's key is stored");
    let signer = record.load(&kek).unwrap();
    let signed = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(header).unwrap()),
        B64.encode(serde_json::to_vec(claims).unwrap())
    );
    let signature = gatehouse_keys::Signer::sign(&signer, signed.as_bytes()).unwrap();
    format!("{signed}.{}", B64.encode(signature))
}
