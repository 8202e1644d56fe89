//! Checking that the records a create links exist and are live: inside the upsert itself where
//! the database allows, else one batched query per side.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, Value};

use super::PreparedPair;
use crate::definition::LinkSpec;
use crate::dialect::{Sql, rows_per_statement};
use crate::error::{Error, Result};
use crate::linkable::{KeyKind, ModelInfo};
use crate::registry::{LinkEntry, Links, ModuleBinding};

/// A record check the upsert makes in its own statement: a pair is written only when its
/// record on this side exists in `table` (and is live).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InlineCheck {
    /// Whether the record is the pair's left one.
    pub(crate) is_left: bool,
    pub(crate) table: &'static str,
    pub(crate) primary_key: &'static str,
    pub(crate) soft_deletable: bool,
}

/// The record checks of `spec` that its upsert can make itself. That takes a statement whose
/// rows come back (`RETURNING`, so PostgreSQL and SQLite: a pair missing from them had a missing
/// record), a record table on the caller's connection, and a string key (the link table's
/// column type, so no cast keeps the key's index from serving the check). The other sides are
/// checked beforehand by [`check_live`].
pub(crate) fn inline_checks(
    links: &Links,
    backend: DbBackend,
    spec: &LinkSpec,
) -> Vec<InlineCheck> {
    if backend == DbBackend::MySql {
        return Vec::new();
    }
    [(&spec.left.model, true), (&spec.right.model, false)]
        .into_iter()
        .filter_map(|(model, is_left)| {
            let table = model.table?;
            let home = !matches!(
                links.binding(model.module),
                Some(ModuleBinding::Elsewhere(_) | ModuleBinding::External(_))
            );
            (home && model.key_kind == KeyKind::String).then_some(InlineCheck {
                is_left,
                table,
                primary_key: model.primary_key,
                soft_deletable: model.soft_deletable,
            })
        })
        .collect()
}

