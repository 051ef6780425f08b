//! `GET /api/roles` and `GET /api/roles/{id}`: `{"id", "displayName"}` as seed 002 shows.

use axum::extract::{Path, State};
use axum::response::Response;
use gatehouse_core::iotc::roles::Role;
use serde_json::{json, Value};

use super::{list as page, ok, IotcCaller};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

fn role(r: &Role) -> Value {
    json!({"id": r.id, "displayName": r.display_name})
}

pub async fn list(State(s): State<AppState>, IotcCaller(who): IotcCaller) -> Result<Response, Iotc> {
    let roles = s.gh.iotc().roles(&who)?;
    Ok(page(roles.iter().map(role).collect()))
}

pub async fn show(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    Ok(ok(role(s.gh.iotc().role(&who, &id)?)))
}
