//! `api-version`: required on every ARM request and checked against the versions each path
//! family serves (the versions the Azure CLI, the Azure SDKs and seed 001's Postman calls use;
//! their shapes do not differ for the fields this subset serves).

use gatehouse_core::Error;

use super::path::Family;

const METADATA: &[&str] = &["2015-01-01", "2019-05-01", "2020-06-01", "2022-09-01"];
const SUBSCRIPTIONS: &[&str] = &[
    "2014-04-01-preview",
    "2015-01-01",
    "2016-06-01",
    "2018-06-01",
    "2019-06-01",
    "2019-11-01",
    "2020-01-01",
    "2021-01-01",
    "2022-01-01",
    "2022-12-01",
    "2024-11-01",
];
const RESOURCES: &[&str] = &[
    "2014-04-01",
    "2015-11-01",
    "2016-02-01",
    "2016-09-01",
    "2017-05-10",
    "2018-02-01",
    "2018-05-01",
    "2019-05-01",
    "2019-07-01",
    "2019-10-01",
    "2020-06-01",
    "2020-10-01",
    "2021-01-01",
    "2021-04-01",
    "2022-09-01",
    "2023-07-01",
    "2024-03-01",
    "2024-07-01",
    "2024-11-01",
    "2025-01-01",
    "2025-04-01",
];
const ROLE_DEFINITIONS: &[&str] = &["2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview"];
const ROLE_ASSIGNMENTS: &[&str] = &[
    "2015-07-01",
    "2018-09-01-preview",
    "2020-04-01-preview",
    "2020-10-01-preview",
    "2022-04-01",
];

fn supported(family: Family) -> &'static [&'static str] {
    match family {
        Family::Metadata => METADATA,
        Family::Subscriptions => SUBSCRIPTIONS,
        Family::Resources => RESOURCES,
        Family::RoleDefinitions => ROLE_DEFINITIONS,
        Family::RoleAssignments => ROLE_ASSIGNMENTS,
    }
}

/// `Ok` with the version when `given` is one `family` serves.
pub fn check(family: Family, given: Option<&str>) -> Result<&'static str, Error> {
    let given = given.ok_or(Error::MissingParameter("api-version"))?;
    let list = supported(family);
    list.iter()
        .find(|v| v.eq_ignore_ascii_case(given))
        .copied()
        .ok_or_else(|| Error::UnsupportedVersion {
            given: given.to_owned(),
            supported: list.join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_required_and_checked_per_family() {
        assert!(matches!(
            check(Family::Resources, None),
            Err(Error::MissingParameter("api-version"))
        ));
        assert_eq!(check(Family::Resources, Some("2017-05-10")).unwrap(), "2017-05-10");
        assert_eq!(check(Family::Subscriptions, Some("2022-12-01")).unwrap(), "2022-12-01");
        assert!(matches!(
            check(Family::RoleAssignments, Some("2017-05-10")),
            Err(Error::UnsupportedVersion { .. })
        ));
        assert!(check(Family::Resources, Some("latest")).is_err());
    }
}
