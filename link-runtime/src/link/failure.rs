//! Why a write of the Link service stopped inside its transaction, before it is reported: a
//! refusal of ours (reported as it is), a database error (which may be a constraint to explain
//! once the transaction is rolled back, or a deadlock to run again), or a cardinality a revival
//! would break.

use super::PreparedPair;
use crate::error::Error;
use crate::registry::LinkEntry;

pub(crate) enum Failure {
    Refused(Error),
    /// The database's error, and what was being done.
    Database(sea_orm::DbErr, String),
    /// Reviving these rows of this link broke its cardinality.
    Conflict(Box<LinkEntry>, Vec<PreparedPair>),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Refused(err)
    }
}

impl Failure {
    /// The error to report, `what` naming the operation (`delete`, `restore`).
    pub(crate) fn into_error(self, what: &str) -> Error {
        match self {
            Failure::Refused(err) => err,
            Failure::Database(source, context) => Error::Database {
                context: format!("{what}: {context}"),
                source,
            },
            Failure::Conflict(entry, _) => Error::conflict(
                entry.spec.name,
                format!(
                    "link {}: reviving its rows would break its cardinality",
                    entry.spec.display_name()
                ),
            ),
        }
    }
}
