//! Access-token claims and minting. The claim set is documented in docs/TOKENS.md.

use std::borrow::Cow;

use gatehouse_keys::jws;
/// The access-token claim set and the issuer string are defined once, in gatehouse-protocol,
/// and shared with the guard that verifies them.
pub use gatehouse_protocol::claims::{issuer, AccessClaims, Audience};
use gatehouse_protocol::claims::{Actor, ClaimNames, ClaimSource, ClaimSources, GROUPS_LIMIT};
use gatehouse_protocol::discovery::Dialect;
use serde::Serialize;

use crate::error::Error;
use crate::issuance::keyring::TenantKeys;
use crate::model::{Tenant, UnixTime, User};

/// Who the token is for, and in what shape.
pub struct MintInput<'a> {
    pub tenant: &'a Tenant,
    pub dialect: Dialect,
    pub audience: &'a str,
    pub client_id: &'a str,
    /// The caller's object id (service principal or user).
    pub subject: &'a str,
    pub roles: &'a [String],
    /// Ids of the subject's groups (transitive); past `GROUPS_LIMIT` the overage indicator.
    pub groups: &'a [String],
    pub scopes: Option<&'a str>,
    pub family: Option<&'a str>,
    pub app_only: bool,
    /// `azpacr`/`appidacr`: "0" public client, "1" client secret, "2" certificate.
    pub client_auth: &'a str,
    /// The signed-in user of a delegated token.
    pub user: Option<&'a User>,
    /// The token's own id (`uti`, from [`new_uti`]): what a revocation of this one token names.
    pub uti: &'a str,
    /// RFC 8693 `act`: who acts for the subject (token exchange), with the prior actors.
    pub act: Option<&'a Actor>,
    pub now: UnixTime,
}

/// A fresh token id for [`MintInput::uti`].
pub fn new_uti() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Signs an access token with the tenant's active key for its algorithm.
pub fn mint(keys: &TenantKeys, base_url: &str, input: &MintInput<'_>) -> Result<(String, UnixTime), Error> {
    let (payload, exp) = claims(base_url, input)?;
    Ok((sign(keys, input.tenant, &payload)?, exp))
}

/// Signs a claims payload with the tenant's active key for its algorithm.
pub fn sign(keys: &TenantKeys, tenant: &Tenant, payload: &[u8]) -> Result<String, Error> {
    let signer = keys
        .signer(tenant.signing_alg)
        .ok_or_else(|| Error::Internal(format!("tenant {} has no active {} key", tenant.id, tenant.signing_alg)))?;
    Ok(jws::encode(signer.as_ref(), payload)?)
}

/// The access token's claims as JSON bytes (what a signed token carries), and its expiry.
pub fn claims<'a>(base_url: &str, input: &MintInput<'a>) -> Result<(Vec<u8>, UnixTime), Error> {
    let exp = input.now + input.tenant.token_lifetime_seconds;
    let v2 = input.dialect == Dialect::V2;
    let some = |v: &'a str| Some(Cow::Borrowed(v));
    let overage = input.groups.len() > GROUPS_LIMIT;
    let claims = AccessClaims {
        aud: Audience::One(Cow::Borrowed(input.audience)),
        iss: Cow::Owned(issuer(base_url, &input.tenant.id, input.dialect)),
        iat: Some(unsigned(input.now)),
        nbf: Some(unsigned(input.now)),
        exp: unsigned(exp),
        act: input.act.cloned(),
        azp: v2.then_some(Cow::Borrowed(input.client_id)),
        azpacr: v2.then_some(Cow::Borrowed(input.client_auth)),
        appid: (!v2).then_some(Cow::Borrowed(input.client_id)),
        appidacr: (!v2).then_some(Cow::Borrowed(input.client_auth)),
        groups: Cow::Borrowed(if overage { &[] } else { input.groups }),
        claim_names: overage.then(|| ClaimNames { groups: "src1".into() }),
        claim_sources: overage.then(|| ClaimSources {
            src1: ClaimSource {
                endpoint: format!(
                    "{base_url}/graph/v1.0/directoryObjects/{}/getMemberObjects",
                    input.subject
                )
                .into(),
            },
        }),
        idtyp: some(if input.app_only { "app" } else { "user" }),
        name: input.user.and_then(|u| some(&u.display_name)),
        oid: some(input.subject),
        preferred_username: input.user.filter(|_| v2).and_then(|u| some(&u.user_principal_name)),
        roles: Cow::Borrowed(input.roles),
        scp: input.scopes.and_then(some),
        sid: input.family.and_then(some),
        sub: some(input.subject),
        tid: Cow::Borrowed(&input.tenant.id),
        unique_name: input.user.filter(|_| !v2).and_then(|u| some(&u.user_principal_name)),
        upn: input.user.filter(|_| !v2).and_then(|u| some(&u.user_principal_name)),
        uti: Some(Cow::Borrowed(input.uti)),
        ver: Cow::Borrowed(if v2 { "2.0" } else { "1.0" }),
    };
    // Sized for a usual claim set at once (to_vec would grow from nothing, copying as it goes).
    let mut payload = Vec::with_capacity(CLAIMS_CAPACITY);
    serde_json::to_writer(&mut payload, &claims).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((payload, exp))
}

