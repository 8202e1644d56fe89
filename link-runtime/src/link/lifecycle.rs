//! Deleting records with everything linked to them, and restoring exactly that.
//!
//! `delete` soft-deletes the named records, dismisses every live link row touching them in every
//! link table, and follows `delete_cascade` sides to the linked records, recursively, each record
//! once, all with one stamp. `restore` walks the same graph back, reviving only what carries the
//! named record's stamp, and refuses (restoring nothing) where a revived link would break
//! cardinality.
//!
//! Stamps: link tables store them to the microsecond, so link rows match a stamp exactly. A
//! module's own `deleted_at` may be coarser (MySQL's `timestamp` keeps whole seconds): records
//! match a stamp within one second. Give module tables microsecond timestamps (`timestamptz`,
//! `datetime(6)`) where two deletes of linked records may fall within the same second.
//!
//! Atomicity: everything on the registry's home connection (link tables and the records of
//! modules bound with `module`) is written in one transaction — on the caller's connection, so
//! inside a caller's transaction too. Records of modules bound with `module_on` live on other
//! connections: they are written, one transaction per connection, after the walk and before the
//! home transaction commits. If one of those writes (or the home commit) fails, the home
//! transaction is rolled back and the remote writes already committed are undone by their
//! stamp, so nothing of the operation remains; only if an undo fails too does the error list
//! the records whose change remains. (Across connections this is compensation, not a
//! distributed transaction: another reader can briefly see a remote record deleted.)

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use super::PreparedPair;
use super::conflict;
use crate::dialect::{Sql, rows_per_statement};
use crate::error::{Error, Result};
use crate::events::{EventRow, LinkEvent, LinkEventKind};
use crate::key::Key;
use crate::linkable::{Linkable, ModelInfo};
use crate::registry::{LinkEntry, Links, ModuleBinding};
use crate::stamp::next_stamp;

/// What a [`Links::delete`] or [`Links::restore`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LifecycleReport {
    /// The stamp every `deleted_at` of a delete got; for a restore, the stamps it matched.
    pub stamps: Vec<DateTime<Utc>>,
    /// Records found, per `module.model`: soft-deleted (or restored), or, for a model without
    /// `deleted_at`, found and unlinked.
    pub records: BTreeMap<String, BTreeSet<String>>,
    /// Link rows dismissed (or revived), per link, as (left id, right id).
    pub links: BTreeMap<String, BTreeSet<(String, String)>>,
}

/// Records of one model waiting to be visited.
struct Visit {
    model: ModelInfo,
    ids: Vec<String>,
}

fn model_id(model: &ModelInfo) -> (&'static str, &'static str) {
    (model.module, model.name)
}

