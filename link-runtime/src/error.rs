//! The one error type of the runtime. Every message names the link (`ProductBrand (product →
//! brand)`), the records involved and the fix.
//!
//! Example: [`ErrorKind::status`](crate::ErrorKind::status).

use std::collections::BTreeMap;

use sea_orm::DbErr;

/// What went wrong. Match on the variant (or its [`kind`](Error::kind)); show the message.
///
/// `Debug` reads as the message too, after the kind, so an `Error` returned from `main` or
/// shown by `unwrap` says what happened and the fix.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operation would break the declared cardinality of a link.
    #[error("{message}")]
    #[non_exhaustive]
    Conflict {
        /// The link's marker name.
        link: &'static str,
        /// The record that may have one partner through this link and would get a second, when
        /// known (a concurrent writer that has rolled back since leaves none to name).
        record: Option<Box<RecordRef>>,
        /// The partner it already has: the one a live link holds, or, in a batch, the one the
        /// batch's first pair for it names.
        already_linked_to: Option<Box<RecordRef>>,
        /// The full message, with the records and the fix.
        message: String,
    },
    /// Two records were passed in the opposite order of the link's declaration.
    #[error("{message}")]
    Direction {
        /// The full message.
        message: String,
    },
    /// No declared link joins the models named.
    #[error("{message}")]
    UnknownLink {
        /// The full message.
        message: String,
    },
    /// A field that does not exist, or may not be used where it was.
    #[error("{message}")]
    UnknownField {
        /// The full message.
        message: String,
    },
    /// Input of the wrong shape or type.
    #[error("{message}")]
    InvalidInput {
        /// The full message.
        message: String,
    },
    /// Records that do not exist (or are soft-deleted), or links an update expects that are not
    /// live. Every missing one of the call is named, as data and in the message.
    #[error("{message}")]
    #[non_exhaustive]
    NotFound {
        /// The missing records (of a create), per `module.model`, ids sorted.
        records: BTreeMap<String, Vec<String>>,
        /// The missing links (of an update), per link, as (left id, right id).
        pairs: BTreeMap<String, Vec<(String, String)>>,
        /// The full message.
        message: String,
    },
    /// The registry's declarations do not fit together (checked by `Links::builder().build()`).
    #[error("{message}")]
    Definition {
        /// The full message, naming every definition involved.
        message: String,
    },
    /// A link table lacks a column or index its declaration needs (SPEC §10): `migrate()` could
    /// not add it (existing rows break it, or it needs a value they do not have), or it was
    /// never run. Writes that could break the declaration are refused until the table matches.
    #[error("{message}")]
    Schema {
        /// The full message, naming the links, what they lack and the fix.
        message: String,
    },
    /// An external service (SPEC §9.6) failed, or answered with something that is not records.
    #[error("{context}: {source}")]
    External {
        /// Which service, doing what.
        context: String,
        /// The service's own error.
        #[source]
        source: crate::external::BoxError,
    },
    /// The database failed.
    #[error("{context}: {source}")]
    Database {
        /// What was being done.
        context: String,
        /// The database's own error.
        #[source]
        source: DbErr,
    },
}

/// What kind of failure an [`Error`] is, without its data: what an HTTP layer maps to a
/// status (see [`ErrorKind::status`]) or a log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::Direction`].
    Direction,
    /// [`Error::UnknownLink`].
    UnknownLink,
    /// [`Error::UnknownField`].
    UnknownField,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Definition`].
    Definition,
    /// [`Error::Schema`].
    Schema,
    /// [`Error::External`].
    External,
    /// [`Error::Database`].
    Database,
}

impl ErrorKind {
    /// The HTTP status an API answers with: 409 for a conflict, 404 for records not found,
    /// 400 for the caller's other mistakes (direction, unknown link or field, invalid input),
    /// 502 when an external service failed, and 500 for a failure of the server's own (its
    /// declarations, a link table not migrated, the database).
    ///
    /// ```
    /// use link_runtime::ErrorKind;
    /// assert_eq!(ErrorKind::Conflict.status(), 409);
    /// assert!(!ErrorKind::Database.is_caller_error());
    /// ```
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Conflict => 409,
            ErrorKind::NotFound => 404,
            ErrorKind::Direction
            | ErrorKind::UnknownLink
            | ErrorKind::UnknownField
            | ErrorKind::InvalidInput => 400,
            ErrorKind::External => 502,
            ErrorKind::Definition | ErrorKind::Schema | ErrorKind::Database => 500,
        }
    }

    /// Whether the caller's request is at fault (a 4xx [`status`](Self::status)): the message
    /// is then written for them. Otherwise it may name the server's internals (tables, the
    /// database's own error): log it, and tell the caller less.
    pub fn is_caller_error(self) -> bool {
        self.status() < 500
    }
}

