//! The statements on a model's own table that the Link service needs: which records of some ids
//! exist (and in which state), and stamping `deleted_at` on some of them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UpdateStatement};
use sea_orm::{QueryResult, Value};

use super::Dialect;
use crate::error::Result;
use crate::key::KeyKind;
use crate::linkable::ModelInfo;

/// A model's table as its statements see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordTable<'a> {
    /// The table's name.
    pub(crate) name: &'a str,
    /// The model: its primary key, how it is stored, whether it has `deleted_at`.
    pub(crate) model: &'a ModelInfo,
}

impl RecordTable<'_> {
    fn table(&self) -> Alias {
        Alias::new(self.name)
    }

    fn primary_key(&self) -> Expr {
        Expr::col(Alias::new(self.model.primary_key))
    }

    /// The primary key as [`read_key`] reads it back: an integer as text (a UUID decodes as
    /// itself).
    fn key(&self, dialect: &Dialect) -> Expr {
        match self.model.key_kind {
            KeyKind::Integer => dialect.key_as_text(self.primary_key(), KeyKind::Integer),
            _ => self.primary_key(),
        }
    }

    /// `primary key IN (keys)`, each key bound with the column's own type
    /// ([`Dialect::among`]).
    pub(crate) fn with_keys(&self, dialect: &Dialect, keys: &[Value]) -> Expr {
        dialect.among(self.primary_key(), keys.iter().cloned())
    }

    /// `<table>.<column> IN (values) AND <table>.deleted_at IS NULL` (the second part where
    /// the model has it): the live records whose `column` is one of `values`.
    pub(crate) fn live_among(&self, dialect: &Dialect, column: &str, values: &[Value]) -> Expr {
        let among = dialect.among(
            Expr::col((self.table(), Alias::new(column))),
            values.iter().cloned(),
        );
        if self.model.soft_deletable {
            among.and(Expr::col((self.table(), Alias::new("deleted_at"))).is_null())
        } else {
            among
        }
    }

    /// `SELECT <key> [, deleted_at] FROM <table> WHERE <key> IN (keys)`: the key first, for
    /// [`read_key`]; `deleted_at` too when `with_state` and the model has it.
    pub(crate) fn select_keys(
        &self,
        dialect: &Dialect,
        keys: &[Value],
        with_state: bool,
    ) -> SelectStatement {
        let mut select = Query::select();
        select
            .expr_as(self.key(dialect), Alias::new(self.model.primary_key))
            .from(self.table())
            .and_where(self.with_keys(dialect, keys));
        if with_state && self.model.soft_deletable {
            select.column("deleted_at");
        }
        select
    }

    /// `EXISTS (SELECT 1 FROM <table> m WHERE <key as text> = key AND m.deleted_at IS NULL)`:
    /// a live record whose key is the link-table text `key`.
    pub(crate) fn holds_live(&self, dialect: &Dialect, key: Expr) -> Expr {
        let primary_key = Expr::col(("m", Alias::new(self.model.primary_key)));
        let own = dialect.key_as_text(primary_key, self.model.key_kind);
        let mut record = Query::select();
        record
            .expr(Expr::Constant(1.into()))
            .from_as(self.table(), "m")
            .and_where(own.eq(key));
        if self.model.soft_deletable {
            record.and_where(Expr::col(("m", "deleted_at")).is_null());
        }
        Expr::exists(record)
    }

    /// `UPDATE <table> SET deleted_at = to WHERE <key> IN (keys)`, returning the keys it
    /// changed (for [`read_key`]) where the backend can.
    pub(crate) fn set_deleted_at(
        &self,
        dialect: &Dialect,
        to: Option<DateTime<Utc>>,
        keys: &[Value],
    ) -> UpdateStatement {
        let mut update = Query::update();
        update
            .table(self.table())
            .value("deleted_at", to)
            .and_where(self.with_keys(dialect, keys));
        if dialect.returning {
            update.returning(Query::returning().exprs([self.key(dialect)]));
        }
        update
    }
}

/// `(deleted_at = a OR deleted_at = b …)`. Equalities, not `IN`: MariaDB compares a `timestamp`
/// column with an `IN` list of values of several precisions as none of them.
pub(crate) fn deleted_at_any(stamps: &[DateTime<Utc>]) -> Expr {
    stamps
        .iter()
        .map(|stamp| Expr::col("deleted_at").eq(*stamp))
        .reduce(ExprTrait::or)
        .unwrap_or_else(|| Expr::val(false))
}

/// The primary key of a row of [`RecordTable::select_keys`] or [`RecordTable::set_deleted_at`]
/// (the first column), as link tables hold keys: an integer in decimal, a UUID lower-case and
/// hyphenated, a string as it is.
pub(crate) fn read_key(row: &QueryResult, model: &ModelInfo) -> Result<String> {
    let read = |err| crate::error::Error::Database {
        context: format!("reading the key of a {} record", model.qualified_name()),
        source: err,
    };
    match model.key_kind {
        KeyKind::Uuid => row
            .try_get_by_index::<sea_orm::prelude::Uuid>(0)
            .map(|u| u.to_string())
            .map_err(read),
        _ => row.try_get_by_index::<String>(0).map_err(read),
    }
}
