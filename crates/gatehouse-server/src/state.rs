//! [`AppState`]: what every handler reaches through axum's `State`, built once per process.

use std::sync::Arc;

use gatehouse_core::Gatehouse;

#[derive(Clone)]
pub struct AppState {
    pub gh: Arc<Gatehouse>,
}