impl Error {
    /// What kind of failure this is.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Direction { .. } => ErrorKind::Direction,
            Error::UnknownLink { .. } => ErrorKind::UnknownLink,
            Error::UnknownField { .. } => ErrorKind::UnknownField,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Definition { .. } => ErrorKind::Definition,
            Error::Schema { .. } => ErrorKind::Schema,
            Error::External { .. } => ErrorKind::External,
            Error::Database { .. } => ErrorKind::Database,
        }
    }

    /// The HTTP status an API answers this error with ([`ErrorKind::status`]).
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn status(&self) -> u16 {
        self.kind().status()
    }
}

impl std::fmt::Debug for Error {
    /// `Kind: message`, the message with its sources, as [`Display`](std::fmt::Display) writes
    /// it; match on the variant for its data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {self}", self.kind())
    }
}

/// One record, as errors name it.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct RecordRef {
    /// Its model, as `module.model`.
    pub model: String,
    /// Its id, as link tables hold it.
    pub id: String,
}

impl RecordRef {
    /// Boxed, as errors hold it (an error stays small to return); `model` as `module.model`.
    pub(crate) fn boxed(model: String, id: &str) -> Box<Self> {
        Box::new(RecordRef {
            model,
            id: id.to_string(),
        })
    }
}

impl Error {
    /// A conflict on `link` with no record to name.
    pub(crate) fn conflict(link: &'static str, message: String) -> Error {
        Error::Conflict {
            link,
            record: None,
            already_linked_to: None,
            message,
        }
    }

    /// This error with `context` before its message, for a conflict (`nothing was restored:
    /// …`); other errors are returned as they are.
    pub(crate) fn conflict_in(self, context: &str) -> Error {
        match self {
            Error::Conflict {
                link,
                record,
                already_linked_to,
                message,
            } => Error::Conflict {
                link,
                record,
                already_linked_to,
                message: format!("{context}: {message}"),
            },
            other => other,
        }
    }

    pub(crate) fn database(context: impl Into<String>) -> impl FnOnce(DbErr) -> Error {
        let context = context.into();
        move |source| Error::Database { context, source }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidInput {
            message: message.into(),
        }
    }
}

/// Reads `column` of `row` as `T`. A value that does not decode is an error naming the column
/// and `what` was being read, never a default or a skipped row (either would be a wrong answer).
pub(crate) fn column<T: sea_orm::TryGetable>(
    row: &sea_orm::QueryResult,
    column: &str,
    what: &str,
) -> Result<T> {
    row.try_get::<T>("", column)
        .map_err(Error::database(format!("reading `{column}` of {what}")))
}

/// The runtime's result type.
///
/// Example: [more of the service](crate#more-of-the-service).
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_reads_as_the_message_after_the_kind() {
        let error = Error::Definition {
            message: "link ProductBrand: property \"brand\" is taken".into(),
        };
        assert_eq!(
            format!("{error:?}"),
            "Definition: link ProductBrand: property \"brand\" is taken"
        );
        let error = Error::database("creating links")(DbErr::Custom("gone".into()));
        assert_eq!(
            format!("{error:?}"),
            "Database: creating links: Custom Error: gone"
        );
    }

    #[test]
    fn each_kind_answers_with_its_status() {
        let not_found = Error::NotFound {
            records: BTreeMap::new(),
            pairs: BTreeMap::new(),
            message: "none".into(),
        };
        let cases = [
            (Error::conflict("ProductBrand", "taken".into()), 409),
            (not_found, 404),
            (Error::invalid("bad"), 400),
            (
                Error::Direction {
                    message: "d".into(),
                },
                400,
            ),
            (
                Error::UnknownField {
                    message: "f".into(),
                },
                400,
            ),
            (
                Error::UnknownLink {
                    message: "l".into(),
                },
                400,
            ),
            (
                Error::Schema {
                    message: "s".into(),
                },
                500,
            ),
            (Error::database("x")(DbErr::Custom("y".into())), 500),
            (
                Error::External {
                    context: "cms".into(),
                    source: "down".into(),
                },
                502,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert_eq!(error.kind().is_caller_error(), status < 500, "{error:?}");
        }
    }
}
