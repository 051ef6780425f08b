//! The neutral kinds of domain errors, and store errors that keep no database text.

use super::*;

#[test]
fn store_errors_keep_no_database_text() {
    let e: Error = StoreError::Conflict("UNIQUE constraint failed: users.upn".into()).into();
    assert!(!e.to_string().contains("UNIQUE"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let e: Error = StoreError::Unavailable("password=hunter2".into()).into();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn kinds_are_neutral() {
    assert_eq!(Error::ClientSecretInvalid.kind(), ErrorKind::Unauthenticated);
    assert_eq!(Error::Throttled { retry_after: 3 }.kind(), ErrorKind::Throttled);
    let nf = Error::NotFound {
        object: Object::User,
        name: "ada".into(),
    };
    assert_eq!(
        (nf.kind(), nf.to_string().as_str()),
        (ErrorKind::NotFound, "user 'ada' was not found")
    );
}