impl Links {
    /// Soft-deletes the records `ids` of model `M`, every live link row touching them in every
    /// link table, and, for sides marked `delete_cascade`, the linked records too, recursively.
    /// Ids that do not exist are not an error (cleanup after a hard delete works); the report
    /// says what was found.
    pub async fn delete<M, C>(
        &self,
        conn: &C,
        ids: impl IntoIterator<Item = Key<M>>,
    ) -> Result<LifecycleReport>
    where
        M: Linkable,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let ids = ids.into_iter().map(Key::into_string).collect();
        self.delete_records(conn, vec![(M::MODEL, ids)]).await
    }

    /// Reverses a [`Links::delete`] of the records `ids` of model `M`: revives them and only the
    /// link rows and cascaded records whose `deleted_at` equals theirs (links dismissed earlier
    /// stay dismissed). A revived link that would break cardinality is a `Conflict`, and nothing
    /// is restored.
    pub async fn restore<M, C>(
        &self,
        conn: &C,
        ids: impl IntoIterator<Item = Key<M>>,
    ) -> Result<LifecycleReport>
    where
        M: Linkable,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let ids = ids.into_iter().map(Key::into_string).collect();
        self.restore_records(conn, vec![(M::MODEL, ids)]).await
    }

    /// Deletes the records of several models as one operation (one stamp, one transaction).
    pub(crate) async fn delete_records<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        self.retrying_unless_remote(conn, || self.delete_records_once(conn, roots.clone()))
            .await
    }

    async fn delete_records_once<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let stamp = next_stamp();
        let mut report = LifecycleReport {
            stamps: vec![stamp],
            ..Default::default()
        };
        let mut elsewhere: Vec<(ModelInfo, Vec<String>, Step)> = Vec::new();
        let mut events: Vec<LinkEvent> = Vec::new();
        let txn = conn
            .begin()
            .await
            .map_err(Error::database("starting the delete"))?;
        let walked = self
            .walk(
                &txn,
                roots,
                &mut report,
                &mut events,
                &mut elsewhere,
                Step::Delete(stamp),
            )
            .await;
        self.finish_with_elsewhere(txn, walked, elsewhere, &mut report, "delete")
            .await?;
        self.publish(conn, events);
        Ok(report)
    }

    /// Restores the records of several models, each with the stamp it was deleted with.
    pub(crate) async fn restore_records<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        self.retrying_unless_remote(conn, || self.restore_records_once(conn, roots.clone()))
            .await
    }

    async fn restore_records_once<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let mut report = LifecycleReport::default();
        let mut elsewhere: Vec<(ModelInfo, Vec<String>, Step)> = Vec::new();
        let mut events: Vec<LinkEvent> = Vec::new();
        let txn = conn
            .begin()
            .await
            .map_err(Error::database("starting the restore"))?;
        let walked = async {
            // Each named record is restored with the stamp it was deleted with; records of one
            // stamp are walked together.
            let mut by_stamp: BTreeMap<DateTime<Utc>, Vec<(ModelInfo, Vec<String>)>> =
                BTreeMap::new();
            for (root, ids) in &roots {
                for (stamp, ids) in self.deletion_stamps(&txn, root, ids).await? {
                    by_stamp.entry(stamp).or_default().push((*root, ids));
                }
            }
            for (stamp, group) in by_stamp {
                report.stamps.push(stamp);
                let revived = next_stamp();
                self.walk(
                    &txn,
                    group,
                    &mut report,
                    &mut events,
                    &mut elsewhere,
                    Step::Restore { stamp, revived },
                )
                .await?;
            }
            Ok(())
        }
        .await;
        match walked {
            Err(Failure::Conflict(entry, pairs)) => {
                let _ = txn.rollback().await;
                let err = conflict::diagnose(conn, &entry, &pairs).await;
                return Err(match err {
                    Error::Conflict { link, message } => Error::Conflict {
                        link,
                        message: format!("nothing was restored: {message}"),
                    },
                    other => other,
                });
            }
            other => {
                self.finish_with_elsewhere(txn, other, elsewhere, &mut report, "restore")
                    .await?
            }
        }
        self.publish(conn, events);
        Ok(report)
    }

    /// Runs a delete or restore, again after a deadlock ([`super::retrying`]) unless some module
    /// lives on a connection of its own: remote writes are compensated, not rolled back, so
    /// those run once.
    async fn retrying_unless_remote<C, F, Fut>(
        &self,
        conn: &C,
        mut attempt: F,
    ) -> Result<LifecycleReport>
    where
        C: 'static,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<LifecycleReport>>,
    {
        let remote = self
            .inner
            .modules
            .values()
            .any(|binding| matches!(binding, ModuleBinding::Elsewhere(_)));
        if remote {
            attempt().await
        } else {
            super::retrying(conn, attempt).await
        }
    }

    /// Ends an operation: if the walk succeeded, writes the records of modules on other
    /// connections (each in its own transaction), then commits the home transaction. If any of
    /// that fails, the home transaction is rolled back and the remote writes already committed
    /// are undone by stamp, so nothing of the operation remains; the error says so, or says
    /// exactly what remains if an undo failed too.
    async fn finish_with_elsewhere<T: TransactionSession>(
        &self,
        txn: T,
        walked: std::result::Result<(), Failure>,
        elsewhere: Vec<(ModelInfo, Vec<String>, Step)>,
        report: &mut LifecycleReport,
        what: &str,
    ) -> Result<()> {
        if let Err(failure) = walked {
            let _ = txn.rollback().await;
            return Err(failure.into_error(what));
        }
        let mut applied: Vec<(ModelInfo, Vec<String>, Step)> = Vec::new();
        let mut failed: Option<(Error, String)> = None;
        for (model, ids, step) in elsewhere {
            match self.write_remote(&model, &ids, step).await {
                Ok(found) => {
                    if !found.is_empty() {
                        report
                            .records
                            .entry(model.qualified_name())
                            .or_default()
                            .extend(found.iter().cloned());
                    }
                    applied.push((model, found, step));
                }
                Err(err) => {
                    let place =
                        format!("the {} records {}", model.qualified_name(), ids.join(", "));
                    failed = Some((err, place));
                    break;
                }
            }
        }
        let failed = match failed {
            Some(failed) => {
                let _ = txn.rollback().await;
                failed
            }
            None => match txn.commit().await {
                Ok(()) => return Ok(()),
                Err(err) => (
                    Error::Database {
                        context: format!("committing the {what}"),
                        source: err,
                    },
                    "the home connection".to_string(),
                ),
            },
        };
        let (cause, place) = failed;
        let mut left = Vec::new();
        for (model, ids, step) in applied.iter().rev() {
            if self.write_remote(model, ids, step.undo()).await.is_err() {
                left.push(format!("{} {}", model.qualified_name(), ids.join(", ")));
            }
        }
        let outcome = if left.is_empty() {
            "nothing was changed".to_string()
        } else {
            format!(
                "the {what} of these records on their own connections could not be undone and remains: {}",
                left.join("; ")
            )
        };
        Err(match cause {
            Error::Database { context, source } => Error::Database {
                context: format!("{what} failed writing {place} ({context}); {outcome}"),
                source,
            },
            other => Error::Database {
                context: format!("{what} failed writing {place}; {outcome}"),
                source: sea_orm::DbErr::Custom(other.to_string()),
            },
        })
    }

    /// Visits records breadth-first: their own row, then every link table touching their model,
    /// then the records on `delete_cascade` sides. Each record is visited once.
    async fn walk(
        &self,
        txn: &impl ConnectionTrait,
        roots: Vec<(ModelInfo, Vec<String>)>,
        report: &mut LifecycleReport,
        events: &mut Vec<LinkEvent>,
        elsewhere: &mut Vec<(ModelInfo, Vec<String>, Step)>,
        step: Step,
    ) -> std::result::Result<(), Failure> {
        let mut queue: VecDeque<Visit> = roots
            .into_iter()
            .map(|(model, ids)| Visit { model, ids })
            .collect();
        let mut seen: HashSet<((&str, &str), String)> = HashSet::new();
        while let Some(Visit { model, ids }) = queue.pop_front() {
            let ids: Vec<String> = ids
                .into_iter()
                .filter(|id| seen.insert((model_id(&model), id.clone())))
                .collect();
            if ids.is_empty() {
                continue;
            }
            match self.binding(model.module) {
                Some(ModuleBinding::Elsewhere(_)) => elsewhere.push((model, ids.clone(), step)),
                _ => {
                    let found = stamp_records(txn, &model, &ids, step).await?;
                    if !found.is_empty() {
                        report
                            .records
                            .entry(model.qualified_name())
                            .or_default()
                            .extend(found);
                    }
                }
            }
            for entry in self.inner.links.iter().filter(|e| !e.spec.read_only) {
                for touching_left in [true, false] {
                    let (side, other) = if touching_left {
                        (&entry.spec.left, &entry.spec.right)
                    } else {
                        (&entry.spec.right, &entry.spec.left)
                    };
                    if model_id(&side.model) != model_id(&model) {
                        continue;
                    }
                    let rows = stamp_link_rows(txn, entry, touching_left, &ids, step).await?;
                    if rows.is_empty() {
                        continue;
                    }
                    let pairs: Vec<(String, String)> = rows
                        .iter()
                        .map(|r| (r.left.clone(), r.right.clone()))
                        .collect();
                    events.push(LinkEvent {
                        link: entry.spec.name,
                        kind: match step {
                            Step::Delete(_) => LinkEventKind::Detached,
                            Step::Restore { .. } => LinkEventKind::Attached,
                        },
                        rows,
                    });
                    if other.delete_cascade {
                        let partners = pairs
                            .iter()
                            .map(|(l, r)| if touching_left { r.clone() } else { l.clone() })
                            .collect();
                        queue.push_back(Visit {
                            model: other.model,
                            ids: partners,
                        });
                    }
                    report
                        .links
                        .entry(entry.spec.name.to_string())
                        .or_default()
                        .extend(pairs);
                }
            }
        }
        Ok(())
    }

    /// The stamp each named record was deleted with: its own `deleted_at`, or, for a model that
    /// cannot be soft-deleted, the latest `deleted_at` among the link rows touching it.
    async fn deletion_stamps(
        &self,
        txn: &impl ConnectionTrait,
        model: &ModelInfo,
        ids: &[String],
    ) -> std::result::Result<BTreeMap<DateTime<Utc>, Vec<String>>, Failure> {
        let mut stamps: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        let backend = txn.get_database_backend();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let on_home = !matches!(
            self.binding(model.module),
            Some(ModuleBinding::Elsewhere(_))
        );
        if let (true, Some(table), true) = (model.soft_deletable, model.table, on_home) {
            let values = super::records::key_values(model, &id_refs)?;
            for chunk in ids
                .iter()
                .zip(values)
                .collect::<Vec<_>>()
                .chunks(rows_per_statement(backend, 1))
            {
                let mut sql = Sql::new(backend);
                sql.push("SELECT ");
                select_key_as_text(&mut sql, model);
                sql.push(", ")
                    .ident("deleted_at")
                    .push(" FROM ")
                    .ident(table)
                    .push(" WHERE ");
                sql.ident(model.primary_key)
                    .push(" IN ")
                    .param_list(chunk.iter().map(|(_, v)| v.clone()))
                    .push(" AND ")
                    .ident("deleted_at")
                    .push(" IS NOT NULL");
                for row in query(txn, sql, "reading deletion stamps").await? {
                    if let (Ok(id), Ok(at)) = (
                        row.try_get::<String>("", "key_text"),
                        row.try_get::<DateTime<Utc>>("", "deleted_at"),
                    ) {
                        stamps.insert(id, at);
                    }
                }
            }
        } else {
            // No deleted_at of its own: the latest stamp among its dismissed link rows.
            for (id, ats) in self.link_row_stamps(txn, model, ids).await? {
                if let Some(latest) = ats.into_iter().max() {
                    stamps.insert(id, latest);
                }
            }
        }
        // A record's own column may have cut the stamp to the second (MySQL's `timestamp`):
        // then the operation's exact stamp is the latest one its link rows carry within a second
        // of the record's (a delete dismisses every live link of the record, so none touching it
        // is dismissed later). A stamp with its microseconds is exact already: a link dismissed
        // a moment before the delete must not be taken for the delete's.
        let coarse = |at: &DateTime<Utc>| at.timestamp_subsec_micros() == 0;
        if model.soft_deletable && stamps.values().any(coarse) {
            let exact = self.link_row_stamps(txn, model, ids).await?;
            for (id, at) in stamps.iter_mut().filter(|(_, at)| coarse(at)) {
                let second = chrono::TimeDelta::seconds(1);
                if let Some(closest) = exact
                    .get(id)
                    .into_iter()
                    .flatten()
                    .filter(|s| (**s - *at).abs() <= second)
                    .max()
                {
                    *at = *closest;
                }
            }
        }
        let mut by_stamp: BTreeMap<DateTime<Utc>, Vec<String>> = BTreeMap::new();
        for (id, at) in stamps {
            by_stamp.entry(at).or_default().push(id);
        }
        Ok(by_stamp)
    }

    /// Every distinct `deleted_at` of dismissed link rows touching `ids` of `model`, per id.
    async fn link_row_stamps(
        &self,
        txn: &impl ConnectionTrait,
        model: &ModelInfo,
        ids: &[String],
    ) -> std::result::Result<BTreeMap<String, Vec<DateTime<Utc>>>, Failure> {
        let backend = txn.get_database_backend();
        let mut found: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
        for entry in self.inner.links.iter().filter(|e| !e.spec.read_only) {
            for side in [&entry.spec.left, &entry.spec.right] {
                if model_id(&side.model) != model_id(model) {
                    continue;
                }
                for chunk in ids.chunks(rows_per_statement(backend, 1)) {
                    let mut sql = Sql::new(backend);
                    sql.push("SELECT DISTINCT ")
                        .ident(side.model.key)
                        .push(" AS key_text, ")
                        .ident("deleted_at")
                        .push(" FROM ")
                        .ident(&entry.names.table)
                        .push(" WHERE ")
                        .ident(side.model.key)
                        .push(" IN ")
                        .param_list(chunk.iter().cloned())
                        .push(" AND ")
                        .ident("deleted_at")
                        .push(" IS NOT NULL");
                    for row in query(txn, sql, "reading link stamps").await? {
                        if let (Ok(id), Ok(at)) = (
                            row.try_get::<String>("", "key_text"),
                            row.try_get::<DateTime<Utc>>("", "deleted_at"),
                        ) {
                            found.entry(id).or_default().push(at);
                        }
                    }
                }
            }
        }
        Ok(found)
    }

    /// Applies `step` to records of a module on its own connection, in one transaction.
    async fn write_remote(
        &self,
        model: &ModelInfo,
        ids: &[String],
        step: Step,
    ) -> Result<Vec<String>> {
        let Some(ModuleBinding::Elsewhere(conn)) = self.binding(model.module) else {
            return Ok(Vec::new());
        };
        let context = format!(
            "writing {} records on their own connection",
            model.qualified_name()
        );
        let txn = conn
            .begin()
            .await
            .map_err(Error::database(context.clone()))?;
        match stamp_records(&txn, model, ids, step).await {
            Ok(found) => {
                txn.commit().await.map_err(Error::database(context))?;
                Ok(found)
            }
            Err(failure) => {
                let _ = txn.rollback().await;
                Err(failure.into_error(&context))
            }
        }
    }
}

