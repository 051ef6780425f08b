//! The JSON front doors, one folder each with a `router()` that `crate::router` nests:
//! [`oauth`] (token, device code, revocation, discovery, the user's own endpoints), [`arm`]
//! (Azure Resource Manager: subscriptions, resource groups, RBAC; dispatched from the router's
//! fallback because ARM matches paths case-insensitively) and [`graph`] (the Microsoft Graph
//! subset under `/graph/v1.0`), [`devops`] (Azure DevOps' PAT lifecycle API under
//! `/_apis/tokens/pats`) and [`iotc`] (IoT Central's `/api/...`: roles, organizations, users,
//! API tokens, the audit log), each answering in its dialect from
//! `crate::dialect`.

pub mod arm;
pub mod devops;
pub mod graph;
pub mod iotc;
pub mod oauth;
