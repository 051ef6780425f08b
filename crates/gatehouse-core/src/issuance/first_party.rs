//! Public clients that exist in every tenant with nothing to register, as Microsoft's own tools
//! do in Entra ID: the Azure CLI and Azure PowerShell. They may ask for any API's scopes, and
//! every resource counts as consented for them.

use crate::issuance::directory::{AppEntry, ClientEntry, SpEntry};
use crate::model::Tenant;

struct FirstParty {
    app_id: &'static str,
    display_name: &'static str,
}

const FIRST_PARTY: &[FirstParty] = &[
    FirstParty {
        app_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        display_name: "Microsoft Azure CLI",
    },
    FirstParty {
        app_id: "1950a258-227b-4e31-a9cf-717495945fc2",
        display_name: "Microsoft Azure PowerShell",
    },
];

/// Stable object ids per tenant (UUID v5), so `oid`s and logs stay the same across restarts.
fn object_id(tenant_id: &str, app_id: &str, kind: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("gatehouse:{kind}:{tenant_id}:{app_id}").as_bytes(),
    )
    .to_string()
}

/// The built-in client with this client id in `tenant`, if any.
pub fn client(tenant: &Tenant, client_id: &str) -> Option<ClientEntry> {
    let fp = FIRST_PARTY.iter().find(|f| f.app_id.eq_ignore_ascii_case(client_id))?;
    let app = AppEntry {
        app_id: fp.app_id.to_owned(),
        display_name: fp.display_name.to_owned(),
        identifier_uris: Vec::new(),
        public_client: true,
        redirect_uris: vec!["http://localhost".into()],
    };
    let sp = SpEntry {
        id: object_id(&tenant.id, fp.app_id, "sp"),
        account_enabled: true,
    };
    Some(ClientEntry {
        app,
        sp,
        secrets: Vec::new(),
        certificates: Vec::new(),
        first_party: true,
    })
}

/// Whether a client id names a built-in client (it cannot be registered again).
pub fn is_first_party(client_id: &str) -> bool {
    FIRST_PARTY.iter().any(|f| f.app_id.eq_ignore_ascii_case(client_id))
}
