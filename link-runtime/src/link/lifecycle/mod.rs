//! Deleting records with everything linked to them, and restoring exactly that (SPEC §8).
//!
//! `delete` soft-deletes the named records, dismisses every live link row touching them in every
//! link table, and follows `delete_cascade` sides to the linked records, recursively, each record
//! once ([`delete`]). `restore` walks the same graph back, reviving only what carries the named
//! record's stamp, never a link to a record that stays deleted, and refuses (restoring nothing)
//! where a revived link would break cardinality ([`restore`]).
//!
//! Stamps: link tables store them to the microsecond, so link rows match a stamp exactly. A
//! module's own `deleted_at` may be coarser (MySQL's `timestamp` keeps whole seconds): records
//! match a stamp's second too ([`records::carries`]). Give module tables microsecond timestamps
//! (`timestamptz`, `datetime(6)`) where two deletes of linked records may fall within the same
//! second.
//!
//! Atomicity: everything on the registry's home connection (link tables and the records of
//! modules bound with `module`) is written in one transaction — on the caller's connection, so
//! inside a caller's transaction too. Records of modules bound with `module_on` live on other
//! connections: they are read during the walk and written, one transaction per connection,
//! after it and before the home transaction commits. If one of those writes (or the home
//! commit) fails, the home transaction is rolled back and the remote writes already committed
//! are undone by their stamp, so nothing of the operation remains; only if an undo fails too
//! does the error list the records whose change remains. (Across connections this is
//! compensation, not a distributed transaction: another reader can briefly see a remote record
//! deleted.)

mod delete;
mod deletions;
mod link_rows;
mod records;
mod restore;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionSession};

use super::conflict;
use super::failure::Failure;
use crate::error::{Error, Result};
use crate::events::{LinkConnection, LinkEvent};
use crate::key::Key;
use crate::linkable::{Linkable, ModelInfo};
use crate::registry::{LinkEntry, Links, ModuleBinding};
use crate::stamp::next_stamp;

/// What a [`Links::delete`] or [`Links::restore`] changed.
///
/// Example: [the service example](crate#service-example).
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

/// Records of one model to visit, with the stamp the walk carries to them.
struct Visit {
    model: ModelInfo,
    ids: Vec<String>,
    stamp: DateTime<Utc>,
}

/// What the records of a module on its own connection get once the walk is done.
struct RemoteWrite {
    model: ModelInfo,
    ids: Vec<String>,
    step: Step,
}

/// What one delete or restore collects as it goes.
#[derive(Default)]
struct Run {
    report: LifecycleReport,
    events: Vec<LinkEvent>,
    elsewhere: Vec<RemoteWrite>,
    /// Every record visited, so each is visited once (cycles end).
    seen: HashSet<((&'static str, &'static str), String)>,
}

impl Run {
    /// The ones of `ids` not visited yet, marked visited.
    fn unseen(&mut self, model: &ModelInfo, ids: Vec<String>) -> Vec<String> {
        ids.into_iter()
            .filter(|id| self.seen.insert(((model.module, model.name), id.clone())))
            .collect()
    }

    /// Reports records of `model` as found (deleted, restored, or unlinked).
    fn found(&mut self, model: &ModelInfo, ids: impl IntoIterator<Item = String>) {
        let mut ids = ids.into_iter().peekable();
        if ids.peek().is_some() {
            self.report
                .records
                .entry(model.qualified_name())
                .or_default()
                .extend(ids);
        }
    }
}

/// Every side of a stored link that `model` is on: the link, whether that side is its left,
/// and the other side (a link from a model to itself gives both).
fn sides_on<'a>(
    links: &'a Links,
    model: &'a ModelInfo,
) -> impl Iterator<Item = (&'a LinkEntry, bool, &'a crate::definition::Side)> {
    links
        .stored_entries()
        .flat_map(|entry| {
            [
                (entry, true, &entry.spec.left, &entry.spec.right),
                (entry, false, &entry.spec.right, &entry.spec.left),
            ]
        })
        .filter(move |(_, _, near, _)| near.model.is(model))
        .map(|(entry, touching_left, _, far)| (entry, touching_left, far))
}

/// What a restore refused by cardinality says first: that nothing was restored, and the link
/// rows it would have revived (the first few), so the caller sees which restore to retry.
fn refused_revival(pairs: &[super::PreparedPair]) -> String {
    const SHOWN: usize = 5;
    let mut shown: Vec<String> = pairs
        .iter()
        .take(SHOWN)
        .map(|pair| {
            format!(
                "{} → {}",
                crate::input::shown(&pair.left),
                crate::input::shown(&pair.right)
            )
        })
        .collect();
    if pairs.len() > SHOWN {
        shown.push(format!("{} more", pairs.len() - SHOWN));
    }
    format!(
        "nothing was restored (it would revive {})",
        shown.join(", ")
    )
}

/// The records at the far end of `rows`, reached from their left side when `from_left`.
fn partners(rows: &[crate::events::EventRow], from_left: bool) -> Vec<String> {
    rows.iter()
        .map(|row| {
            if from_left {
                row.right.clone()
            } else {
                row.left.clone()
            }
        })
        .collect()
}

