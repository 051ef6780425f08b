//! Per-API access-token formats (issue 9 part 3): after the claims are chosen, [`TokenFormats`]
//! writes the token the way its resource wants it, and opens tokens again for introspection
//! and revocation.
//!
//! - `jwt`: the signed JWT (JWS), as always.
//! - `encrypted`: the signed JWT nested in a compact JWE (`gatehouse_keys::jwe`: RSA-OAEP-256,
//!   A256GCM, `cty: JWT`, `kid` of the resource's encryption key), so a JWT decoder sees nothing.
//!   When Gatehouse holds the private key (it generated it) it opens such tokens itself; when
//!   only the API author's public key is registered, it keeps a reference record (SHA-256 of the
//!   token, its claims, its expiry) to answer introspection and revocation.
//! - `opaque`: `gthat_{tenant}_{random}`, stored as SHA-256 with its claims and expiry; only
//!   introspection says what it means.
//!
//! Formats are cached per (tenant, resource appId), parsed keys included, and dropped when the
//! change feed names the API (`ChangeKind::App`). The built-in Dev Center resource is
//! `encrypted` by default; its key is generated (and sealed under the KEK) at its first token.

use std::sync::Arc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use gatehouse_keys::jwe::{self, DecryptionKey, EncryptionKey};
use gatehouse_keys::Kek;
use gatehouse_protocol::reference::{self, ReferenceToken};

use crate::error::Error;
use crate::issuance::directory::cache::GuardedCache;
use crate::issuance::keyring::TenantKeys;
use crate::issuance::mint::{self, MintInput};
use crate::issuance::resources::{self, Resource};
use crate::model::{now, Actor, ApiTokenFormat, ReferenceRecord, TokenFormat, UnixTime};
use crate::secret;
use crate::store::{Change, ChangeKind, Store};

/// How many (tenant, API) formats are cached.
const CAPACITY: u64 = 10_000;

/// An API's format with its keys parsed.
#[derive(Debug)]
pub struct Resolved {
    pub format: TokenFormat,
    pub encrypt: Option<EncryptionKey>,
    /// Present when Gatehouse generated the key (and so can open its tokens).
    pub decrypt: Option<DecryptionKey>,
}

impl Resolved {
    fn jwt() -> Self {
        Self {
            format: TokenFormat::Jwt,
            encrypt: None,
            decrypt: None,
        }
    }
}

/// A token of ours, opened: the inner signed JWT (still to be verified as any JWT), or the
/// claims a stored reference says (written by us at issuance, so trusted as they are; still to
/// be checked for expiry and revocation).
#[derive(Debug)]
pub enum Opened {
    Signed(String),
    Stored(serde_json::Map<String, serde_json::Value>),
}

pub struct TokenFormats {
    store: Arc<dyn Store>,
    kek: Arc<Kek>,
    cache: GuardedCache<Arc<Resolved>>,
}