/// Bytes of a usual access token's claims (an app-only token's are about 600).
const CLAIMS_CAPACITY: usize = 1024;

/// Times are never before 1970; a clock that says otherwise writes 0.
fn unsigned(t: UnixTime) -> u64 {
    u64::try_from(t).unwrap_or(0)
}

/// The claims of an id_token (OpenID Connect Core 2), as MSAL and the Azure CLI read them.
#[derive(Debug, Clone, Serialize)]
pub struct IdClaims<'a> {
    pub aud: &'a str,
    pub iss: String,
    pub iat: UnixTime,
    pub nbf: UnixTime,
    pub exp: UnixTime,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    pub oid: &'a str,
    pub preferred_username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'a str>,
    pub sub: &'a str,
    pub tid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<&'a str>,
    pub ver: &'a str,
}

/// Who an id_token is about and for.
#[derive(Clone, Copy)]
pub struct IdInput<'a> {
    pub tenant: &'a Tenant,
    pub dialect: Dialect,
    pub client_id: &'a str,
    pub user: &'a User,
    pub nonce: Option<&'a str>,
    pub sid: Option<&'a str>,
    pub now: UnixTime,
}

/// Signs an id_token for the user, addressed to the client.
pub fn mint_id_token(keys: &TenantKeys, base_url: &str, input: &IdInput<'_>) -> Result<String, Error> {
    let IdInput {
        tenant,
        dialect,
        client_id,
        user,
        nonce,
        sid,
        now,
    } = *input;
    let signer = keys
        .signer(tenant.signing_alg)
        .ok_or_else(|| Error::Internal(format!("tenant {} has no active {} key", tenant.id, tenant.signing_alg)))?;
    let v2 = dialect == Dialect::V2;
    let claims = IdClaims {
        aud: client_id,
        iss: issuer(base_url, &tenant.id, dialect),
        iat: now,
        nbf: now,
        exp: now + tenant.token_lifetime_seconds,
        name: &user.display_name,
        nonce,
        oid: &user.id,
        preferred_username: &user.user_principal_name,
        sid,
        sub: &user.id,
        tid: &tenant.id,
        upn: (!v2).then_some(user.user_principal_name.as_str()),
        ver: if v2 { "2.0" } else { "1.0" },
    };
    // Sized for a usual claim set at once (to_vec would grow from nothing, copying as it goes).
    let mut payload = Vec::with_capacity(CLAIMS_CAPACITY);
    serde_json::to_writer(&mut payload, &claims).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(jws::encode(signer.as_ref(), &payload)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
    use gatehouse_keys::{Algorithm, LocalSigner, Signer};

    use super::*;

    /// The claims part of a minted token, as JSON text, with the random `uti` blanked.
    fn payload(dialect: Dialect, user: Option<&User>, scopes: Option<&str>, roles: &[String]) -> String {
        let signer: Arc<dyn Signer> = Arc::new(LocalSigner::generate("k", Algorithm::ES256).unwrap().0);
        let keys = TenantKeys::from_signers(vec![signer]);
        let tenant = Tenant {
            id: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490".into(),
            name: "t".into(),
            display_name: "t".into(),
            signing_alg: Algorithm::ES256,
            token_lifetime_seconds: 3600,
            created_at: 0,
        };
        let input = MintInput {
            tenant: &tenant,
            dialect,
            audience: "api://x",
            client_id: "c1",
            subject: "o1",
            roles,
            groups: &[],
            scopes,
            family: user.map(|_| "f1"),
            app_only: user.is_none(),
            client_auth: "1",
            user,
            uti: &new_uti(),
            act: None,
            now: 1_700_000_000,
        };
        let (token, exp) = mint(&keys, "https://h", &input).unwrap();
        assert_eq!(exp, 1_700_003_600);
        let text = String::from_utf8(B64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let uti = serde_json::from_str::<serde_json::Value>(&text).unwrap()["uti"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(uti.len(), 32);
        text.replace(&uti, "U")
    }

    #[test]
    fn access_token_payload_bytes_are_pinned() {
        let roles = vec!["R1".to_owned(), "R2".to_owned()];
        assert_eq!(
            payload(Dialect::V2, None, None, &roles),
            r#"{"aud":"api://x","iss":"https://h/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0","iat":1700000000,"nbf":1700000000,"exp":1700003600,"azp":"c1","azpacr":"1","idtyp":"app","oid":"o1","roles":["R1","R2"],"sub":"o1","tid":"8eaef023-2b34-4da1-9baa-8bc8c9d6a490","uti":"U","ver":"2.0"}"#
        );
        let user = User {
            id: "o1".into(),
            tenant_id: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490".into(),
            user_principal_name: "a@b".into(),
            display_name: "A B".into(),
            password_hash: String::new(),
            account_enabled: true,
            password_change_required: false,
            created_at: 0,
        };
        assert_eq!(
            payload(Dialect::V2, Some(&user), Some("s1 s2"), &[]),
            r#"{"aud":"api://x","iss":"https://h/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0","iat":1700000000,"nbf":1700000000,"exp":1700003600,"azp":"c1","azpacr":"1","idtyp":"user","name":"A B","oid":"o1","preferred_username":"a@b","scp":"s1 s2","sid":"f1","sub":"o1","tid":"8eaef023-2b34-4da1-9baa-8bc8c9d6a490","uti":"U","ver":"2.0"}"#
        );
        assert_eq!(
            payload(Dialect::V1, Some(&user), Some("s1"), &roles),
            r#"{"aud":"api://x","iss":"https://h/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/","iat":1700000000,"nbf":1700000000,"exp":1700003600,"appid":"c1","appidacr":"1","idtyp":"user","name":"A B","oid":"o1","roles":["R1","R2"],"scp":"s1","sid":"f1","sub":"o1","tid":"8eaef023-2b34-4da1-9baa-8bc8c9d6a490","unique_name":"a@b","upn":"a@b","uti":"U","ver":"1.0"}"#
        );
    }

    fn with_groups(n: usize) -> serde_json::Value {
        let signer: Arc<dyn Signer> = Arc::new(LocalSigner::generate("k", Algorithm::ES256).unwrap().0);
        let keys = TenantKeys::from_signers(vec![signer]);
        let tenant = Tenant {
            id: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490".into(),
            name: "t".into(),
            display_name: "t".into(),
            signing_alg: Algorithm::ES256,
            token_lifetime_seconds: 3600,
            created_at: 0,
        };
        let groups: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
        let input = MintInput {
            tenant: &tenant,
            dialect: Dialect::V2,
            audience: "api://x",
            client_id: "c1",
            subject: "o1",
            roles: &[],
            groups: &groups,
            scopes: None,
            family: None,
            app_only: true,
            client_auth: "1",
            user: None,
            uti: &new_uti(),
            act: None,
            now: 1_700_000_000,
        };
        let (token, _) = mint(&keys, "https://h", &input).unwrap();
        serde_json::from_slice(&B64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn groups_up_to_the_limit_then_the_overage_indicator() {
        let few = with_groups(2);
        assert_eq!(few["groups"], serde_json::json!(["g0", "g1"]));
        assert!(few.get("_claim_names").is_none());
        assert!(with_groups(0).get("groups").is_none());
        assert_eq!(
            with_groups(GROUPS_LIMIT)["groups"].as_array().unwrap().len(),
            GROUPS_LIMIT
        );
        let many = with_groups(GROUPS_LIMIT + 1);
        assert!(many.get("groups").is_none());
        assert_eq!(many["_claim_names"]["groups"], "src1");
        assert_eq!(
            many["_claim_sources"]["src1"]["endpoint"],
            "https://h/graph/v1.0/directoryObjects/o1/getMemberObjects"
        );
        // The guard's strict claim types read it back.
        let back: AccessClaims<'static> = serde_json::from_value(many).unwrap();
        assert!(back.claim_names.is_some() && back.groups.is_empty());
    }
}