/// What a walk does to what it visits.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Set `deleted_at` to this stamp.
    Delete(DateTime<Utc>),
    /// Clear `deleted_at` where it equals `stamp`; `revived` is the new `updated_at`.
    Restore {
        stamp: DateTime<Utc>,
        revived: DateTime<Utc>,
    },
}

impl Step {
    /// The step that reverses this one on records.
    fn undo(self) -> Step {
        match self {
            Step::Delete(stamp) => Step::Restore {
                stamp,
                revived: next_stamp(),
            },
            Step::Restore { stamp, .. } => Step::Delete(stamp),
        }
    }
}

/// Why a walk stopped.
enum Failure {
    Refused(Error),
    Database(sea_orm::DbErr, String),
    /// Reviving these rows of this link broke its cardinality.
    Conflict(Box<LinkEntry>, Vec<PreparedPair>),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Refused(err)
    }
}

impl Failure {
    fn into_error(self, what: &str) -> Error {
        match self {
            Failure::Refused(err) => err,
            Failure::Database(source, context) => Error::Database {
                context: format!("{what}: {context}"),
                source,
            },
            Failure::Conflict(entry, _) => Error::Conflict {
                link: entry.spec.name,
                message: format!(
                    "link {}: reviving its rows would break its cardinality",
                    entry.spec.display_name()
                ),
            },
        }
    }
}

