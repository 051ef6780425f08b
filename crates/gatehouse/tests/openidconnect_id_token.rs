//! The `openidconnect` crate as a relying party of the authorization-code flow: it builds the
//! authorize URL (PKCE S256, state, nonce), the pages are driven with plain HTTP as a browser
//! without JavaScript would (auth_helpers), it redeems the code and validates the id_token with
//! its own checks: signature against the discovered JWKS, issuer, audience, expiry and nonce. A
//! wrong nonce, another audience and a tampered signature are refused; the refresh token works.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::user;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl,
    RefreshToken, Scope, TokenResponse,
};

#[tokio::test]
async fn openidconnect_validates_the_id_token_of_the_auth_code_flow() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let client_id = public_app(&s);
    let http = http_client(s.client());
    let issuer = IssuerUrl::new(format!("{}/{tenant}/v2.0", s.base_url)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http)
        .await
        .expect("discovery with openidconnect's checks");
    let oidc = CoreClient::from_provider_metadata(metadata.clone(), ClientId::new(client_id.clone()), None)
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());

    // The relying party's authorize URL: openid added by the crate, PKCE S256, state, nonce.
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("https://graph.microsoft.com/User.Read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let path_and_query = url
        .as_str()
        .strip_prefix(&s.base_url)
        .expect("authorize on the server")
        .to_owned();
    assert!(
        path_and_query.contains("code_challenge_method=S256"),
        "{path_and_query}"
    );

    // The person: sign in and consent.
    let mut b = Browser::new(&s);
    let page = b.get(&path_and_query).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let consent = b
        .sign_in(&tenant, &page, "ada@contoso.com", device_helpers::PASSWORD)
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let a = answer(&b.consent(&tenant, &consent, true).await);
    assert_eq!(a["state"], *state.secret(), "state round-trips");
    assert_eq!(a["iss"], issuer.as_str(), "RFC 9207 iss");

    let token = oidc
        .exchange_code(AuthorizationCode::new(a["code"].clone()))
        .expect("token endpoint known")
        .set_pkce_verifier(pkce_verifier)
        .request_async(&http)
        .await
        .expect("code redeemed by openidconnect");
    let id_token = token.id_token().expect("an id_token with scope openid").clone();

    // openidconnect's own validation: signature (JWKS), iss, aud, exp, nonce.
    let verifier = oidc.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce).expect("the id_token validates");
    assert_eq!(claims.issuer(), &issuer);
    assert_eq!(claims.audiences().len(), 1);
    assert_eq!(claims.audiences()[0].as_str(), client_id);
    assert_eq!(claims.subject().as_str(), ada["id"].as_str().unwrap());
    assert_eq!(
        claims.nonce().map(|n| n.secret().as_str()),
        Some(nonce.secret().as_str())
    );
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ada@contoso.com"));
    assert!(claims.expiration() > claims.issue_time());

    // The same token with another nonce, for another audience, or with a changed signature: refused.
    assert!(
        id_token.claims(&verifier, &Nonce::new("another nonce".into())).is_err(),
        "a wrong nonce must be refused"
    );
    let other_aud = CoreIdTokenVerifier::new_public_client(
        ClientId::new("00000000-0000-0000-0000-000000000001".into()),
        issuer.clone(),
        metadata.jwks().clone(),
    );
    assert!(
        id_token.claims(&other_aud, &nonce).is_err(),
        "another audience must be refused"
    );
    let other_iss = CoreIdTokenVerifier::new_public_client(
        ClientId::new(client_id.clone()),
        IssuerUrl::new(format!("{}/{tenant}/", s.base_url)).unwrap(),
        metadata.jwks().clone(),
    );
    assert!(
        id_token.claims(&other_iss, &nonce).is_err(),
        "the v1 issuer is not the v2 issuer"
    );
    let text = id_token.to_string();
    let (head, sig) = text.rsplit_once('.').unwrap();
    let mut sig = sig.as_bytes().to_vec();
    sig[5] = if sig[5] == b'A' { b'B' } else { b'A' };
    let tampered: CoreIdToken = format!("{head}.{}", String::from_utf8(sig).unwrap()).parse().unwrap();
    assert!(
        tampered.claims(&verifier, &nonce).is_err(),
        "a changed signature must be refused"
    );

    // Refresh through openidconnect: a new refresh token, and the old one is spent.
    let rt = token
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .secret()
        .clone();
    let fresh = oidc
        .exchange_refresh_token(&RefreshToken::new(rt.clone()))
        .expect("token endpoint known")
        .request_async(&http)
        .await
        .expect("refresh through openidconnect");
    let rt2 = fresh.refresh_token().expect("rotated").secret().clone();
    assert_ne!(rt2, rt, "refresh tokens rotate");
    assert_ne!(fresh.access_token().secret(), token.access_token().secret());
    let reuse = oidc
        .exchange_refresh_token(&RefreshToken::new(rt))
        .expect("token endpoint known")
        .request_async(&http)
        .await;
    assert!(reuse.is_err(), "a spent refresh token is refused");
}
