//! Decoding rows into domain objects, for any backend.

use gatehouse_core::model::{
    AppRole, AppRoleAssignment, Application, AuthCode, ClientCertificate, ClientSecret, DeviceCode, DeviceCodeState,
    PermissionScope, RefreshFamily, RefreshToken, ServicePrincipal, SignInSession, Tenant, User,
};
use gatehouse_core::StoreError;
use gatehouse_keys::KeyRecord;
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::map_err;

/// The column types every backend must decode.
pub(crate) trait Cols: Row
where
    for<'r> &'r str: ColumnIndex<Self>,
{
    fn s(&self, c: &str) -> Result<String, StoreError>;
    fn i(&self, c: &str) -> Result<i64, StoreError>;
    fn b(&self, c: &str) -> Result<bool, StoreError>;
    fn bytes(&self, c: &str) -> Result<Vec<u8>, StoreError>;
    fn opt_s(&self, c: &str) -> Result<Option<String>, StoreError>;
    fn opt_bytes(&self, c: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn opt_i(&self, c: &str) -> Result<Option<i64>, StoreError>;
}

impl<R: Row> Cols for R
where
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database>,
    for<'r> Option<Vec<u8>>: Decode<'r, R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database>,
{
    fn s(&self, c: &str) -> Result<String, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn i(&self, c: &str) -> Result<i64, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn b(&self, c: &str) -> Result<bool, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn bytes(&self, c: &str) -> Result<Vec<u8>, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn opt_s(&self, c: &str) -> Result<Option<String>, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn opt_bytes(&self, c: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.try_get(c).map_err(map_err)
    }
    fn opt_i(&self, c: &str) -> Result<Option<i64>, StoreError> {
        self.try_get(c).map_err(map_err)
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

pub(crate) fn tenant<R: Cols>(r: &R) -> Result<Tenant, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(Tenant {
        id: r.s("id")?,
        name: r.s("name")?,
        display_name: r.s("display_name")?,
        signing_alg: r.s("signing_alg")?.parse().map_err(|_| corrupt("tenant signing_alg"))?,
        token_lifetime_seconds: r.i("token_lifetime_seconds")?,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn application<R: Cols>(r: &R) -> Result<Application, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    let uris: Vec<String> = serde_json::from_str(&r.s("identifier_uris")?).map_err(|_| corrupt("identifier_uris"))?;
    let roles: Vec<AppRole> = serde_json::from_str(&r.s("app_roles")?).map_err(|_| corrupt("app_roles"))?;
    let scopes: Vec<PermissionScope> =
        serde_json::from_str(&r.s("oauth2_scopes")?).map_err(|_| corrupt("oauth2_scopes"))?;
    let redirects: Vec<String> = serde_json::from_str(&r.s("redirect_uris")?).map_err(|_| corrupt("redirect_uris"))?;
    Ok(Application {
        id: r.s("id")?,
        tenant_id: r.s("tenant_id")?,
        app_id: r.s("app_id")?,
        display_name: r.s("display_name")?,
        identifier_uris: uris,
        app_roles: roles,
        oauth2_permission_scopes: scopes,
        public_client: r.b("public_client")?,
        redirect_uris: redirects,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn service_principal<R: Cols>(r: &R) -> Result<ServicePrincipal, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(ServicePrincipal {
        id: r.s("id")?,
        tenant_id: r.s("tenant_id")?,
        app_id: r.s("app_id")?,
        display_name: r.s("display_name")?,
        account_enabled: r.b("account_enabled")?,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn certificate<R: Cols>(r: &R) -> Result<ClientCertificate, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(ClientCertificate {
        key_id: r.s("key_id")?,
        application_id: r.s("application_id")?,
        display_name: r.s("display_name")?,
        thumbprint_sha1: r
            .bytes("thumbprint_sha1")?
            .try_into()
            .map_err(|_| corrupt("thumbprint_sha1 length"))?,
        thumbprint_sha256: r
            .bytes("thumbprint_sha256")?
            .try_into()
            .map_err(|_| corrupt("thumbprint_sha256 length"))?,
        der: r.bytes("cert_der")?,
        public_key: r.bytes("public_key")?,
        start: r.i("start_at")?,
        end: r.i("end_at")?,
    })
}

pub(crate) fn secret<R: Cols>(r: &R) -> Result<ClientSecret, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    let hash = r.bytes("secret_hash")?;
    Ok(ClientSecret {
        key_id: r.s("key_id")?,
        application_id: r.s("application_id")?,
        display_name: r.s("display_name")?,
        hint: r.s("hint")?,
        secret_hash: hash.try_into().map_err(|_| corrupt("secret_hash length"))?,
        start: r.i("start_at")?,
        end: r.i("end_at")?,
    })
}

pub(crate) fn role_assignment<R: Cols>(r: &R) -> Result<AppRoleAssignment, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(AppRoleAssignment {
        id: r.s("id")?,
        tenant_id: r.s("tenant_id")?,
        principal_id: r.s("principal_id")?,
        resource_id: r.s("resource_id")?,
        app_role_id: r.s("app_role_id")?,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn key<R: Cols>(r: &R) -> Result<KeyRecord, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(KeyRecord {
        kid: r.s("kid")?,
        tenant_id: r.s("tenant_id")?,
        alg: r.s("alg")?.parse().map_err(|_| corrupt("key alg"))?,
        sealed_private: r.bytes("sealed_private")?,
        public_jwk: r.s("public_jwk")?,
        created_at: r.i("created_at")?,
        activates_at: r.i("activates_at")?,
        retires_at: r.opt_i("retires_at")?,
        generation: r.i("generation")?,
    })
}

fn hash32(v: Vec<u8>, what: &str) -> Result<[u8; 32], StoreError> {
    v.try_into().map_err(|_| corrupt(what))
}

pub(crate) fn user<R: Cols>(r: &R) -> Result<User, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(User {
        id: r.s("id")?,
        tenant_id: r.s("tenant_id")?,
        user_principal_name: r.s("user_principal_name")?,
        display_name: r.s("display_name")?,
        password_hash: r.s("password_hash")?,
        account_enabled: r.b("account_enabled")?,
        password_change_required: r.b("password_change_required")?,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn device_code<R: Cols>(r: &R) -> Result<DeviceCode, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(DeviceCode {
        device_code_hash: hash32(r.bytes("device_code_hash")?, "device_code_hash length")?,
        user_code: r.s("user_code")?,
        tenant_id: r.s("tenant_id")?,
        client_id: r.s("client_id")?,
        scope: r.s("scope")?,
        state: DeviceCodeState::parse(&r.s("state")?).ok_or_else(|| corrupt("device code state"))?,
        user_id: r.opt_s("user_id")?,
        approval_hash: r
            .opt_bytes("approval_hash")?
            .map(|b| hash32(b, "approval_hash length"))
            .transpose()?,
        interval: r.i("poll_interval")?,
        last_poll_ms: r.i("last_poll_ms")?,
        created_at: r.i("created_at")?,
        expires_at: r.i("expires_at")?,
    })
}

/// A row of `refresh_tokens t JOIN refresh_families f` (token columns aliased `t_*`).
pub(crate) fn refresh_pair<R: Cols>(r: &R) -> Result<(RefreshToken, RefreshFamily), StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    let token = RefreshToken {
        token_hash: hash32(r.bytes("t_token_hash")?, "refresh token_hash length")?,
        family_id: r.s("id")?,
        used: r.b("t_used")?,
        created_at: r.i("t_created_at")?,
    };
    let family = RefreshFamily {
        id: r.s("id")?,
        tenant_id: r.s("tenant_id")?,
        client_id: r.s("client_id")?,
        user_id: r.s("user_id")?,
        scope: r.s("scope")?,
        created_at: r.i("created_at")?,
        expires_at: r.i("expires_at")?,
        revoked: r.b("revoked")?,
    };
    Ok((token, family))
}

pub(crate) fn auth_code<R: Cols>(r: &R) -> Result<AuthCode, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(AuthCode {
        code_hash: hash32(r.bytes("code_hash")?, "code_hash length")?,
        tenant_id: r.s("tenant_id")?,
        client_id: r.s("client_id")?,
        user_id: r.s("user_id")?,
        redirect_uri: r.s("redirect_uri")?,
        scope: r.s("scope")?,
        code_challenge: r.opt_s("code_challenge")?,
        nonce: r.opt_s("nonce")?,
        sid: r.s("sid")?,
        used: r.b("used")?,
        created_at: r.i("created_at")?,
        expires_at: r.i("expires_at")?,
    })
}

pub(crate) fn session<R: Cols>(r: &R) -> Result<SignInSession, StoreError>
where
    for<'r> &'r str: ColumnIndex<R>,
{
    Ok(SignInSession {
        id_hash: hash32(r.bytes("id_hash")?, "session id_hash length")?,
        tenant_id: r.s("tenant_id")?,
        user_id: r.s("user_id")?,
        created_at: r.i("created_at")?,
        expires_at: r.i("expires_at")?,
    })
}
