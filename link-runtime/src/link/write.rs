//! The statements that write link rows: one upsert (or update) per chunk of rows.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Value};

use super::PreparedPair;
use crate::registry::LinkEntry;
use crate::sql::{Dialect, RecordCheck, Upsert, live, row_ids};

/// Inserts new pairs, revives dismissed ones and updates the named extra columns of live ones.
///
/// Pairs are grouped by the set of extra columns they name, so every row of a statement has the
/// same columns and unnamed columns keep their values (or take their defaults on insert). The
/// conflict target is the primary key only: a clash on a unique live index is an error, which
/// the caller turns into a `Conflict`.
///
/// On PostgreSQL, SQLite and MariaDB the rows written come back from the same statements
/// (`RETURNING`, in no particular order); MySQL's upsert cannot return them, so it gives `None`
/// and the caller reads them. A pair whose record fails one of `checks` is not written and so
/// not returned: the caller compares the count.
///
/// MySQL's upsert (`ON DUPLICATE KEY UPDATE`) fires on any unique index, the live-row ones that
/// enforce cardinality included, where it would update another pair's row. On MariaDB its
/// assignments are guarded (see `Dialect::upsert_guarded`): that pair's row comes back
/// unchanged, and the caller reports the conflict. On MySQL only the pairs in `existing`
/// (found beforehand, locked) are upserted: their primary key, checked first, is the one that
/// fires. The other pairs are plainly inserted, and a clash on a live unique index is an error
/// whatever the server's `sql_mode` (a guard that relied on a NOT NULL error silently rewrote
/// rows in non-strict mode).
pub(crate) async fn upsert(
    conn: &impl ConnectionTrait,
    dialect: &Dialect,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    checks: &[RecordCheck],
    stamp: DateTime<Utc>,
    existing: Option<&HashSet<(String, String)>>,
) -> Result<Option<Vec<sea_orm::QueryResult>>, DbErr> {
    let table = entry.table();
    // Ids are allotted in input order from a monotonic generator, so the rows of one batch sort
    // in the order they were given even when they land in different statements.
    let mut generator = ulid::Generator::new();
    let ids: Vec<String> = pairs
        .iter()
        .map(|_| new_row_id(entry.spec.id_prefix, &mut generator))
        .collect();
    // Rows of one statement name the same columns; where the upsert fires on any unique index,
    // they are all new (inserted) or all existing (upserted).
    type Columns = (bool, Vec<&'static str>, Vec<&'static str>);
    let mut groups: BTreeMap<Columns, Vec<(&PreparedPair, &str)>> = BTreeMap::new();
    for (pair, id) in pairs.iter().zip(&ids) {
        let mut named: Vec<&'static str> = pair.named.iter().map(|(c, _)| *c).collect();
        named.sort_by_key(|c| declaration_index(entry, c));
        let mut insert_only: Vec<&'static str> = pair.insert_only.iter().map(|(c, _)| *c).collect();
        insert_only.sort_by_key(|c| declaration_index(entry, c));
        let update = match existing {
            Some(existing) if dialect.upsert_on_any_unique && !dialect.upsert_guarded() => {
                existing.contains(&(pair.left.clone(), pair.right.clone()))
            }
            _ => true,
        };
        groups
            .entry((update, named, insert_only))
            .or_default()
            .push((pair, id));
    }
    let returns_rows = dialect.inserts_return_rows;
    let mut written = Vec::with_capacity(if returns_rows { pairs.len() } else { 0 });
    for ((update, named, insert_only), group) in groups {
        let per_statement = dialect.rows_per_statement(5 + named.len() + insert_only.len());
        for chunk in group.chunks(per_statement) {
            let rows = chunk
                .iter()
                .map(|(pair, id)| row_values(pair, id, stamp, &named, &insert_only))
                .collect();
            let statement = table.upsert(
                dialect,
                Upsert {
                    updated: &named,
                    insert_only: &insert_only,
                    rows,
                    checks,
                    update,
                },
            )?;
            if returns_rows {
                written.extend(conn.query_all_raw(statement).await?);
            } else {
                conn.execute_raw(statement).await?;
            }
        }
    }
    Ok(returns_rows.then_some(written))
}

fn declaration_index(entry: &LinkEntry, column: &str) -> usize {
    entry
        .spec
        .extra_columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or(usize::MAX)
}

/// One row of an upsert: left, right, id, created_at, updated_at, then the values of `named`
/// and `insert_only` (NULL for a column the pair does not give).
fn row_values(
    pair: &PreparedPair,
    id: &str,
    stamp: DateTime<Utc>,
    named: &[&'static str],
    insert_only: &[&'static str],
) -> Vec<Value> {
    let mut values: Vec<Value> = vec![
        pair.left.clone().into(),
        pair.right.clone().into(),
        id.to_string().into(),
        stamp.into(),
        stamp.into(),
    ];
    for (column, given) in named
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
    values
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
    let dialect = Dialect::of(conn);
    let table = entry.table();
    let mut dismissed = 0;
    for chunk in statement_chunks(dialect, pairs) {
        let mut statement = table.dismiss(stamp);
        if dialect.pairs_as_json_table && chunk.len() > 1 {
            // The rows by their ids, found (and locked) by a `SELECT` of the pairs: see
            // `Dialect::pairs_as_json_table`.
            let mut select = table.select_ends();
            select.and_where(table.live_pairs_in(dialect, ends(chunk)));
            dialect.lock_for_update(&mut select);
            // Only the rows of the pairs byte for byte: the collation ignores trailing spaces.
            let wanted: HashSet<(&str, &str)> = ends(chunk).collect();
            let [left, right, _] = table.ends();
            let mut ids = Vec::with_capacity(chunk.len());
            for row in conn.query_all(&select).await? {
                let (l, r): (String, String) = (row.try_get("", left)?, row.try_get("", right)?);
                if wanted.contains(&(l.as_str(), r.as_str())) {
                    ids.push(row.try_get::<String>("", "id")?);
                }
            }
            if ids.is_empty() {
                continue;
            }
            statement.and_where(row_ids(dialect, ids)).and_where(live());
        } else {
            statement.and_where(table.live_pairs_in(dialect, ends(chunk)));
        }
        dismissed += conn.execute(&statement).await?.rows_affected();
    }
    Ok(dismissed)
}

/// `pairs` in runs of as many as one statement of `LinkTable::pairs_in` may match (see
/// [`Dialect::pairs_in_one_statement`]).
pub(crate) fn statement_chunks<'p>(
    dialect: &Dialect,
    pairs: &'p [PreparedPair],
) -> Vec<&'p [PreparedPair]> {
    let mut chunks = Vec::new();
    let mut rest = pairs;
    while !rest.is_empty() {
        let (chunk, tail) =
            rest.split_at(dialect.pairs_in_one_statement(ends(rest)).min(rest.len()));
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// The (left, right) ids of `pairs`.
pub(crate) fn ends(pairs: &[PreparedPair]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|p| (p.left.as_str(), p.right.as_str()))
}
