//! The statement that writes link rows: an insert, or an upsert that revives dismissed pairs and
//! updates the named extra columns of live ones, optionally checking the pairs' records in the
//! same statement.

use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement, UnionType, ValueTuple,
};
use sea_orm::{DbBackend, DbErr, Statement, Value};

use super::{Dialect, LinkTable};

/// A record check an upsert makes in its own statement: a row is written only when its record
/// on this side exists in `table` (and is live).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordCheck {
    /// Whether the record is the pair's left one.
    pub(crate) is_left: bool,
    pub(crate) table: &'static str,
    pub(crate) primary_key: &'static str,
    pub(crate) soft_deletable: bool,
}

/// What one upsert statement writes.
#[derive(Debug)]
pub(crate) struct Upsert<'c> {
    /// The extra columns every row names, updated on a pair that exists.
    pub(crate) updated: &'c [&'static str],
    /// The extra columns every row names, written only on a new pair.
    pub(crate) insert_only: &'c [&'static str],
    /// The rows: left, right, id, created_at, updated_at, then `updated` and `insert_only`.
    pub(crate) rows: Vec<Vec<Value>>,
    /// The record checks of the statement (see [`RecordCheck`]).
    pub(crate) checks: &'c [RecordCheck],
    /// Whether a pair that exists is updated (`false`: a plain insert, any clash an error).
    pub(crate) update: bool,
}

impl LinkTable<'_> {
    /// The `INSERT` of `upsert`, returning the rows written where the backend can
    /// ([`Dialect::inserts_return_rows`]). With record checks the rows are selected from a
    /// table `v` of columns `column1`, `column2`, … (a `VALUES` list, or on MariaDB a derived
    /// table: see [`Dialect::values_lists_name_columns`]), keeping those whose records exist.
    /// The `WHERE` also keeps SQLite from reading `ON CONFLICT` as a join's `ON`.
    ///
    /// The conflict target is the primary key only: a clash on a unique live index is an error,
    /// which the caller turns into a `Conflict`. On a backend whose upsert fires on any unique
    /// index ([`Dialect::upsert_on_any_unique`]), the caller upserts only pairs it found, or
    /// the assignments are guarded ([`Dialect::upsert_guarded`]).
    pub(crate) fn upsert(&self, dialect: &Dialect, upsert: Upsert<'_>) -> Result<Statement, DbErr> {
        // A row or selection narrower than the columns is a bug of ours, reported, not a panic.
        let mismatch = |err: sea_orm::sea_query::error::Error| {
            DbErr::Custom(format!("building the upsert of {}: {err}", self.name))
        };
        let (left, right) = (self.spec.left.column, self.spec.right.column);
        let columns: Vec<&'static str> = [left, right, "id", "created_at", "updated_at"]
            .into_iter()
            .chain(upsert.updated.iter().copied())
            .chain(upsert.insert_only.iter().copied())
            .collect();
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(self.name))
            .columns(columns.iter().copied());
        if upsert.checks.is_empty() {
            for row in upsert.rows {
                insert
                    .values(row.into_iter().map(Expr::val))
                    .map_err(mismatch)?;
            }
        } else {
            let (mut select, keys) = rows_to_check(dialect, upsert.rows, columns.len());
            for check in upsert.checks {
                let key = if check.is_left { &keys[0] } else { &keys[1] };
                let mut record = Query::select();
                record
                    .expr(Expr::Constant(1.into()))
                    .from_as(Alias::new(check.table), "r")
                    .and_where(Expr::col(("r", Alias::new(check.primary_key))).eq(key.clone()));
                if check.soft_deletable {
                    record.and_where(Expr::col(("r", "deleted_at")).is_null());
                }
                dialect.lock_shared(&mut record);
                select.and_where(Expr::exists(record));
            }
            insert.select_from(select).map_err(mismatch)?;
        }
        if upsert.update {
            // MySQL's `ON DUPLICATE KEY UPDATE` takes no target: it fires on any unique index.
            let mut on_conflict = OnConflict::columns([left, right]);
            let updated = ["updated_at"]
                .into_iter()
                .chain(upsert.updated.iter().copied());
            if dialect.upsert_guarded() {
                let written = |column: &'static str| Func::cust("VALUES").arg(Expr::col(column));
                // The row's columns by the table's name: an extra column may be named as one
                // of `v`'s (`column3`). Compared exactly: the key columns' collation pads.
                let stored = |column: &'static str| Expr::col((Alias::new(self.name), column));
                let same = |column: &'static str| {
                    stored(column).eq(dialect.exact_expr(written(column).into()))
                };
                let same_pair = same(left).and(same(right));
                let guarded = |column: &'static str, value: Expr| {
                    Expr::case(same_pair.clone(), value).finally(stored(column))
                };
                on_conflict.value("deleted_at", guarded("deleted_at", Expr::null()));
                for column in updated {
                    on_conflict.value(column, guarded(column, written(column).into()));
                }
            } else {
                on_conflict
                    .value("deleted_at", Expr::null())
                    .update_columns(updated);
            }
            insert.on_conflict(on_conflict);
        }
        if dialect.inserts_return_rows {
            insert.returning_all();
        }
        let mut statement = dialect.build(&insert);
        if dialect.inserts_return_rows && statement.db_backend == DbBackend::MySql {
            // sea-query's MySQL writer leaves `RETURNING` out (MySQL has none; MariaDB has).
            statement.sql.push_str(" RETURNING *");
        }
        Ok(statement)
    }
}

