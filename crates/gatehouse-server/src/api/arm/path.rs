//! ARM paths, parsed by hand because ARM matches them case-insensitively
//! (`/subscriptions/S/resourcegroups` and `/SUBSCRIPTIONS/S/resourceGroups` are the same) and
//! clients send doubled slashes (`{endpoint}/` + `/metadata/...`). Names keep the case they
//! were sent with; keywords and GUIDs compare lower-case. Segments are percent-decoded.

use gatehouse_core::model::RbacScope;
use gatehouse_core::Error;

/// What an ARM path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmPath {
    Metadata,
    Tenants,
    Subscriptions,
    Subscription(String),
    Groups(String),
    Group(String, String),
    /// The status of a long-running operation of a subscription (a group's deletion).
    Operation(String, String),
    /// Role definitions at a scope (`None`: the root scope `/`).
    Definitions(Option<RbacScope>),
    Definition(Option<RbacScope>, String),
    Assignments(RbacScope),
    Assignment(RbacScope, String),
}

/// Which api-versions a path family accepts (see `version.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Metadata,
    Subscriptions,
    Resources,
    RoleDefinitions,
    RoleAssignments,
}

impl ArmPath {
    pub fn family(&self) -> Family {
        match self {
            Self::Metadata => Family::Metadata,
            Self::Tenants | Self::Subscriptions | Self::Subscription(_) => Family::Subscriptions,
            Self::Groups(_) | Self::Group(..) | Self::Operation(..) => Family::Resources,
            Self::Definitions(_) | Self::Definition(..) => Family::RoleDefinitions,
            Self::Assignments(_) | Self::Assignment(..) => Family::RoleAssignments,
        }
    }

    /// Parses a raw (percent-encoded) request path; `NoSuchPath` when ARM's subset has no such
    /// path, `Invalid` for a subscription id that is not a GUID.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let segments: Vec<String> = raw
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let lower: Vec<String> = segments.iter().map(|s| s.to_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let seg = |i: usize| segments[i].clone();
        let none = || Err(Error::NoSuchPath);
        match l.as_slice() {
            ["metadata", "endpoints"] => return Ok(Self::Metadata),
            ["tenants"] => return Ok(Self::Tenants),
            ["subscriptions"] => return Ok(Self::Subscriptions),
            ["providers", "microsoft.authorization", "roledefinitions"] => return Ok(Self::Definitions(None)),
            ["providers", "microsoft.authorization", "roledefinitions", _] => {
                return Ok(Self::Definition(None, guid_segment(&seg(3))))
            }
            ["subscriptions", ..] => {}
            _ => return none(),
        }
        let sub = subscription_id(&segments[1])?;
        let rest = &l[2..];
        // The scope, then what follows it.
        let (scope, tail) = match rest {
            [] => return Ok(Self::Subscription(sub)),
            ["resourcegroups"] => return Ok(Self::Groups(sub)),
            ["resourcegroups", _] => return Ok(Self::Group(sub, seg(3))),
            ["operationresults", _] => return Ok(Self::Operation(sub, seg(3))),
            ["resourcegroups", _, "providers", ..] => (RbacScope::resource_group(&sub, &seg(3)), &rest[2..]),
            ["providers", ..] => (RbacScope::subscription(&sub), rest),
            _ => return none(),
        };
        let base = 2 + (rest.len() - tail.len());
        match tail {
            ["providers", "microsoft.authorization", "roleassignments"] => Ok(Self::Assignments(scope)),
            ["providers", "microsoft.authorization", "roleassignments", _] => {
                Ok(Self::Assignment(scope, guid_segment(&seg(base + 3))))
            }
            ["providers", "microsoft.authorization", "roledefinitions"] => Ok(Self::Definitions(Some(scope))),
            ["providers", "microsoft.authorization", "roledefinitions", _] => {
                Ok(Self::Definition(Some(scope), guid_segment(&seg(base + 3))))
            }
            _ => none(),
        }
    }
}

/// A GUID path segment lower-case (anything else is kept as sent and found nowhere).
fn guid_segment(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn subscription_id(s: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(s).map(|u| u.to_string()).map_err(|_| {
        Error::Invalid(format!(
            "The provided subscription identifier '{s}' is malformed or invalid."
        ))
    })
}

/// A scope path as clients send it in bodies and `$filter`s (`/subscriptions/S[/resourceGroups/G]`).
pub fn parse_scope(path: &str) -> Option<RbacScope> {
    match ArmPath::parse(&format!(
        "{}/providers/Microsoft.Authorization/roleAssignments",
        path.trim_end_matches('/')
    )) {
        Ok(ArmPath::Assignments(scope)) => Some(scope),
        _ => None,
    }
}

/// The GUID at the end of a role definition id (`/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/G`,
/// `/providers/.../G`, or the bare GUID).
pub fn role_definition_guid(id: &str) -> Option<String> {
    let last = id.trim_end_matches('/').rsplit('/').next()?;
    uuid::Uuid::parse_str(last).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "00000000-0000-0000-0000-0000000000aa";

    #[test]
    fn paths_match_case_insensitively_and_keep_names() {
        assert_eq!(ArmPath::parse("//metadata/endpoints").unwrap(), ArmPath::Metadata);
        assert_eq!(ArmPath::parse("/SUBSCRIPTIONS").unwrap(), ArmPath::Subscriptions);
        assert_eq!(
            ArmPath::parse(&format!(
                "/subscriptions/{}/resourceGroups/My.Group(1)",
                S.to_uppercase()
            ))
            .unwrap(),
            ArmPath::Group(S.into(), "My.Group(1)".into())
        );
        assert_eq!(
            ArmPath::parse(&format!("/subscriptions/{S}/resourcegroups/caf%C3%A9")).unwrap(),
            ArmPath::Group(S.into(), "café".into())
        );
        assert_eq!(
            ArmPath::parse(&format!(
                "/subscriptions/{S}/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/ABC"
            ))
            .unwrap(),
            ArmPath::Assignment(RbacScope::resource_group(S, "rg"), "abc".into())
        );
        assert_eq!(
            ArmPath::parse(&format!(
                "/subscriptions/{S}/providers/microsoft.authorization/ROLEDEFINITIONS"
            ))
            .unwrap(),
            ArmPath::Definitions(Some(RbacScope::subscription(S)))
        );
        assert!(matches!(ArmPath::parse("/subscriptions/nope"), Err(Error::Invalid(_))));
        assert!(matches!(
            ArmPath::parse(&format!("/subscriptions/{S}/other")),
            Err(Error::NoSuchPath)
        ));
        assert!(matches!(ArmPath::parse("/tenants/x/y"), Err(Error::NoSuchPath)));
    }

    #[test]
    fn scopes_and_definition_ids_from_bodies() {
        assert_eq!(
            parse_scope(&format!("/subscriptions/{S}")),
            Some(RbacScope::subscription(S))
        );
        assert_eq!(
            parse_scope(&format!("/subscriptions/{S}/resourceGroups/rg/")),
            Some(RbacScope::resource_group(S, "rg"))
        );
        assert_eq!(parse_scope("/"), None);
        assert_eq!(
            role_definition_guid(&format!(
                "/subscriptions/{S}/providers/Microsoft.Authorization/roleDefinitions/ACDD72A7-3385-48EF-BD42-F606FBA81AE7"
            )),
            Some("acdd72a7-3385-48ef-bd42-f606fba81ae7".into())
        );
        assert_eq!(role_definition_guid("Reader"), None);
    }
}
