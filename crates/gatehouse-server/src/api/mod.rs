//! The JSON front doors, one folder each with a `router()` that `crate::router` nests:
//! [`oauth`] (token, device code, revocation, discovery, the user's own endpoints), [`graph`]
//! (the Microsoft Graph subset under `/graph/v1.0`). The other management doors (ARM, IoT
//! Central, the PAT API) come as `arm/`, `iotc/` and `pats/`, each answering in its dialect from `crate::dialect`.

pub mod graph;
pub mod oauth;
