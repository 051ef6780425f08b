//! The JSON front doors, one folder each with a `router()` that `crate::router` nests:
//! [`oauth`] (token, device code, revocation, discovery, the user's own endpoints) and [`arm`]
//! (Azure Resource Manager: subscriptions, resource groups, RBAC; dispatched from the router's
//! fallback because ARM matches paths case-insensitively). The other management doors (Graph,
//! IoT Central, the PAT API) come as `graph/`, `iotc/` and `pats/`, each answering in its
//! dialect from `crate::dialect`.

pub mod arm;
pub mod oauth;