/// Refuses, with one `NotFound` naming every missing record of the call, pairs of any group
/// whose left or right record does not exist or is soft-deleted. Models without a table of ours
/// (external models) are not checked, nor the sides in `skip` (per group: checked by the upsert
/// itself; empty to check every side).
pub(crate) async fn check_live(
    links: &Links,
    conn: &impl ConnectionTrait,
    groups: &[(LinkEntry, Vec<PreparedPair>)],
    skip: &[Vec<InlineCheck>],
) -> Result<()> {
    let mut missing: Vec<(&LinkSpec, &ModelInfo, Vec<String>)> = Vec::new();
    for (index, (entry, pairs)) in groups.iter().enumerate() {
        let spec = &entry.spec;
        let skip = skip.get(index).map(Vec::as_slice).unwrap_or_default();
        for (model, is_left) in [(&spec.left.model, true), (&spec.right.model, false)] {
            let Some(table) = model.table else { continue };
            if skip.iter().any(|check| check.is_left == is_left) {
                continue;
            }
            let mut ids: Vec<&str> = pairs
                .iter()
                .map(|p| {
                    if is_left {
                        p.left.as_str()
                    } else {
                        p.right.as_str()
                    }
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let found = match links.binding(model.module) {
                // Another connection is outside our transaction: nothing to hold there.
                Some(ModuleBinding::Elsewhere(other)) => {
                    existing_ids(other, model, table, &ids, true, false).await?
                }
                _ => existing_ids(conn, model, table, &ids, true, true).await?,
            };
            let absent: Vec<String> = ids
                .iter()
                .filter(|id| !found.contains(**id))
                .map(|id| id.to_string())
                .collect();
            if !absent.is_empty() {
                missing.push((spec, model, absent));
            }
        }
    }
    match not_found(&missing) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// The `NotFound` naming `missing` records (per link and model), if any.
fn not_found(missing: &[(&LinkSpec, &ModelInfo, Vec<String>)]) -> Option<Error> {
    if missing.is_empty() {
        return None;
    }
    let mut records: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut per_link: Vec<(&LinkSpec, Vec<String>)> = Vec::new();
    for (spec, model, ids) in missing {
        let listed = records.entry(model.qualified_name()).or_default();
        listed.extend(ids.iter().cloned());
        listed.sort();
        listed.dedup();
        let what = format!("no live {} with id {}", model.name, ids.join(", "));
        match per_link.iter_mut().find(|(s, _)| s.name == spec.name) {
            Some((_, parts)) => parts.push(what),
            None => per_link.push((spec, vec![what])),
        }
    }
    let said: Vec<String> = per_link
        .iter()
        .map(|(spec, parts)| format!("link {}: {}", spec.display_name(), parts.join(" and ")))
        .collect();
    Some(Error::NotFound {
        records,
        pairs: BTreeMap::new(),
        message: format!(
            "{}; create the records first (or pass `CreateOptions::skip_record_check()` for a bulk import of known ids)",
            said.join("; ")
        ),
    })
}

/// Which of `ids` exist in the model's table (only live ones when `live_only` and the model is
/// soft-deletable): one statement per chunk of ids, each id bound with the key's own type. With
/// `share_lock` the rows found stay locked against change until the transaction ends (see
/// [`share_lock_clause`]).
pub(crate) async fn existing_ids(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    table: &str,
    ids: &[&str],
    live_only: bool,
    share_lock: bool,
) -> Result<HashSet<String>> {
    let backend = conn.get_database_backend();
    let mut found = HashSet::with_capacity(ids.len());
    let values: Vec<(String, Value)> = ids
        .iter()
        .map(|id| id.to_string())
        .zip(key_values(model, ids)?)
        .collect();
    for chunk in values.chunks(rows_per_statement(backend, 1)) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ");
        select_key(&mut sql, model);
        sql.push(" FROM ")
            .ident(table)
            .push(" WHERE ")
            .ident(model.primary_key)
            .push(" IN ")
            .param_list(chunk.iter().map(|(_, v)| v.clone()));
        if live_only && model.soft_deletable {
            sql.push(" AND ").ident("deleted_at").push(" IS NULL");
        }
        if share_lock {
            sql.push(share_lock_clause(backend));
        }
        let rows = conn
            .query_all_raw(sql.build())
            .await
            .map_err(Error::database(format!(
                "checking that the {} records exist",
                model.qualified_name()
            )))?;
        let by_value: std::collections::HashMap<String, &str> = chunk
            .iter()
            .map(|(id, v)| (value_text(v), id.as_str()))
            .collect();
        for row in rows {
            if let Some(id) = by_value.get(&read_key(&row, model)?) {
                found.insert(id.to_string());
            }
        }
    }
    Ok(found)
}

/// Selects the primary key of `model` as [`read_key`] reads it back.
pub(crate) fn select_key(sql: &mut Sql, model: &ModelInfo) {
    if model.key_kind == KeyKind::Integer {
        // Integer columns differ in width per backend (sqlx will not read an INT4 as i64):
        // compare their text.
        let text = if sql.backend() == DbBackend::MySql {
            "char"
        } else {
            "text"
        };
        sql.push("CAST(")
            .ident(model.primary_key)
            .push(" AS ")
            .push(text)
            .push(") AS ");
    }
    sql.ident(model.primary_key);
}

/// The primary key of a row selected with [`select_key`], as the text link tables hold: an
/// integer in decimal, a UUID lower-case and hyphenated, a string as it is.
pub(crate) fn read_key(row: &sea_orm::QueryResult, model: &ModelInfo) -> Result<String> {
    let what = format!("a {} record", model.qualified_name());
    match model.key_kind {
        KeyKind::Uuid => {
            crate::error::column::<sea_orm::prelude::Uuid>(row, model.primary_key, &what)
                .map(|u| u.to_string())
        }
        _ => crate::error::column::<String>(row, model.primary_key, &what),
    }
}

/// The clause that share-locks the rows a SELECT finds, per backend.
///
/// Why record checks lock what they find: a create that saw a record live must not commit a link
/// to it after a concurrent delete of that record has dismissed its links, or a live link would
/// point at a deleted record. A shared lock makes that delete wait for the create (and then
/// dismiss the new link too), or the create wait for the delete (and then see the record gone).
/// SQLite runs one writer at a time, so it needs none.
pub(crate) fn share_lock_clause(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR SHARE",
        // MariaDB has no `FOR SHARE`; MySQL takes both spellings.
        DbBackend::MySql => " LOCK IN SHARE MODE",
        _ => "",
    }
}

/// The ids bound with the type of the model's primary-key column, or `InvalidInput`.
pub(crate) fn key_values(model: &ModelInfo, ids: &[&str]) -> Result<Vec<Value>> {
    ids.iter()
        .map(|id| {
            key_value(model, id).ok_or_else(|| {
                Error::invalid(format!(
                    "{id:?} is not a valid {} id: its primary key `{}` is {}",
                    model.name,
                    model.primary_key,
                    match model.key_kind {
                        KeyKind::Integer => "an integer",
                        KeyKind::Uuid => "a UUID",
                        _ => "a string",
                    }
                ))
            })
        })
        .collect()
}

/// The id bound with the type of the model's primary-key column.
fn key_value(model: &ModelInfo, id: &str) -> Option<Value> {
    match model.key_kind {
        KeyKind::Integer => id.parse::<i64>().ok().map(Value::from),
        KeyKind::Uuid => sea_orm::prelude::Uuid::parse_str(id).ok().map(Value::from),
        _ => Some(Value::from(id.to_string())),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::BigInt(Some(i)) => i.to_string(),
        Value::Uuid(Some(u)) => u.to_string(),
        Value::String(Some(s)) => s.to_string(),
        other => format!("{other:?}"),
    }
}