impl Links {
    /// Soft-deletes the records `ids` of model `M`, every live link row touching them in every
    /// link table, and, for sides marked `delete_cascade`, the linked records too, recursively.
    /// Ids that do not exist are not an error (cleanup after a hard delete works); the report
    /// says what was found.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn delete<M, C>(
        &self,
        conn: &C,
        ids: impl IntoIterator<Item = Key<M>>,
    ) -> Result<LifecycleReport>
    where
        M: Linkable,
        C: LinkConnection,
    {
        let ids = super::canonical_keys(ids)?;
        self.delete_records(conn, vec![(M::MODEL, ids)]).await
    }

    /// Reverses a [`Links::delete`] of the records `ids` of model `M`: revives them and only the
    /// link rows and cascaded records whose `deleted_at` equals theirs (links dismissed earlier
    /// stay dismissed). A revived link that would break cardinality is a `Conflict`, and nothing
    /// is restored.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn restore<M, C>(
        &self,
        conn: &C,
        ids: impl IntoIterator<Item = Key<M>>,
    ) -> Result<LifecycleReport>
    where
        M: Linkable,
        C: LinkConnection,
    {
        let ids = super::canonical_keys(ids)?;
        self.restore_records(conn, vec![(M::MODEL, ids)]).await
    }

    /// Deletes the records of several models as one operation (one stamp, one transaction).
    pub(crate) async fn delete_records<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: LinkConnection,
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
        C: LinkConnection,
    {
        let mut run = Run::default();
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the delete"))?;
        let walked = delete::walk(self, &txn, roots, next_stamp(), &mut run).await;
        self.finish_with_elsewhere(txn, walked, run.elsewhere, &mut run.report, "delete")
            .await?;
        self.publish(conn, run.events);
        Ok(run.report)
    }

    /// Restores the records of several models, each with the stamp it was deleted with.
    pub(crate) async fn restore_records<C>(
        &self,
        conn: &C,
        roots: Vec<(ModelInfo, Vec<String>)>,
    ) -> Result<LifecycleReport>
    where
        C: LinkConnection,
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
        C: LinkConnection,
    {
        let mut run = Run::default();
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the restore"))?;
        let walked = restore::walk(self, &txn, roots, &mut run).await;
        match walked {
            Err(Failure::Conflict(entry, pairs)) => {
                let _ = txn.rollback().await;
                let err = conflict::diagnose(conn, &entry, &pairs).await;
                return Err(err.conflict_in(&refused_revival(&pairs)));
            }
            other => {
                self.finish_with_elsewhere(txn, other, run.elsewhere, &mut run.report, "restore")
                    .await?
            }
        }
        self.publish(conn, run.events);
        Ok(run.report)
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
        C: LinkConnection,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<LifecycleReport>>,
    {
        if self.has_modules_elsewhere() {
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
        elsewhere: Vec<RemoteWrite>,
        report: &mut LifecycleReport,
        what: &str,
    ) -> Result<()> {
        if let Err(failure) = walked {
            let _ = txn.rollback().await;
            return Err(failure.into_error(what));
        }
        let mut applied: Vec<RemoteWrite> = Vec::new();
        let mut failed: Option<(Error, String)> = None;
        for RemoteWrite { model, ids, step } in elsewhere {
            match self.write_remote(&model, &ids, step).await {
                Ok(found) => {
                    if !found.is_empty() {
                        report
                            .records
                            .entry(model.qualified_name())
                            .or_default()
                            .extend(found.iter().cloned());
                    }
                    applied.push(RemoteWrite {
                        model,
                        ids: found,
                        step,
                    });
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
        for RemoteWrite { model, ids, step } in applied.iter().rev() {
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
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database(context.clone()))?;
        let written = match step {
            Step::Delete(stamp) => records::stamp_live(&txn, model, ids, stamp).await,
            Step::Restore(stamp) => records::revive(&txn, model, ids, stamp).await,
        };
        match written {
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

/// What records on their own connection get.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The live ones are soft-deleted with this stamp.
    Delete(DateTime<Utc>),
    /// Those deleted with this stamp are revived.
    Restore(DateTime<Utc>),
}

impl Step {
    /// The step that reverses this one.
    fn undo(self) -> Step {
        match self {
            Step::Delete(stamp) => Step::Restore(stamp),
            Step::Restore(stamp) => Step::Delete(stamp),
        }
    }
}

/// A record's own column may have cut a stamp of ours to the second (MySQL's `timestamp`):
/// then the operation's exact stamp is the latest one the link rows touching it carry within a
/// second of it (a delete dismisses every live link of the record, so none touching it is
/// dismissed later). A stamp with its microseconds is exact already.
async fn exact_stamps(
    links: &Links,
    txn: &impl ConnectionTrait,
    model: &ModelInfo,
    stamps: &mut BTreeMap<String, DateTime<Utc>>,
) -> Result<(), Failure> {
    let coarse: Vec<String> = stamps
        .iter()
        .filter(|(_, at)| records::coarse(**at))
        .map(|(id, _)| id.clone())
        .collect();
    if coarse.is_empty() {
        return Ok(());
    }
    let exact = link_rows::stamps_touching(links, txn, model, &coarse).await?;
    for id in coarse {
        let Some(at) = stamps.get_mut(&id) else {
            continue;
        };
        if let Some(closest) = exact
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|s| (**s - *at).abs() <= chrono::TimeDelta::seconds(1))
            .max()
        {
            *at = *closest;
        }
    }
    Ok(())
}

async fn query(
    conn: &impl ConnectionTrait,
    statement: &impl sea_orm::StatementBuilder,
    what: &str,
) -> std::result::Result<Vec<sea_orm::QueryResult>, Failure> {
    conn.query_all(statement)
        .await
        .map_err(|e| Failure::Database(e, what.to_string()))
}

/// Runs `statement`, which returns no rows.
async fn execute(
    conn: &impl ConnectionTrait,
    statement: &impl sea_orm::StatementBuilder,
    what: &str,
) -> std::result::Result<(), Failure> {
    conn.execute(statement)
        .await
        .map(drop)
        .map_err(|e| Failure::Database(e, what.to_string()))
}