async fn query(
    conn: &impl ConnectionTrait,
    sql: Sql,
    what: &str,
) -> std::result::Result<Vec<sea_orm::QueryResult>, Failure> {
    conn.query_all_raw(sql.build())
        .await
        .map_err(|e| Failure::Database(e, what.to_string()))
}

fn select_key_as_text(sql: &mut Sql, model: &ModelInfo) {
    // Integer and UUID keys are compared as the text the link tables hold.
    let text = if sql.backend() == sea_orm::DbBackend::MySql {
        "char"
    } else {
        "text"
    };
    if model.key_kind == crate::linkable::KeyKind::String {
        sql.ident(model.primary_key).push(" AS key_text");
    } else {
        sql.push("CAST(")
            .ident(model.primary_key)
            .push(&format!(" AS {text}) AS key_text"));
    }
}

/// Soft-deletes (or restores) the records of one model in its own table; returns the ids found.
/// A model without `deleted_at` is only looked up; an external model (no table) is reported as
/// given.
async fn stamp_records(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    step: Step,
) -> std::result::Result<Vec<String>, Failure> {
    let Some(table) = model.table else {
        return Ok(match step {
            Step::Delete(_) => ids.to_vec(),
            Step::Restore { .. } => Vec::new(),
        });
    };
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let backend = conn.get_database_backend();
    if let Step::Delete(stamp) = step
        && model.soft_deletable
        && backend != sea_orm::DbBackend::MySql
    {
        // One statement a chunk: the records stamped are the ones found.
        let mut found = Vec::with_capacity(ids.len());
        for chunk in
            super::records::key_values(model, &id_refs)?.chunks(rows_per_statement(backend, 2))
        {
            let mut sql = Sql::new(backend);
            sql.push("UPDATE ")
                .ident(table)
                .push(" SET ")
                .ident("deleted_at")
                .push(" = ")
                .param(stamp)
                .push(" WHERE ")
                .ident(model.primary_key)
                .push(" IN ")
                .param_list(chunk.iter().cloned())
                .push(" RETURNING ");
            select_key_as_text(&mut sql, model);
            let what = format!("stamping {} records", model.qualified_name());
            for row in query(conn, sql, &what).await? {
                if let Ok(id) = row.try_get::<String>("", "key_text") {
                    found.push(id);
                }
            }
        }
        found.sort();
        return Ok(found);
    }
    let found = match step {
        Step::Delete(_) => {
            super::records::existing_ids(conn, model, table, &id_refs, false, false).await?
        }
        Step::Restore { stamp, .. } if model.soft_deletable => {
            deleted_with(conn, model, table, ids, stamp).await?
        }
        Step::Restore { .. } => return Ok(Vec::new()),
    };
    if model.soft_deletable && !found.is_empty() {
        let found_refs: Vec<&str> = found.iter().map(String::as_str).collect();
        let values = super::records::key_values(model, &found_refs)?;
        for chunk in values.chunks(rows_per_statement(backend, 2)) {
            let mut sql = Sql::new(backend);
            sql.push("UPDATE ")
                .ident(table)
                .push(" SET ")
                .ident("deleted_at")
                .push(" = ");
            match step {
                Step::Delete(stamp) => {
                    sql.param(stamp);
                }
                Step::Restore { .. } => {
                    sql.push("NULL");
                }
            }
            sql.push(" WHERE ")
                .ident(model.primary_key)
                .push(" IN ")
                .param_list(chunk.iter().cloned());
            conn.execute_raw(sql.build()).await.map_err(|e| {
                Failure::Database(e, format!("stamping {} records", model.qualified_name()))
            })?;
        }
    }
    let mut found: Vec<String> = found.into_iter().collect();
    found.sort();
    Ok(found)
}