/// The `SELECT` of `rows` (each `width` values) a checked upsert inserts from, and what its
/// checks compare the records' keys with (left, right): a `VALUES` list `v` and its columns;
/// on MariaDB one row as constants (`SELECT ?, … FROM (SELECT 1) AS one`) and its keys as
/// bound values, exactly; several as a derived table `v` (see [`union_of_rows`]) and its key
/// columns, exactly. MariaDB materializes a derived table of bound values on every run: a
/// single row that way took 325 µs where the constants take 126 and a plain `INSERT … VALUES`
/// 96 (10,000 runs each in a stored procedure).
fn rows_to_check(
    dialect: &Dialect,
    rows: Vec<Vec<Value>>,
    width: usize,
) -> (SelectStatement, [Expr; 2]) {
    let mut select = Query::select();
    if dialect.values_lists_name_columns || rows.len() != 1 {
        for i in 1..=width {
            select.column(("v", Alias::new(format!("column{i}"))));
        }
        let key = |column: &str| Expr::col(("v", Alias::new(column)));
        if dialect.values_lists_name_columns {
            select.from_values(rows.into_iter().map(ValueTuple::Many), "v");
            return (select, [key("column1"), key("column2")]);
        }
        select.from_subquery(union_of_rows(dialect, rows), "v");
        let exact = |column: &str| dialect.exact_expr(key(column));
        return (select, [exact("column1"), exact("column2")]);
    }
    let row = rows.into_iter().next().unwrap_or_default();
    let keys = [0, 1].map(|i| dialect.exact(row.get(i).cloned().unwrap_or(Value::String(None))));
    select.exprs(row.into_iter().map(Expr::val)).from_subquery(
        Query::select().expr(Expr::Constant(1.into())).to_owned(),
        "one",
    );
    (select, keys)
}

/// `rows` as one `SELECT ? AS column1, … UNION ALL SELECT ?, …`, a table whose columns are
/// named as a `VALUES` list's are elsewhere; the two keys (left, right) in
/// [`Dialect::derived_keys_collation`].
fn union_of_rows(dialect: &Dialect, rows: Vec<Vec<Value>>) -> SelectStatement {
    // The first row names the columns and declares their types; the others only give values.
    let mut rows = rows.into_iter().enumerate().map(|(index, row)| {
        let mut select = Query::select();
        for (i, value) in row.into_iter().enumerate() {
            if index == 0 {
                let value = match dialect.derived_keys_collation {
                    Some(collation) if i < 2 => {
                        // Converted first: a bound value has the connection's character
                        // set, and the collation names utf8mb4's.
                        Expr::cust_with_values(
                            format!("CONVERT(? USING utf8mb4) COLLATE {collation}"),
                            [value],
                        )
                    }
                    _ => Expr::val(value),
                };
                select.expr_as(value, Alias::new(format!("column{}", i + 1)));
            } else {
                select.expr(Expr::val(value));
            }
        }
        select
    });
    let mut first = rows.next().unwrap_or_else(Query::select);
    first.unions(rows.map(|row| (UnionType::All, row)));
    first
}
