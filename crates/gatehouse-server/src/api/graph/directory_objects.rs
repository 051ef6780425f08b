//! `POST /directoryObjects/getByIds` `{"ids":[...], "types":[...]}`: the objects of the
//! caller's tenant with those ids, each with its `@odata.type`; unknown ids are left out.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::json;

use super::{objects, GraphCaller, GraphJson};
use crate::dialect::graph::Graph;
use crate::state::AppState;

/// Graph's limit on `ids`.
const MAX_IDS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetByIds {
    pub ids: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
}

pub async fn get_by_ids(c: GraphCaller, GraphJson(body): GraphJson<GetByIds>) -> Result<Response, Graph> {
    c.access.require_read()?;
    if body.ids.len() > MAX_IDS {
        return Err(Error::Invalid(format!("At most {MAX_IDS} ids may be asked at once.")).into());
    }
    let mut types = Vec::new();
    for t in &body.types {
        let t = t.trim_start_matches("#microsoft.graph.").to_ascii_lowercase();
        match t.as_str() {
            "user" | "group" | "serviceprincipal" | "application" => types.push(t),
            // Directory object types Graph knows and this directory never holds (the Azure CLI
            // sends directoryObjectPartnerReference with every `az role assignment list`).
            "directoryobjectpartnerreference" | "device" | "orgcontact" | "directoryrole" | "administrativeunit" => {
                types.push(t)
            }
            _ => {
                return Err(
                    Error::Invalid("types may name user, group, servicePrincipal or application.".into()).into(),
                )
            }
        }
    }
    let admin = c.admin;
    let mut value = Vec::new();
    for id in &body.ids {
        if let Some(o) = admin.directory_object(&c.tenant, id).await? {
            let t = objects::odata_type(&o)
                .trim_start_matches("#microsoft.graph.")
                .to_ascii_lowercase();
            if types.is_empty() || types.contains(&t) {
                value.push(objects::typed(&o));
            }
        }
    }
    Ok(Json(json!({ "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberOf {
    /// Accepted: every group here is a security group.
    pub security_enabled_only: Option<bool>,
}

/// `POST /directoryObjects/{id}/getMemberObjects` (also `getMemberGroups`, and under `users/`
/// and `servicePrincipals/`): the ids of every group the object belongs to, transitively.
/// Where a token's groups overage indicator points.
pub async fn member_objects(
    State(s): State<AppState>,
    c: GraphCaller,
    axum::extract::Path(id): axum::extract::Path<String>,
    GraphJson(_body): GraphJson<MemberOf>,
) -> Result<Response, Graph> {
    let own = id.eq_ignore_ascii_case(&c.principal_id);
    if !own {
        c.access.require_read()?;
    }
    let admin = c.admin;
    let object = match admin.directory_object(&c.tenant, &id).await? {
        Some(o) => o,
        // A UPN names a user too (`/users/{upn}/getMemberGroups`).
        None => gatehouse_core::admin::directory::DirectoryObject::User(admin.user(&c.tenant, &id).await?),
    };
    let groups = s.gh.groups_of(&c.tenant.id, object.id()).await?;
    Ok(Json(json!({ "value": groups })).into_response())
}
