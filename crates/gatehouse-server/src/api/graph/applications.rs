//! `applications`: create, list, get, update (204), delete, `addPassword` (the only answer that
//! shows a secret), `removePassword` (204). An application made here gets its service
//! principal at once (Gatehouse pairs them); `POST /servicePrincipals` returns it.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::admin::directory::AppChanges;
use gatehouse_core::admin::directory_roles::Family;
use gatehouse_core::model::{AppRole, Application, Tenant};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::iso8601;
use serde::Deserialize;
use serde_json::{json, Value};

use super::query::ListQuery;
use super::{created, no_content, objects, GraphCaller, GraphJson};
use crate::dialect::graph::Graph;
use crate::state::AppState;

const FILTERABLE: &[&str] = &["id", "appId", "displayName"];
const LISTS: &[&str] = &["identifierUris"];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedirectUris {
    pub redirect_uris: Option<Vec<String>>,
    /// Accepted and ignored.
    pub home_page_url: Option<String>,
    pub implicit_grant_settings: Option<Value>,
    pub logout_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphAppRole {
    pub id: Option<String>,
    pub value: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub allowed_member_types: Option<Vec<String>>,
    pub is_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppBody {
    pub display_name: Option<String>,
    pub identifier_uris: Option<Vec<String>>,
    pub web: Option<RedirectUris>,
    pub public_client: Option<RedirectUris>,
    pub is_fallback_public_client: Option<bool>,
    pub app_roles: Option<Vec<GraphAppRole>>,
    /// Must be empty: certificates are added with `gatehouse app credential add --cert`.
    pub key_credentials: Option<Vec<Value>>,
    /// Must be empty: secrets come from `addPassword`.
    pub password_credentials: Option<Vec<Value>>,
    pub sign_in_audience: Option<String>,
    /// Accepted and ignored (no consent by manifest, no optional claims, no notes).
    pub required_resource_access: Option<Value>,
    pub service_management_reference: Option<Value>,
    pub optional_claims: Option<Value>,
    pub api: Option<Value>,
    pub description: Option<Value>,
    pub notes: Option<Value>,
    pub tags: Option<Value>,
}

impl AppBody {
    fn check(&self) -> Result<(), Error> {
        if self.key_credentials.as_ref().is_some_and(|k| !k.is_empty()) {
            return Err(Error::Invalid(
                "Certificate credentials cannot be set through Graph here; use 'gatehouse app credential add --cert'."
                    .into(),
            ));
        }
        if self.password_credentials.as_ref().is_some_and(|k| !k.is_empty()) {
            return Err(Error::Invalid("Add secrets with addPassword.".into()));
        }
        match self.sign_in_audience.as_deref() {
            None | Some("AzureADMyOrg") => Ok(()),
            Some(_) => Err(Error::Invalid(
                "Only the signInAudience AzureADMyOrg is supported.".into(),
            )),
        }
    }

    fn redirect_uris(&self) -> (Option<Vec<String>>, bool) {
        let public = self.public_client.as_ref().and_then(|p| p.redirect_uris.clone());
        let web = self.web.as_ref().and_then(|w| w.redirect_uris.clone());
        let is_public =
            self.is_fallback_public_client.unwrap_or(false) || public.as_ref().is_some_and(|p| !p.is_empty());
        match (web, public) {
            (Some(mut w), Some(p)) => {
                w.extend(p);
                (Some(w), is_public)
            }
            (w, p) => (w.or(p), is_public),
        }
    }

    fn roles(&self) -> Option<Vec<AppRole>> {
        self.app_roles.as_ref().map(|roles| {
            roles
                .iter()
                .map(|r| AppRole {
                    id: r.id.clone().unwrap_or_else(gatehouse_core::model::new_guid),
                    value: r.value.clone(),
                    display_name: r.display_name.clone().unwrap_or_else(|| r.value.clone()),
                })
                .collect()
        })
    }
}

async fn render(s: &AppState, app: &Application) -> Result<Value, Error> {
    let admin = s.gh.admin();
    let secrets = admin.list_secrets(app).await?;
    let certificates = s.gh.store().list_certificates(&app.id).await.map_err(Error::from)?;
    Ok(objects::application(app, &secrets, &certificates))
}

async fn find(s: &AppState, tenant: &Tenant, id: &str) -> Result<Application, Error> {
    s.gh.admin().app_by_object_id(tenant, id).await
}

pub async fn list(State(s): State<AppState>, c: GraphCaller, uri: Uri) -> Result<Response, Graph> {
    c.access.require_read()?;
    let q = ListQuery::parse(&uri, FILTERABLE, LISTS)?;
    let apps = c.admin.list_apps(&c.tenant).await?;
    // Filter and page on the objects without credentials; read credentials for the page only.
    let items = apps.iter().map(|a| objects::application(a, &[], &[])).collect();
    let mut page = q.page(items, s.gh.base_url(), &uri);
    if let Some(list) = page["value"].as_array_mut() {
        for v in list.iter_mut() {
            if let Some(app) = apps.iter().find(|a| v["id"].as_str() == Some(a.id.as_str())) {
                *v = render(&s, app).await?;
            }
        }
    }
    Ok(Json(page).into_response())
}

pub async fn show(State(s): State<AppState>, c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_read()?;
    let app = find(&s, &c.tenant, &id).await?;
    Ok(Json(render(&s, &app).await?).into_response())
}

pub async fn create(
    State(s): State<AppState>,
    c: GraphCaller,
    GraphJson(body): GraphJson<AppBody>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    body.check()?;
    let (redirect_uris, public_client) = body.redirect_uris();
    let new = NewApp {
        display_name: body
            .display_name
            .clone()
            .ok_or_else(|| Error::Invalid("Property 'displayName' is required to create an application.".into()))?,
        public_client,
        redirect_uris: redirect_uris.unwrap_or_default(),
        identifier_uris: body.identifier_uris.clone().unwrap_or_default(),
        app_roles: body.roles().unwrap_or_default(),
        scopes: Vec::new(),
    };
    let (app, _sp) = c.admin.create_app(&c.tenant, new).await?;
    Ok(created(render(&s, &app).await?))
}

pub async fn update(
    State(s): State<AppState>,
    c: GraphCaller,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<AppBody>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    body.check()?;
    let app = find(&s, &c.tenant, &id).await?;
    let (redirect_uris, _) = body.redirect_uris();
    let changes = AppChanges {
        display_name: body.display_name.clone(),
        identifier_uris: body.identifier_uris.clone(),
        redirect_uris,
        app_roles: body.roles(),
    };
    c.admin.update_app(&c.tenant, &app, changes).await?;
    Ok(no_content())
}

pub async fn delete(State(s): State<AppState>, c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    let app = find(&s, &c.tenant, &id).await?;
    c.admin.delete_app(&c.tenant, &app.app_id).await?;
    Ok(no_content())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordCredential {
    pub display_name: Option<String>,
    /// Accepted; a secret is valid from its creation.
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    pub custom_key_identifier: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddPassword {
    #[serde(default)]
    pub password_credential: Option<PasswordCredential>,
}

fn parse_time(s: &str) -> Result<i64, Error> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| Error::Invalid("endDateTime must be an ISO 8601 date and time, e.g. 2030-01-01T00:00:00Z.".into()))
}

pub async fn add_password(
    State(s): State<AppState>,
    c: GraphCaller,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<AddPassword>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    let app = find(&s, &c.tenant, &id).await?;
    let cred = body.password_credential.unwrap_or_default();
    let end = cred.end_date_time.as_deref().map(parse_time).transpose()?;
    if let Some(name) = &cred.display_name {
        if name.chars().count() > 256 {
            return Err(Error::Invalid("The secret's display name may have at most 256 characters.".into()).into());
        }
    }
    let secret = c
        .admin
        .add_secret(&c.tenant, &app, cred.display_name.as_deref(), end)
        .await?;
    let m = &secret.meta;
    Ok(Json(json!({
        "keyId": m.key_id,
        "displayName": m.display_name,
        "hint": m.hint,
        "secretText": secret.text,
        "startDateTime": iso8601(m.start),
        "endDateTime": iso8601(m.end),
        "customKeyIdentifier": null,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemovePassword {
    pub key_id: String,
}

pub async fn remove_password(
    State(s): State<AppState>,
    c: GraphCaller,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<RemovePassword>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    let app = find(&s, &c.tenant, &id).await?;
    c.admin.remove_secret(&c.tenant, &app, &body.key_id).await?;
    Ok(no_content())
}
