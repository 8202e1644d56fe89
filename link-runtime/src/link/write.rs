//! The statements that write link rows: one upsert (or update) per chunk of rows.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};

use super::PreparedPair;
use super::records::InlineCheck;
use crate::dialect::{Sql, rows_per_statement};
use crate::registry::LinkEntry;

/// Inserts new pairs, revives dismissed ones and updates the named extra columns of live ones.
///
/// Pairs are grouped by the set of extra columns they name, so every row of a statement has the
/// same columns and unnamed columns keep their values (or take their defaults on insert). The
/// conflict target is the primary key only: a clash on a unique live index is an error, which
/// the caller turns into a `Conflict`.
///
/// On PostgreSQL and SQLite the rows written come back from the same statements (`RETURNING`,
/// in no particular order); MySQL's upsert cannot return them, so it gives `None` and the
/// caller reads them. A pair whose record fails one of `checks` is not written and so not
/// returned: the caller compares the count.
///
/// MySQL's upsert (`ON DUPLICATE KEY UPDATE`) fires on any unique index, the live-row ones that
/// enforce cardinality included, where it would update another pair's row. So on MySQL only the
/// pairs in `existing` (found beforehand, locked) are upserted: their primary key, checked
/// first, is the one that fires. The other pairs are plainly inserted, and a clash on a live
/// unique index is an error whatever the server's `sql_mode` (a guard that relied on a NOT
/// NULL error silently rewrote rows in non-strict mode).
pub(crate) async fn upsert(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    checks: &[InlineCheck],
    stamp: DateTime<Utc>,
    existing: Option<&HashSet<(String, String)>>,
) -> Result<Option<Vec<sea_orm::QueryResult>>, DbErr> {
    let backend = conn.get_database_backend();
    // Ids are allotted in input order from a monotonic generator, so the rows of one batch sort
    // in the order they were given even when they land in different statements.
    let mut generator = ulid::Generator::new();
    let ids: Vec<String> = pairs
        .iter()
        .map(|_| new_row_id(entry.spec.id_prefix, &mut generator))
        .collect();
    // Rows of one statement name the same columns; on MySQL they are all new or all existing.
    type Columns = (bool, Vec<&'static str>, Vec<&'static str>);
    let mut groups: BTreeMap<Columns, Vec<(&PreparedPair, &str)>> = BTreeMap::new();
    for (pair, id) in pairs.iter().zip(&ids) {
        let mut named: Vec<&'static str> = pair.named.iter().map(|(c, _)| *c).collect();
        named.sort_by_key(|c| declaration_index(entry, c));
        let mut insert_only: Vec<&'static str> = pair.insert_only.iter().map(|(c, _)| *c).collect();
        insert_only.sort_by_key(|c| declaration_index(entry, c));
        let update = match (backend, existing) {
            (DbBackend::MySql, Some(existing)) => {
                existing.contains(&(pair.left.clone(), pair.right.clone()))
            }
            _ => true,
        };
        groups
            .entry((update, named, insert_only))
            .or_default()
            .push((pair, id));
    }
    let returning = backend != DbBackend::MySql;
    let mut written = Vec::with_capacity(if returning { pairs.len() } else { 0 });
    for ((update, named, insert_only), group) in groups {
        let per_statement = rows_per_statement(backend, 5 + named.len() + insert_only.len());
        for chunk in group.chunks(per_statement) {
            let columns = (named.as_slice(), insert_only.as_slice());
            let mut sql = upsert_statement(backend, entry, columns, chunk, checks, stamp, update);
            if returning {
                sql.push(" RETURNING *");
                written.extend(conn.query_all_raw(sql.build()).await?);
            } else {
                conn.execute_raw(sql.build()).await?;
            }
        }
    }
    Ok(returning.then_some(written))
}

fn declaration_index(entry: &LinkEntry, column: &str) -> usize {
    entry
        .spec
        .extra_columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or(usize::MAX)
}

