//! Matching actions against a role's `actions`/`notActions` patterns: `*` stands for any run of
//! characters (slashes too), and the comparison ignores ASCII case, as Azure's does.

use crate::model::RoleDefinition;

/// Whether `pattern` (with `*` wildcards) matches `action`, ignoring ASCII case.
pub fn matches(pattern: &str, action: &str) -> bool {
    let p = pattern.as_bytes();
    let a = action.as_bytes();
    let (mut pi, mut ai) = (0, 0);
    // The last `*` seen and where in `action` it started matching, to backtrack to.
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ai));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&a[ai]) {
            pi += 1;
            ai += 1;
        } else if let Some((sp, sa)) = star {
            pi = sp + 1;
            ai = sa + 1;
            star = Some((sp, sa + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// Whether a role allows `action`: one of its permission blocks lists it in `actions` and
/// does not except it in `notActions` of the same block.
pub fn permits(role: &RoleDefinition, action: &str) -> bool {
    role.permissions
        .iter()
        .any(|p| p.actions.iter().any(|a| matches(a, action)) && !p.not_actions.iter().any(|n| matches(n, action)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::builtin::{self, action};

    #[test]
    fn wildcards_span_segments_and_ignore_case() {
        assert!(matches("*", "Microsoft.Resources/subscriptions/read"));
        assert!(matches(
            "*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read"
        ));
        assert!(!matches(
            "*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/write"
        ));
        assert!(matches(
            "Microsoft.Authorization/*/Write",
            "microsoft.authorization/roleAssignments/write"
        ));
        assert!(!matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Resources/x/write"
        ));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn built_in_roles_allow_what_azure_documents() {
        let owner = builtin::by_name("owner").unwrap();
        let contributor = builtin::by_id(builtin::CONTRIBUTOR).unwrap();
        let reader = builtin::by_name("Reader").unwrap();
        let uaa = builtin::by_id(builtin::USER_ACCESS_ADMINISTRATOR).unwrap();
        for a in [action::GROUP_WRITE, action::ROLE_ASSIGNMENT_WRITE, action::GROUP_READ] {
            assert!(permits(owner, a), "{a}");
        }
        assert!(permits(contributor, action::GROUP_WRITE));
        assert!(permits(contributor, action::GROUP_DELETE));
        assert!(permits(contributor, action::ROLE_ASSIGNMENT_READ));
        assert!(
            !permits(contributor, action::ROLE_ASSIGNMENT_WRITE),
            "contributors cannot grant access"
        );
        assert!(!permits(contributor, action::ROLE_ASSIGNMENT_DELETE));
        assert!(permits(reader, action::GROUP_READ));
        assert!(!permits(reader, action::GROUP_WRITE), "a reader lists but cannot write");
        assert!(permits(uaa, action::ROLE_ASSIGNMENT_WRITE));
        assert!(!permits(uaa, action::GROUP_WRITE));
    }
}