impl TokenFormats {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>) -> Self {
        Self {
            store,
            kek,
            cache: GuardedCache::new(CAPACITY),
        }
    }

    pub fn invalidate(&self) {
        self.cache.invalidate_all();
    }

    /// Drops the format of the API an `App` change names.
    pub fn apply(&self, change: &Change) {
        if change.kind == ChangeKind::App {
            self.cache
                .invalidate(&format!("{}|{}", change.tenant_id, change.key.to_ascii_lowercase()));
        }
    }

    /// Drops one cached format at once (the writer's own process).
    pub fn forget(&self, tenant_id: &str, app_id: &str) {
        self.cache
            .invalidate(&format!("{tenant_id}|{}", app_id.to_ascii_lowercase()));
    }

    /// The format of the resource `app_id` in `tenant_id`, keys parsed; cached.
    pub async fn resolve(&self, tenant_id: &str, app_id: &str) -> Result<Arc<Resolved>, Error> {
        let key = crate::issuance::directory::cache::key_lower(tenant_id, app_id);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let app_id = key[tenant_id.len() + 1..].to_owned();
        let ticket = self.cache.ticket(&key);
        let mut row = self.store.token_format(tenant_id, &app_id).await?;
        if row.is_none() && resources::default_format(&app_id) == TokenFormat::Encrypted {
            // A built-in API encrypted by default: its key is made at its first token. Of two
            // processes doing this at once, the first write wins and both use it.
            let (record, _) = generated_format(&self.kek, tenant_id, &app_id).await?;
            let system = self.store.with_actor(Actor::system("encryption key of a built-in API"));
            system.put_token_format(&record, false).await?;
            row = self.store.token_format(tenant_id, &app_id).await?;
        }
        let resolved = Arc::new(match row {
            Some(row) => parse(&self.kek, &row)?,
            None => Resolved::jwt(),
        });
        self.cache.insert(ticket, key, resolved.clone());
        Ok(resolved)
    }

    /// Mints the access token for `input` in its resource's format.
    pub async fn mint(
        &self,
        keys: &TenantKeys,
        base_url: &str,
        resource: &Resource,
        input: &MintInput<'_>,
    ) -> Result<(String, UnixTime), Error> {
        let resolved = self.resolve(&input.tenant.id, &resource.app_id).await?;
        let (payload, exp) = mint::claims(base_url, input)?;
        match resolved.format {
            TokenFormat::Jwt => Ok((mint::sign(keys, input.tenant, &payload)?, exp)),
            TokenFormat::Encrypted => {
                let enc = resolved
                    .encrypt
                    .as_ref()
                    .ok_or_else(|| Error::Internal("encrypted format without a key".into()))?;
                let inner = mint::sign(keys, input.tenant, &payload)?;
                let token = enc.encrypt(inner.as_bytes())?;
                if resolved.decrypt.is_none() {
                    self.remember(&token, input, &payload, exp).await?;
                }
                Ok((token, exp))
            }
            TokenFormat::Opaque => {
                let token = reference::format(&input.tenant.id, &secret::random_token(32));
                self.remember(&token, input, &payload, exp).await?;
                Ok((token, exp))
            }
        }
    }

    async fn remember(&self, token: &str, input: &MintInput<'_>, payload: &[u8], exp: UnixTime) -> Result<(), Error> {
        let record = ReferenceRecord {
            token_hash: secret::sha256(token.as_bytes()),
            tenant_id: input.tenant.id.clone(),
            uti: input.uti.to_owned(),
            claims: String::from_utf8_lossy(payload).into_owned(),
            expires_at: exp,
        };
        Ok(self.store.insert_reference_token(&record).await?)
    }

    /// Opens an encrypted or opaque access token of `tenant_id`. `None`: not one of these (a
    /// signed JWT, or anything else), unknown, expired, or not decryptable with a key of ours.
    pub async fn open(&self, tenant_id: &str, token: &str) -> Result<Option<Opened>, Error> {
        if let Ok(reference) = ReferenceToken::parse(token) {
            if reference.tenant() != tenant_id {
                return Ok(None);
            }
            return self.stored(tenant_id, token).await;
        }
        if !jwe::looks_like_jwe(token) {
            return Ok(None);
        }
        let Ok(Some(kid)) = jwe::header_kid(token) else {
            return Ok(None);
        };
        let Some(row) = self.store.token_format_by_key_id(tenant_id, &kid).await? else {
            return Ok(None);
        };
        let resolved = self.resolve(tenant_id, &row.app_id).await?;
        match &resolved.decrypt {
            Some(key) if key.kid() == kid => match key.decrypt(token) {
                Ok(inner) => Ok(String::from_utf8(inner).ok().map(Opened::Signed)),
                Err(_) => Ok(None),
            },
            Some(_) => Ok(None),
            None => self.stored(tenant_id, token).await,
        }
    }

    async fn stored(&self, tenant_id: &str, token: &str) -> Result<Option<Opened>, Error> {
        let Some(record) = self.store.reference_token(&secret::sha256(token.as_bytes())).await? else {
            return Ok(None);
        };
        if record.tenant_id != tenant_id || record.expires_at <= now() {
            return Ok(None);
        }
        Ok(serde_json::from_str(&record.claims).ok().map(Opened::Stored))
    }
}

/// A new encrypted format for the API with a generated key; returns it and the key's PKCS#8.
/// The RSA key takes tens of milliseconds to make, so it is made on the blocking pool: on an
/// async worker it would stall every request that worker holds meanwhile.
pub async fn generated_format(kek: &Kek, tenant_id: &str, app_id: &str) -> Result<(ApiTokenFormat, Vec<u8>), Error> {
    let (key, pkcs8) = tokio::task::spawn_blocking(DecryptionKey::generate)
        .await
        .map_err(|e| Error::Internal(format!("encryption key task: {e}")))??;
    let kid = key.kid().to_owned();
    let sealed = kek.seal(&pkcs8, &kid)?;
    Ok((
        ApiTokenFormat {
            tenant_id: tenant_id.to_owned(),
            app_id: app_id.to_ascii_lowercase(),
            format: TokenFormat::Encrypted,
            key_id: Some(kid),
            public_key: Some(key.public_der().to_vec()),
            sealed_private_key: Some(sealed),
            updated_at: now(),
        },
        pkcs8,
    ))
}

fn parse(kek: &Kek, row: &ApiTokenFormat) -> Result<Resolved, Error> {
    if row.format != TokenFormat::Encrypted {
        return Ok(Resolved {
            format: row.format,
            encrypt: None,
            decrypt: None,
        });
    }
    let (Some(kid), Some(public)) = (&row.key_id, &row.public_key) else {
        return Err(Error::Internal(format!(
            "encrypted format of {} without a key",
            row.app_id
        )));
    };
    let encrypt = EncryptionKey::from_spki_der(public)?;
    let decrypt = match &row.sealed_private_key {
        Some(sealed) => Some(DecryptionKey::from_pkcs8(&kek.open(sealed, kid)?)?),
        None => None,
    };
    Ok(Resolved {
        format: TokenFormat::Encrypted,
        encrypt: Some(encrypt),
        decrypt,
    })
}

/// The claims of a signed JWT's payload, unverified (the caller verified the signature).
pub fn payload_claims(jwt: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&B64.decode(payload).ok()?).ok()
}
