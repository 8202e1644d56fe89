//! Undo records: what a create, update or dismiss changed, so a workflow whose later step fails
//! can put every row back exactly as it was (Medusa's link steps compensate by dismissing every
//! input link, including ones that existed before the step; these do not).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, TransactionSession, Value};

use super::{CreateOptions, LinkPair, PreparedPair, conflict, rows};
use crate::definition::{LinkRow, LinkSpec, StoredLink};
use crate::error::{Error, Result};
use crate::events::{LinkConnection, LinkEvent, LinkEventKind};
use crate::registry::{LinkEntry, Links};
use crate::sql::{Dialect, live};
use crate::stamp::next_stamp;
use sea_orm::sea_query::Alias;

/// How to put back what a write changed. Returned by the `*_undoable` operations; apply it with
/// [`Links::undo`]. Rows the write created are dismissed; rows it revived go back to dismissed;
/// rows it updated get their previous extra data; rows it dismissed come back with their data.
/// Rows the write did not change are left alone.
///
/// Example: [the service example](crate#service-example).
#[derive(Debug, Clone, Default)]
pub struct Undo {
    steps: Vec<UndoStep>,
}

#[derive(Debug, Clone)]
struct UndoStep {
    link: &'static str,
    left: String,
    right: String,
    /// The row before the write; `None` if it did not exist.
    before: Option<Snapshot>,
}

#[derive(Debug, Clone)]
struct Snapshot {
    deleted_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    extra: Vec<(&'static str, Value)>,
}

impl Undo {
    /// Whether there is nothing to undo.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Appends the steps of a later write (of the same registry), so one `undo` reverts both,
    /// the later first.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn merge(&mut self, later: Undo) {
        self.steps.extend(later.steps);
    }

    /// Records the rows of `pairs` as they are before a write (`before` are the rows read).
    /// A row that does not decode is an error: recorded as absent, the undo would remove it.
    pub(crate) fn record(
        &mut self,
        entry: &LinkEntry,
        pairs: &[PreparedPair],
        before: &[QueryResult],
    ) -> Result<()> {
        let (left_key, right_key) = (entry.spec.left.column, entry.spec.right.column);
        let what = "a link row the undo record keeps";
        let mut found: HashMap<(String, String), &QueryResult> = HashMap::new();
        for row in before {
            let left = crate::error::column::<String>(row, left_key, what)?;
            let right = crate::error::column::<String>(row, right_key, what)?;
            found.insert((left, right), row);
        }
        for pair in pairs {
            let before = match found.get(&(pair.left.clone(), pair.right.clone())) {
                None => None,
                Some(row) => Some(Snapshot {
                    deleted_at: crate::error::column(row, "deleted_at", what)?,
                    updated_at: crate::error::column(row, "updated_at", what)?,
                    extra: entry
                        .spec
                        .extra_columns
                        .iter()
                        .map(|c| Ok((c.name, crate::sql::extra_value(row, c, what)?)))
                        .collect::<Result<_>>()?,
                }),
            };
            self.steps.push(UndoStep {
                link: entry.spec.name,
                left: pair.left.clone(),
                right: pair.right.clone(),
                before,
            });
        }
        Ok(())
    }
}

/// For an update: the pairs that are not live (`before` are their rows, read under a lock).
pub(crate) fn not_live(
    entry: &LinkEntry,
    pairs: &[PreparedPair],
    before: &[QueryResult],
) -> Result<Vec<(String, String)>> {
    let live: std::collections::HashSet<(String, String)> = entry
        .table()
        .ends_of(before, true)?
        .into_iter()
        .map(|row| (row.left, row.right))
        .collect();
    Ok(pairs
        .iter()
        .map(|p| (p.left.clone(), p.right.clone()))
        .filter(|pair| !live.contains(pair))
        .collect())
}

/// The `NotFound` of an update naming every pair, per link, that is not linked; `None` if all
/// are.
pub(crate) fn not_linked(missing: &[(LinkSpec, Vec<(String, String)>)]) -> Option<Error> {
    let missing: Vec<&(LinkSpec, Vec<(String, String)>)> = missing
        .iter()
        .filter(|(_, pairs)| !pairs.is_empty())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let said: Vec<String> = missing
        .iter()
        .map(|(spec, pairs)| {
            let pairs: Vec<String> = pairs
                .iter()
                .map(|(l, r)| {
                    format!(
                        "{} {l} → {} {r}",
                        spec.left.model.name, spec.right.model.name
                    )
                })
                .collect();
            format!("link {}: {}", spec.display_name(), pairs.join(", "))
        })
        .collect();
    Some(Error::NotFound {
        records: Default::default(),
        pairs: missing
            .iter()
            .map(|(spec, pairs)| (spec.name.to_string(), pairs.clone()))
            .collect(),
        message: format!(
            "an update changes live links only, and these are not linked: {}; create them instead (nothing was changed)",
            said.join("; ")
        ),
    })
}

