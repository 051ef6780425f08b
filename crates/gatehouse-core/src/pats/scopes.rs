//! Azure DevOps' PAT scopes: the families, their levels and implication.
//!
//! A family is an ordered list of levels; a level implies every level before it in its family
//! (`vso.code_full` ⊃ `vso.code_manage` ⊃ `vso.code_write` ⊃ `vso.code`). `app_token` is full
//! access: it implies every scope. Names are Azure DevOps' (`vso.` prefix, lower case); the
//! wire carries them space-separated in one `scope` string.

use std::collections::BTreeSet;

/// Full access (Azure DevOps' "Full access" PAT): implies every scope.
pub const FULL_ACCESS: &str = "app_token";

/// Every family, lowest level first (Azure DevOps' scope table).
pub const FAMILIES: &[&[&str]] = &[
    &["vso.advsec", "vso.advsec_write", "vso.advsec_manage"],
    &["vso.agentpools", "vso.agentpools_manage"],
    &["vso.analytics"],
    &["vso.auditlog"],
    &["vso.auditstreams_manage"],
    &["vso.build", "vso.build_execute"],
    &["vso.code", "vso.code_write", "vso.code_manage", "vso.code_full"],
    &["vso.code_status"],
    &["vso.connected_server"],
    &["vso.dashboards", "vso.dashboards_manage"],
    &["vso.entitlements"],
    &[
        "vso.memberentitlementmanagement",
        "vso.memberentitlementmanagement_write",
    ],
    &["vso.extension", "vso.extension_manage"],
    &["vso.extension.data", "vso.extension.data_write"],
    &["vso.graph", "vso.graph_manage"],
    &["vso.identity", "vso.identity_manage"],
    &["vso.machinegroup_manage"],
    &["vso.notification", "vso.notification_write", "vso.notification_manage"],
    &["vso.notification_diagnostics"],
    &["vso.packaging", "vso.packaging_write", "vso.packaging_manage"],
    &["vso.pipelineresources_use", "vso.pipelineresources_manage"],
    &["vso.profile", "vso.profile_write"],
    &["vso.project", "vso.project_write", "vso.project_manage"],
    &["vso.release", "vso.release_execute", "vso.release_manage"],
    &[
        "vso.securefiles_read",
        "vso.securefiles_write",
        "vso.securefiles_manage",
    ],
    &["vso.security_manage"],
    &[
        "vso.serviceendpoint",
        "vso.serviceendpoint_query",
        "vso.serviceendpoint_manage",
    ],
    &["vso.symbols", "vso.symbols_write", "vso.symbols_manage"],
    &["vso.taskgroups_read", "vso.taskgroups_write", "vso.taskgroups_manage"],
    &["vso.test", "vso.test_write"],
    &["vso.threads_full"],
    &["vso.tokens"],
    &["vso.tokenadministration"],
    &[
        "vso.variablegroups_read",
        "vso.variablegroups_write",
        "vso.variablegroups_manage",
    ],
    &["vso.wiki", "vso.wiki_write"],
    &["vso.work", "vso.work_write", "vso.work_full"],
    &["vso.workitemsearch"],
];

/// Why a scope string is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("no scope given")]
    Empty,
    #[error("unknown scope {0}")]
    Unknown(String),
}

/// `name` is a scope Azure DevOps defines (exact, lower case).
pub fn is_known(name: &str) -> bool {
    name == FULL_ACCESS || FAMILIES.iter().any(|f| f.contains(&name))
}

/// Parses a space-separated scope string: every name known, at least one; the answer is
/// sorted with duplicates removed (the canonical form that is stored).
pub fn parse(scope: &str) -> Result<Vec<String>, ScopeError> {
    let mut out = BTreeSet::new();
    for name in scope.split_ascii_whitespace() {
        if !is_known(name) {
            return Err(ScopeError::Unknown(name.to_owned()));
        }
        out.insert(name.to_owned());
    }
    if out.is_empty() {
        return Err(ScopeError::Empty);
    }
    Ok(out.into_iter().collect())
}

