//! Operations: what a step of a sequence does, and what it answers.

use std::fmt;

use crate::rules::{L, M};

/// One pair of a create, update or dismiss, keys as given to the library.
#[derive(Clone, PartialEq)]
pub(crate) struct PairArg {
    pub(crate) left: String,
    pub(crate) right: String,
    /// The extra column named (`weight` or `rank`), if any.
    pub(crate) data: Option<i32>,
}

impl fmt::Debug for PairArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.data {
            Some(v) => write!(f, "({:?}, {:?}, data={v})", self.left, self.right),
            None => write!(f, "({:?}, {:?})", self.left, self.right),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    /// `create_many`
    Create(L, Vec<PairArg>),
    /// `update_many`
    Update(L, Vec<PairArg>),
    /// `dismiss_many`
    Dismiss(L, Vec<PairArg>),
    /// `Links::delete`
    Delete(M, Vec<String>),
    /// `Links::restore`
    Restore(M, Vec<String>),
    /// The module sets the record's own `deleted_at` with sea-orm (if it is live).
    ModuleDelete(M, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    Ok,
    NotFound,
    Conflict,
    InvalidInput,
    /// A case SPEC §8 leaves open: not run.
    Skipped,
}
