//! Filters and order (SPEC §9.1, §9.4): Medusa's filter shape parsed into a small tree, checked
//! against the model, then written as SQL. A filter on a linked record's field becomes a
//! semi-join (`pk IN (SELECT …)`) over the link table joined to the linked table when all three
//! share the connection the statement runs on; otherwise the matching ids are computed first, in
//! chunks, on the connections that hold them, and the statement gets `id IN (…)` instead. Order
//! through a linked record becomes a `LEFT JOIN` (non-list links only, so it never repeats a
//! root).

use sea_orm::{ConnectionTrait, Value};
use serde_json::Value as Json;

use super::paths::{self, AllowList, Hop, Step, Via};
use crate::error::{Error, Result};
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModuleBinding};
use crate::source::{RecordSource, value_for};
use crate::sql::Dialect;

mod order;
mod parse;
mod push_down;
mod render;

pub(crate) use order::*;
pub(crate) use parse::*;
pub(crate) use push_down::*;
pub(crate) use render::*;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    ILike,
    In,
    Nin,
}

const OPERATORS: &str = "$eq, $ne, $in, $nin, $like, $ilike, $gt, $gte, $lt, $lte";

/// A checked filter on one model's records.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    /// `column <op> value`; `In`/`Nin` compare with every value.
    Compare {
        column: &'static str,
        op: Op,
        values: Vec<Value>,
    },
    Null {
        column: &'static str,
        is_null: bool,
    },
    /// Records with a live linked record (through `hop`) that matches `filter`.
    Linked {
        hop: Box<Hop>,
        filter: Box<Filter>,
    },
    /// Records whose primary key is one of these (a linked filter computed ahead).
    KeysIn(Vec<Value>),
    /// `filter` on the columns of the link row that reached the records (`tags.position`),
    /// inside a [`Filter::Linked`] or a join through a stored hop.
    OnLink(Box<Filter>),
}

impl Filter {
    /// How many values the filter binds (`$in` lists count each value).
    pub(crate) fn bound_values(&self) -> usize {
        match self {
            Filter::All(parts) | Filter::Any(parts) => parts.iter().map(Filter::bound_values).sum(),
            Filter::Not(inner) | Filter::OnLink(inner) => inner.bound_values(),
            Filter::Compare { values, .. } => values.len(),
            Filter::Null { .. } => 0,
            Filter::Linked { filter, .. } => filter.bound_values(),
            Filter::KeysIn(keys) => keys.len(),
        }
    }

    /// Whether the filter names a column of the link row that reached its records.
    pub(crate) fn on_link(&self) -> bool {
        match self {
            Filter::All(parts) | Filter::Any(parts) => parts.iter().any(Filter::on_link),
            Filter::Not(inner) => inner.on_link(),
            Filter::OnLink(_) => true,
            _ => false,
        }
    }
}
