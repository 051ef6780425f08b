//! sample-api: a small API protected by `gatehouse-guard`, written the way an API author would.
//!
//! | route | needs |
//! |---|---|
//! | `GET /account/me` | any valid Gatehouse token; answers the caller |
//! | `GET /admin` | app role `Admin` |
//! | `GET /code` | delegated scope `code_write` |
//! | `GET /healthz` | nothing (not behind the guard) |
//!
//! `main.rs` reads `--issuer`, `--audience`, `--ca-file`, `--listen` and serves [`app`].

use axum::routing::get;
use axum::{Json, Router};
use gatehouse_guard::{Caller, Guard, Requirement};
use serde_json::{json, Value};

/// The API's router; every protected route declares its requirement next to it.
pub fn app(guard: &Guard) -> Router {
    Router::new()
        .route(
            "/account/me",
            get(me).route_layer(guard.layer(Requirement::authenticated())),
        )
        .route(
            "/admin",
            get(admin).route_layer(guard.layer(Requirement::role("Admin"))),
        )
        .route(
            "/code",
            get(code).route_layer(guard.layer(Requirement::scope("code_write"))),
        )
        .route("/healthz", get(|| async { "ok" }))
}

async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}

async fn admin(caller: Caller) -> Json<Value> {
    Json(json!({ "message": "welcome, administrator", "object_id": caller.object_id() }))
}

async fn code(caller: Caller) -> Json<Value> {
    Json(json!({ "message": "code accepted", "scopes": caller.scopes() }))
}
