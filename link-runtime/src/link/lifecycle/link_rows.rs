//! The link rows a delete dismisses and a restore revives (or hands another record's stamp).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend};

use super::{Failure, query};
use crate::dialect::{Sql, rows_per_statement};
use crate::events::EventRow;
use crate::link::PreparedPair;
use crate::linkable::ModelInfo;
use crate::registry::{LinkEntry, Links};

/// Dismisses the live rows of `entry` whose key on one side (the left when `touching_left`) is
/// one of `ids`, with `stamp`. Returns the rows dismissed.
pub(super) async fn dismiss_touching(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    touching_left: bool,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<Vec<EventRow>, Failure> {
    let backend = conn.get_database_backend();
    let what = format!("dismissing link rows of {}", entry.spec.display_name());
    let mut dismissed = Vec::new();
    for chunk in ids.chunks(rows_per_statement(backend, 1)) {
        let touching = |sql: &mut Sql| {
            touching_ids(sql, entry, touching_left, chunk);
            sql.push(" AND ").ident("deleted_at").push(" IS NULL");
        };
        if backend != DbBackend::MySql {
            // One statement: the rows dismissed come back from the UPDATE itself.
            let mut update = crate::link::write::dismiss_statement(backend, entry, stamp);
            touching(&mut update);
            update.push(" RETURNING ");
            select_row(&mut update, entry);
            dismissed.extend(event_rows(query(conn, update, &what).await?, entry)?);
            continue;
        }
        let found = select_rows(conn, entry, touching, true).await?;
        if found.is_empty() {
            continue;
        }
        for ids in found.chunks(rows_per_statement(backend, 1)) {
            let mut update = crate::link::write::dismiss_statement(backend, entry, stamp);
            by_row_id(&mut update, ids);
            conn.execute_raw(update.build())
                .await
                .map_err(|e| Failure::Database(e, what.clone()))?;
        }
        dismissed.extend(found);
    }
    Ok(dismissed)
}

/// The rows of `entry` touching `ids` on one side that were dismissed with `stamp`, locked
/// until the restore ends.
pub(super) async fn dismissed_with(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    touching_left: bool,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<Vec<EventRow>, Failure> {
    let backend = conn.get_database_backend();
    let mut rows = Vec::new();
    for chunk in ids.chunks(rows_per_statement(backend, 1)) {
        let condition = |sql: &mut Sql| {
            touching_ids(sql, entry, touching_left, chunk);
            sql.push(" AND ")
                .ident("deleted_at")
                .push(" = ")
                .param(stamp);
        };
        rows.extend(select_rows(conn, entry, condition, true).await?);
    }
    Ok(rows)
}

/// Makes `rows` live again (`updated_at` = `revived`). A unique index that refuses them is a
/// [`Failure::Conflict`]: reviving them would break the link's cardinality.
pub(super) async fn revive(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    rows: &[EventRow],
    revived: DateTime<Utc>,
) -> Result<(), Failure> {
    let backend = conn.get_database_backend();
    let set = |sql: &mut Sql| {
        sql.ident("deleted_at")
            .push(" = NULL, ")
            .ident("updated_at")
            .push(" = ")
            .param(revived);
    };
    update_rows(conn, entry, rows, set, "reviving")
        .await
        .map_err(|failure| match failure {
            Failure::Database(err, _) if crate::dialect::is_unique_violation(backend, &err) => {
                let pairs = rows
                    .iter()
                    .map(|row| PreparedPair {
                        left: row.left.clone(),
                        right: row.right.clone(),
                        named: Vec::new(),
                        insert_only: Vec::new(),
                    })
                    .collect();
                Failure::Conflict(Box::new(entry.clone()), pairs)
            }
            other => other,
        })
}

/// Gives dismissed `rows` the stamp `stamp` (that of a record they point at, which is deleted),
/// so restoring that record brings them back.
pub(super) async fn restamp(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    rows: &[EventRow],
    stamp: DateTime<Utc>,
) -> Result<(), Failure> {
    let set = |sql: &mut Sql| {
        sql.ident("deleted_at").push(" = ").param(stamp);
    };
    update_rows(conn, entry, rows, set, "restamping").await
}

/// `UPDATE <link table> SET <set> WHERE id IN (…)` over `rows`, a chunk a statement.
async fn update_rows(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    rows: &[EventRow],
    set: impl Fn(&mut Sql),
    doing: &str,
) -> Result<(), Failure> {
    let backend = conn.get_database_backend();
    for chunk in rows.chunks(rows_per_statement(backend, 1)) {
        let mut update = Sql::new(backend);
        update
            .push("UPDATE ")
            .ident(&entry.names.table)
            .push(" SET ");
        set(&mut update);
        update.push(" WHERE ");
        by_row_id(&mut update, chunk);
        conn.execute_raw(update.build()).await.map_err(|e| {
            Failure::Database(
                e,
                format!("{doing} link rows of {}", entry.spec.display_name()),
            )
        })?;
    }
    Ok(())
}

/// Every distinct `deleted_at` of the dismissed link rows touching `ids` of `model`, per id,
/// over every link table.
pub(super) async fn stamps_touching(
    links: &Links,
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
) -> Result<BTreeMap<String, Vec<DateTime<Utc>>>, Failure> {
    let backend = conn.get_database_backend();
    let mut found: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
    for entry in links.inner.links.iter().filter(|e| !e.spec.read_only) {
        for (side, touching_left) in [(&entry.spec.left, true), (&entry.spec.right, false)] {
            if !super::same_model(&side.model, model) {
                continue;
            }
            for chunk in ids.chunks(rows_per_statement(backend, 1)) {
                let key = side_key(entry, touching_left);
                let mut sql = Sql::new(backend);
                sql.push("SELECT DISTINCT ")
                    .ident(key)
                    .push(", ")
                    .ident("deleted_at")
                    .push(" FROM ")
                    .ident(&entry.names.table)
                    .push(" WHERE ");
                touching_ids(&mut sql, entry, touching_left, chunk);
                sql.push(" AND ").ident("deleted_at").push(" IS NOT NULL");
                let what = "reading link stamps";
                for row in query(conn, sql, what).await? {
                    let id = row
                        .try_get::<String>("", key)
                        .map_err(|e| Failure::Database(e, what.into()))?;
                    let at = row
                        .try_get::<DateTime<Utc>>("", "deleted_at")
                        .map_err(|e| Failure::Database(e, what.into()))?;
                    found.entry(id).or_default().push(at);
                }
            }
        }
    }
    Ok(found)
}

/// The key column of one side of `entry`.
pub(super) fn side_key(entry: &LinkEntry, left: bool) -> &'static str {
    if left {
        entry.spec.left.column
    } else {
        entry.spec.right.column
    }
}

/// `<key of one side> IN (ids)`.
fn touching_ids(sql: &mut Sql, entry: &LinkEntry, left: bool, ids: &[String]) {
    sql.ident(side_key(entry, left))
        .push(" IN ")
        .param_list(ids.iter().cloned());
}

/// `id IN (…)` of `rows`.
fn by_row_id(sql: &mut Sql, rows: &[EventRow]) {
    sql.ident("id")
        .push(" IN ")
        .param_list(rows.iter().map(|row| row.id.clone()));
}

/// `left, right, id`: the columns of an [`EventRow`].
fn select_row(sql: &mut Sql, entry: &LinkEntry) {
    sql.ident(entry.spec.left.column)
        .push(", ")
        .ident(entry.spec.right.column)
        .push(", ")
        .ident("id");
}

/// The rows of `entry` matching `condition`, locked (`FOR UPDATE`) where `lock` and the backend
/// can.
async fn select_rows(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    condition: impl Fn(&mut Sql),
    lock: bool,
) -> Result<Vec<EventRow>, Failure> {
    let backend = conn.get_database_backend();
    let mut select = Sql::new(backend);
    select.push("SELECT ");
    select_row(&mut select, entry);
    select
        .push(" FROM ")
        .ident(&entry.names.table)
        .push(" WHERE ");
    condition(&mut select);
    if lock && backend != DbBackend::Sqlite {
        select.push(" FOR UPDATE");
    }
    let what = format!("reading link rows of {}", entry.spec.display_name());
    Ok(event_rows(query(conn, select, &what).await?, entry)?)
}

/// Link rows read as (left, right, id).
fn event_rows(
    rows: Vec<sea_orm::QueryResult>,
    entry: &LinkEntry,
) -> crate::error::Result<Vec<EventRow>> {
    crate::link::rows::event_rows(entry, &rows, false)
}
