//! The authorization-code grant (RFC 6749 section 4.1.3) with PKCE (RFC 7636, S256 only).
//!
//! A code works once, for the client, redirect URI and PKCE challenge it was issued with, for
//! [`crate::browser::authorize::CODE_LIFETIME`] seconds. Redemption is one conditional UPDATE that also
//! stores the refresh family the code starts, so of N concurrent redemptions exactly one wins.
//! A code presented again (a replay: someone else holds it) revokes what it issued: the refresh
//! family is revoked and its `sid`, carried by every token the code produced, is published in the
//! revocation feed. PKCE downgrades are refused both ways: a code issued with a challenge needs
//! the verifier, and a verifier sent for a code issued without a challenge is refused (RFC 9700
//! section 2.1.1).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};

use super::delegated::{self, UserGrant, FAMILY_LIFETIME};
use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;
use crate::model::{now, AuthCode, RefreshFamily, RevocationKind};
use crate::secret;

pub async fn grant(env: &GrantEnv<'_>, ctx: &GrantContext<'_>) -> Result<Issued, Error> {
    let GrantContext {
        tenant,
        client,
        params,
        dialect,
        method,
    } = *ctx;
    let code = params.get("code").ok_or(Error::MissingParameter("code"))?;
    let hash = secret::sha256(code.as_bytes());
    let ac = env
        .codes
        .auth_code_by_hash(&hash)
        .await?
        .filter(|c| c.tenant_id == tenant.id)
        .ok_or(Error::AuthCodeInvalid("unknown"))?;
    if !ac.client_id.eq_ignore_ascii_case(&client.app.app_id) {
        return Err(Error::AuthCodeInvalid("issued to another client"));
    }
    if ac.used {
        revoke_issued(env, &ac).await?;
        return Err(Error::AuthCodeRedeemed);
    }
    let t = now();
    if ac.expires_at <= t {
        return Err(Error::AuthCodeExpired);
    }
    if params.get("redirect_uri") != Some(ac.redirect_uri.as_str()) {
        return Err(Error::AuthCodeRedirectMismatch);
    }
    check_verifier(ac.code_challenge.as_deref(), params.get("code_verifier"))?;
    let user = env
        .users
        .user_by_id(&tenant.id, &ac.user_id)
        .await?
        .ok_or(Error::AuthCodeInvalid("user deleted"))?;
    if !user.account_enabled {
        return Err(Error::UserDisabled);
    }
    let scope = delegated::parse(&ac.scope)?;
    if dialect == gatehouse_protocol::discovery::Dialect::V2 {
        crate::issuance::resource_indicator::must_match(params, &scope.resource)?;
    }
    let family = scope.has("offline_access").then(|| {
        let f = RefreshFamily {
            id: ac.sid.clone(),
            tenant_id: tenant.id.clone(),
            client_id: client.app.app_id.to_ascii_lowercase(),
            user_id: user.id.clone(),
            scope: ac.scope.clone(),
            created_at: t,
            expires_at: t + FAMILY_LIFETIME,
            revoked: false,
        };
        let (text, first) = delegated::new_refresh_token(&f.id);
        (f, first, text)
    });
    // The one atomic step: of any number of concurrent redemptions, one moves unused -> used.
    let redeemed = env
        .codes
        .redeem_auth_code(&hash, t, family.as_ref().map(|(f, first, _)| (f, first)))
        .await?;
    if !redeemed {
        revoke_issued(env, &ac).await?;
        return Err(Error::AuthCodeRedeemed);
    }
    delegated::issue(
        env,
        UserGrant {
            client_auth: method.acr(),
            tenant,
            client,
            user: &user,
            scope: &scope,
            dialect,
            family: Some(&ac.sid),
            refresh_token: family.map(|(_, _, text)| text),
            nonce: ac.nonce.as_deref(),
            client_info: params.get("client_info") == Some("1"),
        },
    )
    .await
}

/// RFC 7636 section 4.6, S256 only, compared in constant time.
fn check_verifier(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), Error> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(Error::PkceUnexpectedVerifier),
        (Some(_), None) => Err(Error::PkceVerifierMismatch),
        (Some(challenge), Some(v)) => {
            let well_formed = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = B64.encode(secret::sha256(v.as_bytes()));
            let same = secret::hashes_equal(
                &secret::sha256(computed.as_bytes()),
                &secret::sha256(challenge.as_bytes()),
            );
            if well_formed && same {
                Ok(())
            } else {
                Err(Error::PkceVerifierMismatch)
            }
        }
    }
}

/// A replayed code: revoke the family it started and publish its `sid` (which every token the
/// code produced carries), so guards refuse those access tokens too.
async fn revoke_issued(env: &GrantEnv<'_>, ac: &AuthCode) -> Result<(), Error> {
    tracing::warn!(tenant = %ac.tenant_id, sid = %ac.sid, "authorization code replayed; what it issued is revoked");
    env.refresh.revoke_refresh_family(&ac.sid).await?;
    env.revocations
        .revoke(
            &ac.tenant_id,
            RevocationKind::Sid,
            &ac.sid,
            ac.created_at + FAMILY_LIFETIME,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_verifier_checks() {
        // A verifier and its S256 challenge (computed independently, with Python).
        let v = "Gatehouse-PKCE-verifier-0123456789-abcdefghijklmnop";
        let c = "0Tr0JG3Ig9WXSpARe94ybBS9LVWyUaE_mnHvY12iZ40";
        assert!(check_verifier(Some(c), Some(v)).is_ok());
        assert!(matches!(
            check_verifier(Some(c), Some(&v.replace('G', "H"))),
            Err(Error::PkceVerifierMismatch)
        ));
        assert!(matches!(
            check_verifier(Some(c), None),
            Err(Error::PkceVerifierMismatch)
        ));
        assert!(matches!(
            check_verifier(None, Some(v)),
            Err(Error::PkceUnexpectedVerifier)
        ));
        assert!(matches!(
            check_verifier(Some(c), Some(c)),
            Err(Error::PkceVerifierMismatch)
        ));
        assert!(check_verifier(None, None).is_ok());
    }
}
