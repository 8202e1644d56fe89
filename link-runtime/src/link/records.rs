//! Checking that the records a create links exist and are live: inside the upsert itself where
//! the database allows, else one batched query per side.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ConnectionTrait, Value};

use super::PreparedPair;
use crate::definition::LinkSpec;
use crate::error::{Error, Result};
use crate::linkable::{KeyKind, ModelInfo, key_values};
use crate::registry::{LinkEntry, Links, ModuleBinding};
use crate::sql::{Dialect, RecordCheck, RecordTable, live, read_key};

/// The record checks of `spec` that its upsert can make itself. That takes a statement whose
/// rows come back (`RETURNING`, so PostgreSQL, SQLite and MariaDB: a pair missing from them had
/// a missing record), a record table on the caller's connection, and a string key (the link table's
/// column type, so no cast keeps the key's index from serving the check). The other sides are
/// checked beforehand by [`check_live`].
pub(crate) fn inline_checks(links: &Links, dialect: &Dialect, spec: &LinkSpec) -> Vec<RecordCheck> {
    if !dialect.inserts_return_rows {
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
            (home && model.key_kind == KeyKind::String).then_some(RecordCheck {
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
    skip: &[Vec<RecordCheck>],
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
/// [`Dialect::lock_shared`]).
pub(crate) async fn existing_ids(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    table: &str,
    ids: &[&str],
    live_only: bool,
    share_lock: bool,
) -> Result<HashSet<String>> {
    let dialect = Dialect::of(conn);
    let records = RecordTable { name: table, model };
    let mut found = HashSet::with_capacity(ids.len());
    let values: Vec<(String, Value)> = ids
        .iter()
        .map(|id| id.to_string())
        .zip(key_values(model, ids)?)
        .collect();
    for chunk in values.chunks(dialect.rows_per_statement(1)) {
        let keys: Vec<Value> = chunk.iter().map(|(_, v)| v.clone()).collect();
        let mut select = records.select_keys(dialect, &keys, false);
        if live_only && model.soft_deletable {
            select.and_where(live());
        }
        if share_lock {
            dialect.lock_shared(&mut select);
        }
        let rows = conn
            .query_all(&select)
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

fn value_text(value: &Value) -> String {
    match value {
        Value::BigInt(Some(i)) => i.to_string(),
        Value::Uuid(Some(u)) => u.to_string(),
        Value::String(Some(s)) => s.to_string(),
        other => format!("{other:?}"),
    }
}
