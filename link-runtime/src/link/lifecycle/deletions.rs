//! The stamps of deleted records of models without `deleted_at` (or without a table of ours),
//! kept in the deletions table on the home connection, inside the operation's transaction.
//! Without them a restore could only guess a record's stamp from the dismissed link rows
//! touching it, and a user's own dismiss looks the same there as a delete.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{Failure, execute, query};
use crate::linkable::ModelInfo;
use crate::sql::{DELETIONS_TABLE, DeletionTable, Dialect, LONGEST_ID};

/// Whether `model`'s deletions are kept here rather than in its own `deleted_at`.
pub(super) fn kept_here(model: &ModelInfo) -> bool {
    !model.soft_deletable || model.table.is_none()
}

/// The ids the table can hold (see [`LONGEST_ID`]).
fn held(ids: &[String]) -> Vec<String> {
    ids.iter()
        .filter(|id| id.chars().count() <= LONGEST_ID)
        .cloned()
        .collect()
}

/// The stamp each of `ids` was deleted with and not restored since (records with none are left
/// out).
pub(super) async fn read(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
) -> Result<BTreeMap<String, DateTime<Utc>>, Failure> {
    let dialect = Dialect::of(conn);
    let name = model.qualified_name();
    let table = DeletionTable { model: &name };
    let ids = held(ids);
    let asked: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let what = format!(
        "reading `{DELETIONS_TABLE}` for {name} (run `migrate()` if the table is missing: it keeps the stamps of deleted records of models without `deleted_at`)"
    );
    let mut stamps = BTreeMap::new();
    for chunk in ids.chunks(dialect.rows_per_statement(1)) {
        for row in query(conn, &table.read(dialect, chunk), &what).await? {
            let id = crate::error::column::<String>(&row, "record_id", &what)?;
            let at = crate::error::column::<DateTime<Utc>>(&row, "deleted_at", &what)?;
            if asked.contains(id.as_str()) {
                stamps.insert(id, at);
            }
        }
    }
    Ok(stamps)
}

/// Keeps `stamp` as the deletion of each of `ids` (one that has a stamp keeps it).
pub(super) async fn record(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<(), Failure> {
    let dialect = Dialect::of(conn);
    let name = model.qualified_name();
    let table = DeletionTable { model: &name };
    let what = format!("writing `{DELETIONS_TABLE}` for {name}");
    for chunk in held(ids).chunks(dialect.rows_per_statement(3)) {
        execute(conn, &table.record(chunk, stamp), &what).await?;
    }
    Ok(())
}

/// Forgets the deletions of `ids`: with `stamp`, those deleted with it (they are restored);
/// without, whatever their stamp (records that no longer exist, whose id a new record may take).
pub(super) async fn forget(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    stamp: Option<DateTime<Utc>>,
) -> Result<(), Failure> {
    let dialect = Dialect::of(conn);
    let name = model.qualified_name();
    let table = DeletionTable { model: &name };
    let what = format!("clearing `{DELETIONS_TABLE}` for {name}");
    for chunk in held(ids).chunks(dialect.rows_per_statement(2)) {
        execute(conn, &table.remove(dialect, chunk, stamp), &what).await?;
    }
    Ok(())
}
