//! Reading link rows back as typed [`LinkRow`]s.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult};

use super::PreparedPair;
use super::write::pairs_in;
use crate::definition::{ExtraColumns, LinkDefinition, LinkRow};
use crate::dialect::{Sql, rows_per_statement};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::registry::LinkEntry;

fn select_columns(sql: &mut Sql, entry: &LinkEntry) {
    sql.push("SELECT ");
    let fixed = [
        entry.spec.left.column,
        entry.spec.right.column,
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
    ];
    let extra = entry.spec.extra_columns.iter().map(|c| c.name);
    for (i, column) in fixed.into_iter().chain(extra).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.ident(column);
    }
    sql.push(" FROM ").ident(&entry.names.table);
}

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
    let backend = conn.get_database_backend();
    let mut found = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(super::write::pairs_per_statement(backend)) {
        let mut sql = Sql::new(backend);
        select_columns(&mut sql, entry);
        sql.push(" WHERE ");
        pairs_in(&mut sql, entry, chunk);
        if lock && backend != sea_orm::DbBackend::Sqlite {
            sql.push(" FOR UPDATE");
        }
        let rows = conn
            .query_all_raw(sql.build())
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
    Ok(event_rows(entry, &rows, false)?
        .into_iter()
        .map(|row| (row.left, row.right))
        .collect())
}

/// The event rows of read rows (those still live when `live_only`).
pub(crate) fn event_rows(
    entry: &LinkEntry,
    rows: &[QueryResult],
    live_only: bool,
) -> Result<Vec<crate::events::EventRow>> {
    let (left, right) = (entry.spec.left.column, entry.spec.right.column);
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let what = "a link row";
        if live_only
            && crate::error::column::<Option<chrono::DateTime<chrono::Utc>>>(
                row,
                "deleted_at",
                what,
            )?
            .is_some()
        {
            continue;
        }
        let get = |c: &str| crate::error::column::<String>(row, c, what);
        events.push(crate::events::EventRow {
            id: get("id")?,
            left: get(left)?,
            right: get(right)?,
        });
    }
    Ok(events)
}

/// Live rows, optionally restricted to some left and/or right ids, ordered by creation.
pub(crate) async fn list<L: LinkDefinition, C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    left: Option<Vec<String>>,
    right: Option<Vec<String>>,
) -> Result<Vec<LinkRow<L>>> {
    list_rows(conn, entry, left, right)
        .await?
        .iter()
        .map(|row| decode::<L>(entry, row))
        .collect()
}

/// Live rows as read, ordered by creation.
pub(crate) async fn list_rows<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    left: Option<Vec<String>>,
    right: Option<Vec<String>>,
) -> Result<Vec<QueryResult>> {
    let backend = conn.get_database_backend();
    // Each side gets half the bind budget; larger id sets are read in several statements.
    let per_side = rows_per_statement(backend, 2);
    let chunks = |ids: &Option<Vec<String>>| -> Vec<Option<Vec<String>>> {
        match ids {
            None => vec![None],
            Some(ids) if ids.is_empty() => Vec::new(),
            Some(ids) => ids.chunks(per_side).map(|c| Some(c.to_vec())).collect(),
        }
    };
    let mut rows = Vec::new();
    for left_chunk in chunks(&left) {
        for right_chunk in chunks(&right) {
            let mut sql = Sql::new(backend);
            select_columns(&mut sql, entry);
            sql.push(" WHERE ").ident("deleted_at").push(" IS NULL");
            if let Some(ids) = &left_chunk {
                sql.push(" AND ")
                    .ident(entry.spec.left.column)
                    .push(" IN ")
                    .param_list(ids.iter().cloned());
            }
            if let Some(ids) = &right_chunk {
                sql.push(" AND ")
                    .ident(entry.spec.right.column)
                    .push(" IN ")
                    .param_list(ids.iter().cloned());
            }
            sql.push(" ORDER BY ")
                .ident("created_at")
                .push(", ")
                .ident("id");
            let found = conn
                .query_all_raw(sql.build())
                .await
                .map_err(Error::database(format!(
                    "listing links of {}",
                    entry.spec.display_name()
                )))?;
            rows.extend(found);
        }
    }
    if rows.len() > 1 && (left.is_some() || right.is_some()) {
        // Several statements: put their rows back in creation order.
        let key = |row: &QueryResult| {
            (
                row.try_get::<chrono::DateTime<chrono::Utc>>("", "created_at")
                    .ok(),
                row.try_get::<String>("", "id").unwrap_or_default(),
            )
        };
        rows.sort_by_key(key);
    }
    Ok(rows)
}
