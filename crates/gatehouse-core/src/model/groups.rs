//! Groups of a tenant (Graph's `group`) and their members: users, service principals or other
//! groups (nested membership counts transitively).

use serde::Serialize;

use super::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Object id (GUID): the value in the `groups` claim.
    pub id: String,
    pub tenant_id: String,
    pub display_name: String,
    pub mail_nickname: String,
    pub description: Option<String>,
    pub security_enabled: bool,
    pub mail_enabled: bool,
    pub created_at: UnixTime,
}

/// What kind of directory object a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    User,
    ServicePrincipal,
    Group,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ServicePrincipal => "servicePrincipal",
            Self::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::User, Self::ServicePrincipal, Self::Group]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A direct member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub group_id: String,
    pub member_id: String,
    pub kind: MemberKind,
    pub created_at: UnixTime,
}
