//! The JSON front doors, one folder each with a `router()` that `crate::router` nests:
//! [`oauth`] (token, device code, revocation, discovery, the user's own endpoints), [`arm`]
//! (Azure Resource Manager: subscriptions, resource groups, RBAC; dispatched from the router's
//! fallback because ARM matches paths case-insensitively) and [`graph`] (the Microsoft Graph
//! subset under `/graph/v1.0`) and [`iotc`] (IoT Central's `/api/...`: roles, organizations,
//! users, API tokens). The PAT API comes as `pats/`, answering in its dialect from
//! `crate::dialect`.

pub mod arm;
pub mod graph;
pub mod iotc;
pub mod oauth;