fn upsert_statement(
    backend: DbBackend,
    entry: &LinkEntry,
    (columns, insert_only): (&[&'static str], &[&'static str]),
    chunk: &[(&PreparedPair, &str)],
    checks: &[InlineCheck],
    stamp: DateTime<Utc>,
    update: bool,
) -> Sql {
    let (left, right) = (entry.spec.left.column, entry.spec.right.column);
    let mut sql = Sql::new(backend);
    sql.push("INSERT INTO ")
        .ident(&entry.names.table)
        .push(" (");
    let all_columns = [left, right, "id", "created_at", "updated_at"]
        .into_iter()
        .chain(columns.iter().copied())
        .chain(insert_only.iter().copied());
    for (i, column) in all_columns.enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.ident(column);
    }
    // With record checks the rows are selected from a VALUES list, keeping those whose records
    // exist: `column1` is the left key, `column2` the right one (both databases name a VALUES
    // list's columns so). The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
    if checks.is_empty() {
        sql.push(") VALUES ");
    } else {
        sql.push(") SELECT * FROM (VALUES ");
    }
    for (i, (pair, id)) in chunk.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        let mut values: Vec<Value> = vec![
            pair.left.clone().into(),
            pair.right.clone().into(),
            id.to_string().into(),
            stamp.into(),
            stamp.into(),
        ];
        for (column, given) in columns
            .iter()
            .map(|c| (c, &pair.named))
            .chain(insert_only.iter().map(|c| (c, &pair.insert_only)))
        {
            let value = given
                .iter()
                .find(|(c, _)| c == column)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::String(None));
            values.push(value);
        }
        sql.param_list(values);
    }
    for (i, check) in checks.iter().enumerate() {
        sql.push(if i == 0 { ") AS v WHERE " } else { " AND " })
            .push("EXISTS (SELECT 1 FROM ")
            .ident(check.table)
            .push(" AS r WHERE r.")
            .ident(check.primary_key)
            .push(if check.is_left {
                " = v.column1"
            } else {
                " = v.column2"
            });
        if check.soft_deletable {
            sql.push(" AND r.").ident("deleted_at").push(" IS NULL");
        }
        sql.push(super::records::share_lock_clause(backend))
            .push(")");
    }

    let mut updates: Vec<(&str, String)> = Vec::new();
    if backend == DbBackend::MySql {
        if !update {
            // New pairs: any clash is an error (see `upsert`).
            return sql;
        }
        sql.push(" ON DUPLICATE KEY UPDATE ");
        updates.push(("deleted_at", "null".into()));
        for column in ["updated_at"].iter().chain(columns) {
            updates.push((
                column,
                format!("values({})", crate::dialect::quote(backend, column)),
            ));
        }
    } else {
        sql.push(" ON CONFLICT (")
            .ident(left)
            .push(", ")
            .ident(right)
            .push(") DO UPDATE SET ");
        updates.push(("deleted_at", "null".into()));
        for column in ["updated_at"].iter().chain(columns) {
            updates.push((
                column,
                format!("excluded.{}", crate::dialect::quote(backend, column)),
            ));
        }
    }
    for (i, (column, value)) in updates.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.ident(column).push(" = ").push(value);
    }
    sql
}

/// A new link row id: `<prefix>_<ULID>`, as Medusa writes them.
pub(crate) fn new_row_id(prefix: &str, generator: &mut ulid::Generator) -> String {
    let id = generator.generate().unwrap_or_else(|_| ulid::Ulid::new());
    format!("{prefix}_{id}")
}

/// Sets `deleted_at` on the live rows of `pairs`. Returns how many rows changed.
pub(crate) async fn dismiss(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    stamp: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let mut dismissed = 0;
    for chunk in pairs.chunks(pairs_per_statement(backend)) {
        let mut sql = dismiss_statement(backend, entry, stamp);
        sql.ident("deleted_at").push(" IS NULL AND ");
        pairs_in(&mut sql, entry, chunk);
        dismissed += conn.execute_raw(sql.build()).await?.rows_affected();
    }
    Ok(dismissed)
}

/// `UPDATE <link table> SET deleted_at = stamp, updated_at = stamp WHERE `, for the caller to
/// finish with the rows to dismiss.
pub(crate) fn dismiss_statement(
    backend: DbBackend,
    entry: &LinkEntry,
    stamp: DateTime<Utc>,
) -> Sql {
    let mut sql = Sql::new(backend);
    sql.push("UPDATE ")
        .ident(&entry.names.table)
        .push(" SET ")
        .ident("deleted_at")
        .push(" = ")
        .param(stamp)
        .push(", ")
        .ident("updated_at")
        .push(" = ")
        .param(stamp)
        .push(" WHERE ");
    sql
}

/// How many pairs one statement of [`pairs_in`] may match under the backend's bind limit.
pub(crate) fn pairs_per_statement(backend: DbBackend) -> usize {
    // Two values a pair, and on PostgreSQL the left key once more.
    rows_per_statement(backend, 3)
}

/// Appends `(left, right) IN ((?, ?), …)` for `pairs`. PostgreSQL gets `IN (VALUES …)`: a long
/// list of row values would become a deep OR expression that exhausts its parser's stack. It is
/// preceded there by `left IN (…)`, which the left key's index serves: without statistics (a
/// new or much-rewritten table) the planner otherwise joins the VALUES list to a full scan.
pub(crate) fn pairs_in(sql: &mut Sql, entry: &LinkEntry, pairs: &[PreparedPair]) {
    if sql.backend() == DbBackend::Postgres {
        let mut lefts: Vec<&str> = pairs.iter().map(|p| p.left.as_str()).collect();
        lefts.sort_unstable();
        lefts.dedup();
        sql.ident(entry.spec.left.column)
            .push(" IN ")
            .param_list(lefts.into_iter().map(str::to_string))
            .push(" AND ");
    }
    sql.push("(")
        .ident(entry.spec.left.column)
        .push(", ")
        .ident(entry.spec.right.column)
        .push(") IN (");
    if sql.backend() == DbBackend::Postgres {
        sql.push("VALUES ");
    }
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.param_list([pair.left.clone(), pair.right.clone()]);
    }
    sql.push(")");
}
