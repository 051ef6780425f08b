//! The device authorization response (RFC 8628 section 3.2) in Entra's two dialects: v2 with
//! `verification_uri` and numbers, v1 with `verification_url` and strings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceAuthorizationV2 {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    pub interval: u64,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceAuthorizationV1 {
    pub device_code: String,
    pub user_code: String,
    pub verification_url: String,
    pub expires_in: String,
    pub interval: String,
    pub message: String,
}

impl From<DeviceAuthorizationV2> for DeviceAuthorizationV1 {
    fn from(v: DeviceAuthorizationV2) -> Self {
        Self {
            device_code: v.device_code,
            user_code: v.user_code,
            verification_url: v.verification_uri,
            expires_in: v.expires_in.to_string(),
            interval: v.interval.to_string(),
            message: v.message,
        }
    }
}