/// Every scope `names` imply, themselves included, sorted.
pub fn expand<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for name in names {
        let name = name.as_ref();
        if name == FULL_ACCESS {
            out.insert(FULL_ACCESS.to_owned());
            out.extend(FAMILIES.iter().flat_map(|f| f.iter()).map(|s| (*s).to_owned()));
            continue;
        }
        for family in FAMILIES {
            if let Some(i) = family.iter().position(|s| *s == name) {
                out.extend(family[..=i].iter().map(|s| (*s).to_owned()));
            }
        }
    }
    out.into_iter().collect()
}

/// `held` implies `wanted`.
pub fn implies<S: AsRef<str>>(held: &[S], wanted: &str) -> bool {
    expand(held).iter().any(|s| s == wanted)
}

/// The first scope of `wanted` that `held` does not imply.
pub fn first_not_implied<'a, S: AsRef<str>>(held: &[S], wanted: &'a [String]) -> Option<&'a str> {
    let all = expand(held);
    wanted.iter().map(String::as_str).find(|w| !all.iter().any(|s| s == w))
}

/// What a user holds when an administrator set nothing for them: the highest level of every
/// family (so every scope but full access). `app_token` must be granted explicitly.
pub fn default_entitlement() -> Vec<String> {
    FAMILIES
        .iter()
        .filter_map(|f| f.last())
        .map(|s| (*s).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_full_implies_manage_write_and_read_but_not_the_reverse() {
        assert!(implies(&["vso.code_full"], "vso.code_manage"));
        assert!(implies(&["vso.code_full"], "vso.code_write"));
        assert!(implies(&["vso.code_manage"], "vso.code_write"));
        assert!(implies(&["vso.code_write"], "vso.code"));
        assert!(!implies(&["vso.code_write"], "vso.code_manage"));
        assert!(!implies(&["vso.code"], "vso.code_write"));
        // Families do not leak into each other.
        assert!(!implies(&["vso.code_full"], "vso.work"));
        assert!(!implies(&["vso.code_full"], "vso.code_status"));
    }

    #[test]
    fn every_family_follows_the_same_pattern() {
        assert!(implies(&["vso.build_execute"], "vso.build"));
        assert!(implies(&["vso.work_full"], "vso.work_write"));
        assert!(implies(&["vso.work_write"], "vso.work"));
        assert!(!implies(&["vso.work"], "vso.work_full"));
        assert!(implies(&["vso.packaging_manage"], "vso.packaging"));
        assert!(implies(&["vso.release_manage"], "vso.release_execute"));
        for family in FAMILIES {
            let top = family.last().unwrap();
            for lower in family.iter() {
                assert!(implies(&[*top], lower), "{top} should imply {lower}");
            }
            if family.len() > 1 {
                assert!(!implies(&[family[0]], top), "{} must not imply {top}", family[0]);
            }
        }
    }

    #[test]
    fn full_access_implies_everything() {
        for family in FAMILIES {
            for s in family.iter() {
                assert!(implies(&[FULL_ACCESS], s));
            }
        }
        assert!(!implies(&default_entitlement(), FULL_ACCESS));
    }

    #[test]
    fn parse_is_canonical_and_strict() {
        assert_eq!(
            parse(" vso.work  vso.code vso.work").unwrap(),
            vec!["vso.code", "vso.work"]
        );
        assert_eq!(parse("  "), Err(ScopeError::Empty));
        assert_eq!(parse("vso.code VSO.WORK"), Err(ScopeError::Unknown("VSO.WORK".into())));
        assert_eq!(
            parse("vso.code_admin"),
            Err(ScopeError::Unknown("vso.code_admin".into()))
        );
        assert!(parse("app_token").is_ok());
    }

    #[test]
    fn first_not_implied_names_the_culprit() {
        let held = vec!["vso.code_write".to_owned()];
        let wanted = vec!["vso.code".to_owned(), "vso.code_manage".to_owned()];
        assert_eq!(first_not_implied(&held, &wanted), Some("vso.code_manage"));
        assert_eq!(first_not_implied(&held, &wanted[..1]), None);
    }
}
