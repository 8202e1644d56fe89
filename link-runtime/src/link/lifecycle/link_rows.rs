//! The link rows a delete dismisses and a restore revives (or hands another record's stamp).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, UpdateStatement};

use super::{Failure, execute, query};
use crate::events::EventRow;
use crate::link::PreparedPair;
use crate::linkable::ModelInfo;
use crate::registry::{LinkEntry, Links};
use crate::sql::{Dialect, row_ids};

/// Dismisses the live rows of `entry` whose key on one side (the left when `touching_left`) is
/// one of `ids`, with `stamp`. Returns the rows dismissed.
pub(super) async fn dismiss_touching(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    touching_left: bool,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<Vec<EventRow>, Failure> {
    let dialect = Dialect::of(conn);
    let table = entry.table();
    let what = format!("dismissing link rows of {}", entry.spec.display_name());
    let mut dismissed = Vec::new();
    for chunk in ids.chunks(dialect.rows_per_statement(1)) {
        let touching = table.live_touching(dialect, touching_left, chunk);
        if dialect.returning {
            // One statement: the rows dismissed come back from the UPDATE itself.
            let mut update = table.dismiss(stamp);
            update.and_where(touching);
            table.returning_ends(&mut update);
            dismissed.extend(table.ends_of(&query(conn, &update, &what).await?, false)?);
            continue;
        }
        let found = select_rows(conn, entry, touching, true).await?;
        if found.is_empty() {
            continue;
        }
        for rows in found.chunks(dialect.rows_per_statement(1)) {
            let update = table
                .dismiss(stamp)
                .and_where(by_row_id(dialect, rows))
                .to_owned();
            execute(conn, &update, &what).await?;
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
    let dialect = Dialect::of(conn);
    let table = entry.table();
    let mut rows = Vec::new();
    for chunk in ids.chunks(dialect.rows_per_statement(1)) {
        let condition = table
            .touching(dialect, touching_left, chunk)
            .and(Expr::col("deleted_at").eq(stamp));
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
    let dialect = Dialect::of(conn);
    update_rows(conn, entry, rows, entry.table().revive(revived), "reviving")
        .await
        .map_err(|failure| match failure {
            Failure::Database(err, _) if dialect.is_unique_violation(&err) => {
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
    update_rows(
        conn,
        entry,
        rows,
        entry.table().restamp(stamp),
        "restamping",
    )
    .await
}

/// `update` over `rows` (`WHERE id IN (…)`), a chunk a statement.
async fn update_rows(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    rows: &[EventRow],
    update: UpdateStatement,
    doing: &str,
) -> Result<(), Failure> {
    let what = format!("{doing} link rows of {}", entry.spec.display_name());
    let dialect = Dialect::of(conn);
    for chunk in rows.chunks(dialect.rows_per_statement(1)) {
        let statement = update
            .clone()
            .and_where(by_row_id(dialect, chunk))
            .to_owned();
        execute(conn, &statement, &what).await?;
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
    let dialect = Dialect::of(conn);
    let mut found: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
    for entry in links.stored_entries() {
        let table = entry.table();
        for (side, touching_left) in [(&entry.spec.left, true), (&entry.spec.right, false)] {
            if !side.model.is(model) {
                continue;
            }
            let key = table.key(touching_left);
            for chunk in ids.chunks(dialect.rows_per_statement(1)) {
                let select = table.select_stamps(dialect, touching_left, chunk);
                let what = "reading link stamps";
                for row in query(conn, &select, what).await? {
                    let id = crate::error::column::<String>(&row, key, what)?;
                    let at = crate::error::column::<DateTime<Utc>>(&row, "deleted_at", what)?;
                    found.entry(id).or_default().push(at);
                }
            }
        }
    }
    Ok(found)
}

/// `id IN (…)` of `rows`.
fn by_row_id(dialect: &Dialect, rows: &[EventRow]) -> Expr {
    row_ids(dialect, rows.iter().map(|row| row.id.clone()))
}

/// The rows of `entry` matching `condition`, locked (`FOR UPDATE`) where `lock` and the backend
/// can.
async fn select_rows(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    condition: Expr,
    lock: bool,
) -> Result<Vec<EventRow>, Failure> {
    let table = entry.table();
    let mut select = table.select_ends();
    select.and_where(condition);
    if lock {
        Dialect::of(conn).lock_for_update(&mut select);
    }
    let what = format!("reading link rows of {}", entry.spec.display_name());
    Ok(table.ends_of(&query(conn, &select, &what).await?, false)?)
}
