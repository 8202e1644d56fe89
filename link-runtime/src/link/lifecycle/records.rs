//! The records of one model in its own table: what state they are in, stamping the live ones
//! and reviving those of one stamp.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::Expr;

use super::{Failure, execute, query};
use crate::linkable::{ModelInfo, key_values};
use crate::sql::{Dialect, RecordTable, deleted_at_any, live, read_key};

/// Whether a record is live or soft-deleted, and with which stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Live,
    Deleted(DateTime<Utc>),
}

/// The state of each of `ids` found in the model's table (missing ids are left out), read on
/// `conn`, locking the rows found when `lock`. A model without `deleted_at` has only live
/// records; a model without a table of ours (external) is taken as holding all of `ids`.
pub(super) async fn read(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    lock: bool,
) -> Result<BTreeMap<String, State>, Failure> {
    let Some(table) = model.table else {
        return Ok(ids.iter().map(|id| (id.clone(), State::Live)).collect());
    };
    let dialect = Dialect::of(conn);
    let records = RecordTable { name: table, model };
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let values = key_values(model, &refs)?;
    let asked = asked(&refs);
    let mut states = BTreeMap::new();
    for chunk in values.chunks(dialect.rows_per_statement(1)) {
        let mut select = records.select_keys(dialect, chunk, true);
        if lock {
            dialect.lock_for_update(&mut select);
        }
        let what = format!("reading {} records", model.qualified_name());
        for row in query(conn, &select, &what).await? {
            let id = read_key(&row, model)?;
            if !asked.contains(id.as_str()) {
                continue;
            }
            let state = if model.soft_deletable {
                match crate::error::column::<Option<DateTime<Utc>>>(&row, "deleted_at", &what)? {
                    Some(at) => State::Deleted(at),
                    None => State::Live,
                }
            } else {
                State::Live
            };
            states.insert(id, state);
        }
    }
    Ok(states)
}

/// Soft-deletes the live records among `ids` with `stamp` and returns them; records already
/// deleted keep their own stamp. A model without `deleted_at` (or without a table) has nothing
/// to stamp.
pub(super) async fn stamp_live(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<Vec<String>, Failure> {
    let Some(table) = model.table.filter(|_| model.soft_deletable) else {
        return Ok(Vec::new());
    };
    let mut stamped = set_deleted_at(conn, model, table, ids, Some(stamp), live()).await?;
    stamped.sort();
    Ok(stamped)
}

/// Revives the records among `ids` that carry `stamp` (see [`carries`]) and returns them.
pub(super) async fn revive(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> Result<Vec<String>, Failure> {
    let Some(table) = model.table.filter(|_| model.soft_deletable) else {
        return Ok(Vec::new());
    };
    let carrying = deleted_at_any(&stored_forms(stamp));
    let mut revived = set_deleted_at(conn, model, table, ids, None, carrying).await?;
    revived.sort();
    Ok(revived)
}

/// Whether a record whose `deleted_at` reads `stored` was deleted with `stamp`. A module's own
/// column may keep whole seconds only (MySQL's `timestamp`, rounding or truncating), so the
/// stamp's second and the next one match too; link tables, whose columns we create, keep
/// microseconds and match exactly.
pub(super) fn carries(stored: DateTime<Utc>, stamp: DateTime<Utc>) -> bool {
    stored_forms(stamp).contains(&stored)
}

/// What a column may hold for `stamp`: itself, or its second rounded down or up.
fn stored_forms(stamp: DateTime<Utc>) -> [DateTime<Utc>; 3] {
    let second = DateTime::from_timestamp(stamp.timestamp(), 0).unwrap_or(stamp);
    [stamp, second, second + TimeDelta::seconds(1)]
}

/// Whether `stamp` keeps whole seconds only: maybe a stamp of ours cut by a coarse column.
pub(super) fn coarse(stamp: DateTime<Utc>) -> bool {
    stamp.timestamp_subsec_micros() == 0
}

/// `UPDATE table SET deleted_at = to WHERE pk IN (ids) AND <condition>`, returning the ids it
/// changed: from the statement itself where it can (`RETURNING`), else from a locking read
/// first (MySQL).
async fn set_deleted_at(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    table: &str,
    ids: &[String],
    to: Option<DateTime<Utc>>,
    condition: Expr,
) -> Result<Vec<String>, Failure> {
    let dialect = Dialect::of(conn);
    let records = RecordTable { name: table, model };
    let what = format!("stamping {} records", model.qualified_name());
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let values = key_values(model, &refs)?;
    let mut changed = Vec::new();
    for chunk in values.chunks(dialect.rows_per_statement(1)) {
        let update = |keys: &[sea_orm::Value]| {
            records
                .set_deleted_at(dialect, to, keys)
                .and_where(condition.clone())
                .to_owned()
        };
        if dialect.returning {
            for row in query(conn, &update(chunk), &what).await? {
                changed.push(read_key(&row, model)?);
            }
            continue;
        }
        let mut select = records.select_keys(dialect, chunk, false);
        select.and_where(condition.clone());
        dialect.lock_for_update(&mut select);
        let asked = asked(&refs);
        let found: Vec<String> = query(conn, &select, &what)
            .await?
            .iter()
            .map(|row| read_key(row, model))
            .collect::<crate::error::Result<Vec<_>>>()?
            .into_iter()
            .filter(|id| asked.contains(id.as_str()))
            .collect();
        if found.is_empty() {
            continue;
        }
        let refs: Vec<&str> = found.iter().map(String::as_str).collect();
        execute(conn, &update(&key_values(model, &refs)?), &what).await?;
        changed.extend(found);
    }
    Ok(changed)
}

/// The ids asked for: a record found under another one of them is not theirs. (MySQL's usual
/// collations match `S3` to `s3`; keys are compared byte for byte.)
fn asked<'a>(ids: &[&'a str]) -> HashSet<&'a str> {
    ids.iter().copied().collect()
}