/// A module's own `deleted_at` column may keep less than microseconds (MySQL's `timestamp`
/// rounds to the second), so a record matches a stamp within one second of it. Link tables,
/// whose columns we create, match exactly.
fn record_stamp_matches(sql: &mut Sql, stamp: DateTime<Utc>) {
    let second = chrono::TimeDelta::seconds(1);
    sql.ident("deleted_at")
        .push(" >= ")
        .param(stamp - second)
        .push(" AND ")
        .ident("deleted_at")
        .push(" <= ")
        .param(stamp + second);
}

/// The ids among `ids` whose record carries the stamp `stamp` (see [`record_stamp_matches`]).
async fn deleted_with(
    conn: &impl ConnectionTrait,
    model: &ModelInfo,
    table: &str,
    ids: &[String],
    stamp: DateTime<Utc>,
) -> std::result::Result<HashSet<String>, Failure> {
    let backend = conn.get_database_backend();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let values = super::records::key_values(model, &id_refs)?;
    let mut found = HashSet::new();
    for chunk in values.chunks(rows_per_statement(backend, 2)) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ");
        select_key_as_text(&mut sql, model);
        sql.push(" FROM ")
            .ident(table)
            .push(" WHERE ")
            .ident(model.primary_key)
            .push(" IN ")
            .param_list(chunk.iter().cloned())
            .push(" AND ");
        record_stamp_matches(&mut sql, stamp);
        for row in query(conn, sql, "reading deleted records").await? {
            if let Ok(id) = row.try_get::<String>("", "key_text") {
                found.insert(id);
            }
        }
    }
    Ok(found)
}

