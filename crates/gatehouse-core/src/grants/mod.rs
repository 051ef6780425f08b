//! One file per grant type. Each takes the parsed request and returns what was issued; none
//! sees HTTP types. `delegated` holds what the user grants share (scopes, user tokens, families).

pub mod authorization_code;
pub mod client_credentials;
pub mod delegated;
pub mod device_code;
pub mod refresh_token;

use gatehouse_protocol::token::{IssuedToken, TokenResponseV1, TokenResponseV2};

/// Everything a token answer carries.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: IssuedToken,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub client_info: Option<String>,
}

impl From<IssuedToken> for Issued {
    fn from(token: IssuedToken) -> Self {
        Self {
            token,
            refresh_token: None,
            id_token: None,
            client_info: None,
        }
    }
}

impl Issued {
    pub fn to_v2(&self) -> TokenResponseV2 {
        let mut r = self.token.to_v2();
        r.refresh_token = self.refresh_token.clone();
        r.id_token = self.id_token.clone();
        r.client_info = self.client_info.clone();
        r
    }

    pub fn to_v1(&self) -> TokenResponseV1 {
        let mut r = self.token.to_v1();
        r.refresh_token = self.refresh_token.clone();
        r.id_token = self.id_token.clone();
        r
    }
}
