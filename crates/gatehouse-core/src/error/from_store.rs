//! Store errors as domain errors: a lost race is a conflict, a missing row not found.

use super::{Error, Object};
use crate::store::StoreError;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Self::Conflict {
                object: Object::Record,
                name: String::new(),
            },
            StoreError::NotFound(_) => Self::NotFound {
                object: Object::Record,
                name: String::new(),
            },
            other => Self::Store(other),
        }
    }
}