impl Links {
    /// [`Links::create_many`], also returning how to undo it.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn create_undoable<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<(Vec<LinkRow<L>>, Undo)>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        self.write_typed(conn, pairs, CreateOptions::default(), true)
            .await
    }

    /// [`Links::update_many`], also returning how to undo it.
    pub async fn update_undoable<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<(Vec<LinkRow<L>>, Undo)>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        let options = CreateOptions {
            update_only: true,
            ..CreateOptions::default()
        };
        self.write_typed(conn, pairs, options, true).await
    }

    /// [`Links::dismiss_many`], also returning how to undo it.
    pub async fn dismiss_undoable<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<(u64, Undo)>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        let entry = self.entry::<L>()?.clone();
        let prepared = super::prepare(pairs, false)?;
        let mut undo = Undo::default();
        let counts = self
            .dismiss_groups(conn, vec![(entry, prepared)], Some(&mut undo))
            .await?;
        Ok((counts.into_iter().sum(), undo))
    }

    pub(crate) async fn write_typed<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
        options: CreateOptions,
        record_undo: bool,
    ) -> Result<(Vec<LinkRow<L>>, Undo)>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        let entry = self.entry::<L>()?.clone();
        let prepared = super::prepare(pairs, true)?;
        let mut undo = Undo::default();
        let groups = self
            .create_groups(
                conn,
                vec![(entry, prepared)],
                &options,
                record_undo.then_some(&mut undo),
            )
            .await?;
        let rows = groups
            .iter()
            .flat_map(|(entry, rows)| rows.iter().map(move |row| rows::decode::<L>(entry, row)))
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, undo))
    }

    /// Puts every row an undoable write changed back as it was, in one transaction, the latest
    /// change first. Reviving a row that would now break its link's cardinality is a
    /// `Conflict`, and nothing is undone.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn undo<C>(&self, conn: &C, undo: Undo) -> Result<()>
    where
        C: LinkConnection,
    {
        if undo.is_empty() {
            return Ok(());
        }
        let dialect = Dialect::of(conn);
        let now = next_stamp();
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the undo"))?;
        let subscribed = self.has_subscribers();
        let mut events: Vec<LinkEvent> = Vec::new();
        for step in undo.steps.iter().rev() {
            let Some(entry) = self.entry_named(step.link) else {
                let _ = txn.rollback().await;
                return Err(Error::UnknownLink {
                    message: format!(
                        "this undo is of link {}, which this registry does not have",
                        step.link
                    ),
                });
            };
            if step.before.is_some()
                && let Err(err) = self.ensure_schema(&txn, entry).await
            {
                // Putting a row back could break what the link declares.
                let _ = txn.rollback().await;
                return Err(err);
            }
            let table = entry.table();
            let mut update = match &step.before {
                None => table.dismiss(now).and_where(live()).to_owned(),
                Some(before) => {
                    let mut update = table.update();
                    update
                        .value("deleted_at", before.deleted_at)
                        .value("updated_at", before.updated_at);
                    for (column, value) in &before.extra {
                        update.value(Alias::new(*column), value.clone());
                    }
                    update
                }
            };
            update.and_where(table.pair(dialect, &step.left, &step.right));
            if subscribed {
                // Whether this step attaches or detaches the row: its state now against after.
                let pair = [PreparedPair {
                    left: step.left.clone(),
                    right: step.right.clone(),
                    named: Vec::new(),
                    insert_only: Vec::new(),
                }];
                let now_rows = match rows::read_pairs(&txn, entry, &pair).await {
                    Ok(found) => found,
                    Err(err) => {
                        let _ = txn.rollback().await;
                        return Err(err);
                    }
                };
                let read = entry
                    .table()
                    .ends_of(&now_rows, true)
                    .and_then(|live| Ok((live, entry.table().ends_of(&now_rows, false)?)));
                let (live_now, all_now) = match read {
                    Ok(read) => read,
                    Err(err) => {
                        let _ = txn.rollback().await;
                        return Err(err);
                    }
                };
                let live_after = step.before.as_ref().is_some_and(|b| b.deleted_at.is_none());
                let (kind, rows) = match (live_now.is_empty(), live_after) {
                    (false, false) => (LinkEventKind::Detached, live_now),
                    (true, true) => (LinkEventKind::Attached, all_now),
                    _ => (LinkEventKind::Attached, Vec::new()),
                };
                events.push(LinkEvent {
                    link: entry.spec.name,
                    kind,
                    rows,
                });
            }
            if let Err(err) = txn.execute(&update).await {
                let _ = txn.rollback().await;
                if dialect.is_unique_violation(&err) {
                    let pair = PreparedPair {
                        left: step.left.clone(),
                        right: step.right.clone(),
                        named: Vec::new(),
                        insert_only: Vec::new(),
                    };
                    let err = conflict::diagnose(conn, entry, &[pair]).await;
                    return Err(err.conflict_in("nothing was undone"));
                }
                return Err(Error::Database {
                    context: format!("undoing a write of {}", entry.spec.display_name()),
                    source: err,
                });
            }
        }
        txn.commit()
            .await
            .map_err(Error::database("committing the undo"))?;
        self.publish(conn, events);
        Ok(())
    }
}
