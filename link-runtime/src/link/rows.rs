//! Reading link rows back as typed [`LinkRow`]s.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult};

use super::PreparedPair;
use super::write::{ends, statement_chunks};
use crate::definition::{ExtraColumns, LinkDefinition, LinkRow};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::registry::LinkEntry;
use crate::sql::Dialect;

pub(crate) fn decode<L: LinkDefinition>(
    entry: &LinkEntry,
    row: &QueryResult,
) -> Result<LinkRow<L>> {
    let read = |err| Error::Database {
        context: format!("reading a row of {}", entry.spec.display_name()),
        source: err,
    };
    Ok(LinkRow {
        left: Key::new(
            row.try_get::<String>("", entry.spec.left.column)
                .map_err(read)?,
        ),
        right: Key::new(
            row.try_get::<String>("", entry.spec.right.column)
                .map_err(read)?,
        ),
        id: row.try_get("", "id").map_err(read)?,
        created_at: row.try_get("", "created_at").map_err(read)?,
        updated_at: row.try_get("", "updated_at").map_err(read)?,
        extra: L::Extra::from_row(row).map_err(read)?,
    })
}

/// `rows` (of `entry`'s table) in the order of `pairs`; pairs with no row are left out.
pub(crate) fn in_order_of(
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    rows: Vec<QueryResult>,
) -> Result<Vec<QueryResult>> {
    let (left, right) = (entry.spec.left.column, entry.spec.right.column);
    let mut found: HashMap<(String, String), QueryResult> = rows
        .into_iter()
        .map(|row| {
            let get = |c: &str| crate::error::column::<String>(&row, c, "a link row");
            Ok(((get(left)?, get(right)?), row))
        })
        .collect::<Result<_>>()?;
    Ok(pairs
        .iter()
        .filter_map(|pair| found.remove(&(pair.left.clone(), pair.right.clone())))
        .collect())
}

/// The rows of `pairs`, in the order of `pairs` (pairs with no row are left out).
pub(crate) async fn read_pairs<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
) -> Result<Vec<QueryResult>> {
    read_pairs_locking(conn, entry, pairs, false).await
}

/// [`read_pairs`], locking the rows read (`FOR UPDATE`) where `lock` and the backend can.
pub(crate) async fn read_pairs_locking<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    lock: bool,
) -> Result<Vec<QueryResult>> {
    let dialect = Dialect::of(conn);
    let table = entry.table();
    let mut found = Vec::with_capacity(pairs.len());
    for chunk in statement_chunks(dialect, pairs) {
        let mut select = table.select_rows();
        select.and_where(table.pairs_in(dialect, ends(chunk)));
        if lock {
            dialect.lock_for_update(&mut select);
        }
        let rows = conn
            .query_all(&select)
            .await
            .map_err(Error::database(format!(
                "reading links of {}",
                entry.spec.display_name()
            )))?;
        found.extend(rows);
    }
    in_order_of(entry, pairs, found)
}

/// Which of `pairs` have a row (live or dismissed), locking those rows where `lock` and the
/// backend can.
pub(crate) async fn existing_pairs<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    lock: bool,
) -> Result<std::collections::HashSet<(String, String)>> {
    let rows = read_pairs_locking(conn, entry, pairs, lock).await?;
    Ok(entry
        .table()
        .ends_of(&rows, false)?
        .into_iter()
        .map(|row| (row.left, row.right))
        .collect())
}

/// Live rows, optionally restricted to some left and/or right ids, ordered by creation.
pub(crate) async fn list<L: LinkDefinition, C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    left: Option<Vec<String>>,
    right: Option<Vec<String>>,
) -> Result<Vec<LinkRow<L>>> {
    entry
        .table()
        .read_live(conn, left.as_deref(), right.as_deref())
        .await?
        .iter()
        .map(|row| decode::<L>(entry, row))
        .collect()
}
