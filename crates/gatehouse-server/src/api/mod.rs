//! The JSON front doors, one folder each with a `router()` that `crate::router` nests:
//! [`oauth`] (token, device code, revocation, discovery, the user's own endpoints). The
//! management doors (ARM, Graph, IoT Central, the PAT API) come as `arm/`, `graph/`, `iotc/` and
//! `pats/`, each answering in its dialect from `crate::dialect`.

pub mod oauth;