/// Dismisses the live rows of one link table touching `ids` on one side (or revives the rows
/// dismissed with the walk's stamp). Returns the pairs changed.
async fn stamp_link_rows(
    conn: &impl ConnectionTrait,
    entry: &LinkEntry,
    touching_left: bool,
    ids: &[String],
    step: Step,
) -> std::result::Result<Vec<EventRow>, Failure> {
    let backend = conn.get_database_backend();
    let (left, right) = (entry.spec.left.model.key, entry.spec.right.model.key);
    let key = if touching_left { left } else { right };
    let mut pairs = Vec::new();
    for chunk in ids.chunks(rows_per_statement(backend, 2)) {
        let condition = |sql: &mut Sql| {
            sql.ident(key)
                .push(" IN ")
                .param_list(chunk.iter().cloned())
                .push(" AND ");
            match step {
                Step::Delete(_) => {
                    sql.ident("deleted_at").push(" IS NULL");
                }
                Step::Restore { stamp, .. } => {
                    sql.ident("deleted_at").push(" = ").param(stamp);
                }
            }
        };
        if let Step::Delete(stamp) = step
            && backend != sea_orm::DbBackend::MySql
        {
            // One statement: the rows dismissed come back from the UPDATE itself.
            let mut update = super::write::dismiss_statement(backend, entry, stamp);
            condition(&mut update);
            update
                .push(" RETURNING ")
                .ident(left)
                .push(", ")
                .ident(right)
                .push(", ")
                .ident("id");
            let what = format!("updating link rows of {}", entry.spec.display_name());
            pairs.extend(event_rows(query(conn, update, &what).await?, left, right));
            continue;
        }
        let mut select = Sql::new(backend);
        select
            .push("SELECT ")
            .ident(left)
            .push(", ")
            .ident(right)
            .push(", ")
            .ident("id")
            .push(" FROM ")
            .ident(&entry.names.table)
            .push(" WHERE ");
        condition(&mut select);
        if backend != sea_orm::DbBackend::Sqlite {
            select.push(" FOR UPDATE");
        }
        let found = event_rows(query(conn, select, "reading link rows").await?, left, right);
        if found.is_empty() {
            continue;
        }
        let mut update = Sql::new(backend);
        update
            .push("UPDATE ")
            .ident(&entry.names.table)
            .push(" SET ")
            .ident("deleted_at")
            .push(" = ");
        match step {
            Step::Delete(stamp) => {
                update
                    .param(stamp)
                    .push(", ")
                    .ident("updated_at")
                    .push(" = ")
                    .param(stamp);
            }
            Step::Restore { revived, .. } => {
                update
                    .push("NULL, ")
                    .ident("updated_at")
                    .push(" = ")
                    .param(revived);
            }
        }
        update.push(" WHERE ");
        condition(&mut update);
        if let Err(err) = conn.execute_raw(update.build()).await {
            if matches!(step, Step::Restore { .. })
                && crate::dialect::is_unique_violation(backend, &err)
            {
                let pairs = found
                    .into_iter()
                    .map(|row| PreparedPair {
                        left: row.left,
                        right: row.right,
                        named: Vec::new(),
                        insert_only: Vec::new(),
                    })
                    .collect();
                return Err(Failure::Conflict(Box::new(entry.clone()), pairs));
            }
            return Err(Failure::Database(
                err,
                format!("updating link rows of {}", entry.spec.display_name()),
            ));
        }
        pairs.extend(found);
    }
    Ok(pairs)
}

/// Link rows read as (id, left, right).
fn event_rows(rows: Vec<sea_orm::QueryResult>, left: &str, right: &str) -> Vec<EventRow> {
    rows.iter()
        .filter_map(|row| {
            Some(EventRow {
                left: row.try_get::<String>("", left).ok()?,
                right: row.try_get::<String>("", right).ok()?,
                id: row.try_get::<String>("", "id").ok()?,
            })
        })
        .collect()
}
