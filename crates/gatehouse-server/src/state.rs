//! [`AppState`]: what every handler reaches through axum's `State`, built once per process.

use std::sync::Arc;

use gatehouse_core::Gatehouse;
use gatehouse_guard::ConfigError;

use crate::bearer::{Bearer, TokenCheck};

/// Cloned for every request (axum hands each handler its own `State`): one reference count,
/// whatever it holds.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares; its fields are reached through `Deref` (`state.gh`).
pub struct Shared {
    pub gh: Arc<Gatehouse>,
    /// Bearer check of the user's own endpoints (`me`, userinfo): user tokens for Graph.
    pub me_bearer: Bearer,
    /// Our own access tokens for audiences given per call (introspection).
    pub tokens: TokenCheck,
    /// Bearer check of the Azure Resource Manager door: tokens for ARM, any of our tenants.
    pub arm_bearer: Bearer,
    /// Bearer check of the Graph door: tokens for `{base}/graph/` or Microsoft Graph.
    pub graph_bearer: Bearer,
    /// Bearer check of the Azure DevOps door (the PAT API): tokens for the DevOps resource.
    pub devops_bearer: Bearer,
    /// Bearer check of the IoT Central door: tokens for `https://apps.azureiotcentral.com`.
    pub iotc_bearer: Bearer,
}

impl AppState {
    pub fn new(gh: Arc<Gatehouse>) -> Result<Self, ConfigError> {
        let me_bearer = Bearer::new(gh.clone(), crate::api::oauth::me::GRAPH_AUDIENCES)?;
        let tokens = TokenCheck::new(gh.clone());
        let arm_bearer = Bearer::new(gh.clone(), crate::api::arm::ARM_AUDIENCES)?;
        let graph_audiences = crate::api::graph::audiences(gh.base_url());
        let graph_audiences: Vec<&str> = graph_audiences.iter().map(String::as_str).collect();
        let graph_bearer = Bearer::new(gh.clone(), &graph_audiences)?;
        let devops_bearer = Bearer::new(gh.clone(), crate::api::devops::DEVOPS_AUDIENCES)?;
        let iotc_bearer = Bearer::new(gh.clone(), crate::api::iotc::IOTC_AUDIENCES)?;
        Ok(Self(Arc::new(Shared {
            gh,
            me_bearer,
            tokens,
            arm_bearer,
            graph_bearer,
            devops_bearer,
            iotc_bearer,
        })))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
