//! The Link service: create, dismiss and list the pairs of a stored link.
//!
//! Every operation takes the connection to run on (a `DatabaseConnection` or a caller's
//! `DatabaseTransaction`), so a link can be written in the same transaction as the record it
//! links. A call that writes several rows is atomic: it runs in its own transaction (a savepoint
//! inside a caller's transaction) and writes one statement per chunk of rows, never one per row.

mod conflict;
pub(crate) mod dynamic;
mod lifecycle;
mod maintenance;
pub(crate) mod records;
pub(crate) mod rows;
mod undo;
mod write;

use std::collections::HashSet;
use std::fmt;

use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::definition::{LinkData, LinkDefinition, LinkRow, StoredLink};
use crate::error::{Error, Result};
use crate::events::{LinkEvent, LinkEventKind};
use crate::key::{Key, canonical};
use crate::link::records::InlineCheck;
use crate::registry::{LinkEntry, Links};
use crate::stamp::next_stamp;

pub use lifecycle::LifecycleReport;
pub use maintenance::{Audit, LinkAudit, SideAudit};
pub use undo::Undo;

/// One pair of records to link (or dismiss), left first, with optional extra-column data.
///
/// Built by the link's marker, `ProductBrand::new(product_key, brand_key)`, which refuses keys
/// in the wrong order at compile time.
pub struct LinkPair<L: LinkDefinition> {
    left: Key<L::Left>,
    right: Key<L::Right>,
    data: L::Data,
}

impl<L: LinkDefinition> LinkPair<L> {
    /// A pair with no extra data named.
    pub fn new(left: Key<L::Left>, right: Key<L::Right>) -> Self {
        LinkPair {
            left,
            right,
            data: L::Data::default(),
        }
    }

    /// Names extra-column values: on create, these columns take them and the others keep their
    /// values (or take their declared defaults on a new row).
    pub fn with(mut self, data: L::Data) -> Self {
        self.data = data;
        self
    }

    /// The left record.
    pub fn left(&self) -> &Key<L::Left> {
        &self.left
    }

    /// The right record.
    pub fn right(&self) -> &Key<L::Right> {
        &self.right
    }

    /// The extra data named.
    pub fn data(&self) -> &L::Data {
        &self.data
    }
}

impl<L: LinkDefinition> Clone for LinkPair<L> {
    fn clone(&self) -> Self {
        LinkPair {
            left: self.left.clone(),
            right: self.right.clone(),
            data: self.data.clone(),
        }
    }
}

impl<L: LinkDefinition> fmt::Debug for LinkPair<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(L::SPEC.name)
            .field("left", &self.left)
            .field("right", &self.right)
            .field("data", &self.data)
            .finish()
    }
}

/// Which live rows of a link [`Links::list`] returns: all of them, or those of the given left
/// and/or right records.
pub struct ListFilter<L: LinkDefinition> {
    left: Option<Vec<Key<L::Left>>>,
    right: Option<Vec<Key<L::Right>>>,
}

impl<L: LinkDefinition> ListFilter<L> {
    /// Every live row.
    pub fn all() -> Self {
        ListFilter {
            left: None,
            right: None,
        }
    }

    /// Only rows whose left record is one of `keys`.
    pub fn left(mut self, keys: impl IntoIterator<Item = Key<L::Left>>) -> Self {
        self.left = Some(keys.into_iter().collect());
        self
    }

    /// Only rows whose right record is one of `keys`.
    pub fn right(mut self, keys: impl IntoIterator<Item = Key<L::Right>>) -> Self {
        self.right = Some(keys.into_iter().collect());
        self
    }
}

impl<L: LinkDefinition> fmt::Debug for ListFilter<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListFilter")
            .field("link", &L::SPEC.name)
            .field("left", &self.left)
            .field("right", &self.right)
            .finish()
    }
}

/// Options of [`Links::create_many_with`].
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    skip_record_check: bool,
    /// Update only: every pair must already be live (and record checks are moot).
    update_only: bool,
}

impl CreateOptions {
    /// Do not check that both records exist and are live. For bulk imports whose ids are known
    /// to be good: a link to a missing record is then stored as given (Medusa's behaviour).
    pub fn skip_record_check(mut self) -> Self {
        self.skip_record_check = true;
        self
    }
}

/// A pair ready to be written: ids as strings, the named extra columns with their values.
#[derive(Debug, Clone)]
pub(crate) struct PreparedPair {
    pub(crate) left: String,
    pub(crate) right: String,
    pub(crate) named: Vec<(&'static str, sea_orm::Value)>,
    /// Values only the INSERT half of an upsert uses: placeholders for required columns of a
    /// pair that already exists, whose stored values the update keeps.
    pub(crate) insert_only: Vec<(&'static str, sea_orm::Value)>,
}

fn check_id(spec_name: &str, model: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 255 {
        return Err(Error::invalid(format!(
            "link {spec_name}: the {model} id {id:?} is not a valid key: ids are 1 to 255 bytes long"
        )));
    }
    Ok(())
}

impl Links {
    /// Links one pair. See [`Links::create_many`].
    pub async fn create<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<LinkRow<L>>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let mut rows = self.create_many(conn, [pair]).await?;
        rows.pop()
            .ok_or_else(|| Error::invalid("create returned no row for its pair"))
    }

    /// Links every pair, atomically: a new pair is inserted (its unnamed extra columns take their
    /// declared defaults), a live pair has its named extra columns updated in place, a dismissed
    /// pair is revived the same way, and an identical live pair is left as it is.
    ///
    /// Both records of every pair must exist and be live (checked with one batched query per
    /// side), else [`Error::NotFound`] names the missing ids. A pair that would break the link's
    /// cardinality (against stored rows, inside the batch, or against a concurrent caller) is an
    /// [`Error::Conflict`] naming the records and the fix. On any error nothing is written.
    ///
    /// Returns the live rows, in the order of the first occurrence of each pair.
    pub async fn create_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        self.create_many_with(conn, pairs, CreateOptions::default())
            .await
    }

    /// [`Links::create_many`] with options.
    pub async fn create_many_with<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
        options: CreateOptions,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        Ok(self.write_typed(conn, pairs, options, false).await?.0)
    }

    /// Changes the extra data of one live pair. See [`Links::update_many`].
    pub async fn update<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<LinkRow<L>>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let mut rows = self.update_many(conn, [pair]).await?;
        rows.pop()
            .ok_or_else(|| Error::invalid("update returned no row for its pair"))
    }

    /// Changes the extra data of pairs that must all be live (Medusa's
    /// `updateRemoteLinksStep`): the named columns take the new values, the others keep theirs.
    /// If any pair is not linked, [`Error::NotFound`] names it and nothing changes.
    pub async fn update_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        Ok(self.update_undoable(conn, pairs).await?.0)
    }

    /// Creates the pairs of several links in one transaction (all or nothing). Returns each
    /// group's rows as read, in the order of its pairs. A deadlock victim is run again.
    pub(crate) async fn create_groups<C>(
        &self,
        conn: &C,
        mut groups: Vec<(LinkEntry, Vec<PreparedPair>)>,
        options: &CreateOptions,
        mut undo: Option<&mut Undo>,
    ) -> Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        for (entry, pairs) in &groups {
            let spec = &entry.spec;
            if spec.read_only {
                return Err(read_only(spec));
            }
            self.ensure_schema(conn, entry).await?;
            for pair in pairs {
                check_id(spec.name, spec.left.model.name, &pair.left)?;
                check_id(spec.name, spec.right.model.name, &pair.right)?;
            }
        }
        groups.retain(|(_, pairs)| !pairs.is_empty());
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        // Each attempt reuses the pairs, not a copy (what an attempt changes in them, the
        // placeholders of required columns, the next works out anew).
        let mut tries = 1;
        loop {
            match self
                .create_groups_once(conn, &mut groups, options, undo.as_deref_mut())
                .await
            {
                // The undo record is written as the operation goes: one attempt only.
                Err(err) if undo.is_none() && run_again(conn, tries, &err) => tries += 1,
                outcome => return outcome,
            }
        }
    }

    async fn create_groups_once<C>(
        &self,
        conn: &C,
        groups: &mut [(LinkEntry, Vec<PreparedPair>)],
        options: &CreateOptions,
        undo: Option<&mut Undo>,
    ) -> Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let backend = conn.get_database_backend();
        let inline: Vec<Vec<InlineCheck>> = groups
            .iter()
            .map(|(entry, _)| {
                if options.skip_record_check || options.update_only {
                    Vec::new()
                } else {
                    records::inline_checks(self, backend, &entry.spec)
                }
            })
            .collect();
        // One pair whose checks the upsert makes itself is one statement, atomic on its own, so
        // it needs no transaction of ours (two round trips fewer on a network database).
        let one_statement = groups.len() == 1
            && groups[0].1.len() == 1
            && undo.is_none()
            && !options.update_only
            && (options.skip_record_check || inline[0].len() == checked_sides(&groups[0].0))
            && required_columns(&groups[0].0.spec)
                .iter()
                .all(|column| groups[0].1[0].named.iter().any(|(c, _)| c == column));
        // The events are read from the rows before the transaction commits, so a row that does
        // not decode fails the create rather than a commit that already happened.
        // Its error is `create_steps`'s own, (the link, what failed).
        #[allow(clippy::result_large_err)]
        let with_events = |written: Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>| {
            let events = written
                .iter()
                .map(|(entry, rows)| {
                    Ok(LinkEvent {
                        link: entry.spec.name,
                        kind: LinkEventKind::Attached,
                        rows: rows::event_rows(entry, rows, false)?,
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map_err(|err| (written[0].0.clone(), Failure::Refused(err)))?;
            Ok((written, events))
        };
        let outcome = if one_statement && autocommits(conn) {
            // On failure nothing was written: the statement failed or wrote no row.
            self.create_steps(conn, groups, &inline, options, undo)
                .await
                .and_then(with_events)
        } else {
            let txn = conn
                .begin()
                .await
                .map_err(Error::database("starting the create"))?;
            let outcome = self
                .create_steps(&txn, groups, &inline, options, undo)
                .await
                .and_then(with_events);
            match outcome {
                Ok(written) => {
                    txn.commit()
                        .await
                        .map_err(Error::database("committing the create"))?;
                    Ok(written)
                }
                Err(failure) => {
                    let _ = txn.rollback().await;
                    Err(failure)
                }
            }
        };
        let (entry, failure) = match outcome {
            Ok((written, events)) => {
                self.publish(conn, events);
                return Ok(written);
            }
            Err(failed) => failed,
        };
        let spec = &entry.spec;
        let pairs = groups
            .iter()
            .find(|(e, _)| e.spec.name == spec.name)
            .map(|(_, p)| p.as_slice())
            .unwrap_or_default();
        Err(match failure {
            Failure::Refused(err) => err,
            Failure::Database(err) => {
                if crate::dialect::is_transient(&err) {
                    // Run again (on a pooled connection) by `create_groups`.
                    Error::Database {
                        context: format!("creating links of {}", spec.display_name()),
                        source: err,
                    }
                } else if crate::dialect::is_unique_violation(backend, &err) {
                    // Explained outside the failed write, which PostgreSQL has aborted. Missing
                    // records come first, as when they are checked beforehand.
                    if !options.skip_record_check
                        && let Err((_, Failure::Refused(missing))) =
                            self.check_all_live(conn, groups).await
                    {
                        return Err(missing);
                    }
                    conflict::diagnose(conn, &entry, pairs).await
                } else if crate::dialect::is_not_null_violation(backend, &err) {
                    Error::invalid(format!(
                        "link {}: a new pair needs a value for every extra column that is not nullable and has no default ({}); name it in the pair's data",
                        spec.display_name(),
                        required_columns(spec).join(", ")
                    ))
                } else {
                    Error::Database {
                        context: format!("creating links of {}", spec.display_name()),
                        source: err,
                    }
                }
            }
        })
    }

    /// The checks and writes of a create, on the transaction (or, for a single statement, the
    /// connection) it runs on. Faults come in the order callers fix them: missing records (or,
    /// for an update, missing links), then cardinality, then writes. The rows as they were feed
    /// the undo record.
    async fn create_steps(
        &self,
        db: &impl ConnectionTrait,
        groups: &mut [(LinkEntry, Vec<PreparedPair>)],
        inline: &[Vec<InlineCheck>],
        options: &CreateOptions,
        mut undo: Option<&mut Undo>,
    ) -> std::result::Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>, (LinkEntry, Failure)>
    {
        let refused = |entry: &LinkEntry, err| (entry.clone(), Failure::Refused(err));
        // Faults of a batch are reported against its first link.
        let first = groups[0].0.clone();
        if options.update_only || undo.is_some() {
            let mut not_linked = Vec::new();
            for (entry, pairs) in groups.iter() {
                let before = rows::read_pairs_locking(db, entry, pairs, true)
                    .await
                    .map_err(|err| refused(entry, err))?;
                if options.update_only {
                    let missing =
                        undo::not_live(entry, pairs, &before).map_err(|err| refused(entry, err))?;
                    not_linked.push((entry.spec, missing));
                }
                if let Some(undo) = undo.as_deref_mut() {
                    undo.record(entry, pairs, &before)
                        .map_err(|err| refused(entry, err))?;
                }
            }
            if let Some(err) = undo::not_linked(&not_linked) {
                return Err(refused(&first, err));
            }
        }
        if !options.skip_record_check && !options.update_only {
            records::check_live(self, db, groups, inline)
                .await
                .map_err(|err| refused(&first, err))?;
        }
        if let Some((entry, err)) = groups.iter().find_map(|(entry, pairs)| {
            conflict::check_batch(&entry.spec, pairs)
                .err()
                .map(|err| (entry, err))
        }) {
            // Missing records that only the upsert would have caught are still reported first.
            if inline.iter().any(|checks| !checks.is_empty()) {
                self.check_all_live(db, groups).await?;
            }
            return Err(refused(entry, err));
        }
        let mut written = Vec::with_capacity(groups.len());
        for index in 0..groups.len() {
            let (entry, pairs) = &mut groups[index];
            let entry = entry.clone();
            let all_exist = options.update_only;
            match self
                .create_in(db, &entry, pairs, &inline[index], all_exist)
                .await
            {
                Ok(rows) => written.push((entry, rows)),
                Err(Failure::Refused(Error::NotFound { message, .. })) => {
                    // Records the upsert found missing: name every missing one of the call
                    // (else one was deleted while the link was written).
                    self.check_all_live(db, groups).await?;
                    return Err(refused(
                        &entry,
                        Error::NotFound {
                            records: Default::default(),
                            pairs: Default::default(),
                            message,
                        },
                    ));
                }
                Err(failure) => return Err((entry, failure)),
            }
        }
        Ok(written)
    }

    /// Both records of every pair of every group, checked beforehand (for the order of faults
    /// when something else failed first).
    async fn check_all_live(
        &self,
        db: &impl ConnectionTrait,
        groups: &[(LinkEntry, Vec<PreparedPair>)],
    ) -> std::result::Result<(), (LinkEntry, Failure)> {
        records::check_live(self, db, groups, &[])
            .await
            .map_err(|err| (groups[0].0.clone(), Failure::Refused(err)))
    }

    /// The writes of one link inside the create's transaction (whose record checks ran first, or
    /// run in the upsert, so a record deleted meanwhile is seen): required columns, the upsert,
    /// the rows in the order of the pairs.
    async fn create_in(
        &self,
        txn: &impl ConnectionTrait,
        entry: &LinkEntry,
        prepared: &mut [PreparedPair],
        inline: &[InlineCheck],
        all_exist: bool,
    ) -> std::result::Result<Vec<sea_orm::QueryResult>, Failure> {
        // MySQL's upsert fires on any unique index, so it may only update rows known to exist
        // (see `write::upsert`): find them first (an update has found them live already).
        // Without a lock: rows are never removed, and a locking read of absent rows takes gap
        // locks that deadlock concurrent inserts; a pair inserted meanwhile makes ours fail on
        // its primary key, and the create runs again.
        let existing = match txn.get_database_backend() {
            sea_orm::DbBackend::MySql if all_exist => Some(
                prepared
                    .iter()
                    .map(|p| (p.left.clone(), p.right.clone()))
                    .collect(),
            ),
            sea_orm::DbBackend::MySql => {
                Some(rows::existing_pairs(txn, entry, prepared, false).await?)
            }
            _ => None,
        };
        fill_required_columns(txn, entry, prepared, existing.as_ref()).await?;
        let returned = write::upsert(
            txn,
            entry,
            prepared,
            inline,
            next_stamp(),
            existing.as_ref(),
        )
        .await
        .map_err(Failure::Database)?;
        Ok(match returned {
            Some(rows) if rows.len() < prepared.len() => {
                // The upsert skipped pairs whose records are missing; the caller names them.
                return Err(Failure::Refused(Error::NotFound {
                    records: Default::default(),
                    pairs: Default::default(),
                    message: format!(
                        "link {}: a record was deleted while the link was written; retry",
                        entry.spec.display_name()
                    ),
                }));
            }
            Some(rows) => rows::in_order_of(entry, prepared, rows)?,
            None => rows::read_pairs(txn, entry, prepared).await?,
        })
    }

    /// Dismisses one pair. Returns whether it was live. See [`Links::dismiss_many`].
    pub async fn dismiss<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<bool>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        Ok(self.dismiss_many(conn, [pair]).await? == 1)
    }

    /// Soft-deletes the live rows of the given pairs (their `deleted_at` is set), atomically.
    /// A pair that is not linked is not an error. Returns how many rows were dismissed.
    pub async fn dismiss_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<u64>
    where
        L: StoredLink,
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        let entry = self.entry::<L>()?.clone();
        let prepared = prepare(pairs, false)?;
        self.dismiss_groups(conn, vec![(entry, prepared)], None)
            .await
            .map(|counts| counts.into_iter().sum())
    }

    /// Dismisses the pairs of several links in one transaction (all or nothing). Returns how many
    /// rows each group dismissed. A deadlock victim is run again.
    pub(crate) async fn dismiss_groups<C>(
        &self,
        conn: &C,
        groups: Vec<(LinkEntry, Vec<PreparedPair>)>,
        undo: Option<&mut Undo>,
    ) -> Result<Vec<u64>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        if undo.is_some() {
            return self.dismiss_groups_once(conn, &groups, undo).await;
        }
        retrying(conn, || self.dismiss_groups_once(conn, &groups, None)).await
    }

    async fn dismiss_groups_once<C>(
        &self,
        conn: &C,
        groups: &[(LinkEntry, Vec<PreparedPair>)],
        mut undo: Option<&mut Undo>,
    ) -> Result<Vec<u64>>
    where
        C: ConnectionTrait + TransactionTrait + 'static,
    {
        if groups.iter().all(|(_, pairs)| pairs.is_empty()) {
            return Ok(vec![0; groups.len()]);
        }
        if let Some((entry, _)) = groups.iter().find(|(e, _)| e.spec.read_only) {
            return Err(read_only(&entry.spec));
        }
        let stamp = next_stamp();
        let subscribed = self.has_subscribers();
        if let [(entry, pairs)] = groups
            && undo.is_none()
            && !subscribed
            && pairs.len() == 1
            && autocommits(conn)
        {
            // One pair is one UPDATE, atomic on its own: no transaction of ours, two round trips
            // fewer, which is most of a one-pair dismiss on a network database. A batch keeps
            // its transaction: the round trips are nothing next to its work, and a batch past
            // the bind limit is several statements.
            return write::dismiss(conn, entry, pairs, stamp)
                .await
                .map(|count| vec![count])
                .map_err(|err| Error::Database {
                    context: format!("dismissing links of {}", entry.spec.display_name()),
                    source: err,
                });
        }
        let txn = conn
            .begin()
            .await
            .map_err(Error::database("starting the dismiss"))?;
        let mut counts = Vec::with_capacity(groups.len());
        let mut events = Vec::new();
        for (entry, pairs) in groups {
            if undo.is_some() || subscribed {
                // The rows as they are, read (and locked) in this transaction: the undo record's
                // snapshot and the ids of the rows this dismiss changes.
                let before = match rows::read_pairs_locking(&txn, entry, pairs, true).await {
                    Ok(before) => before,
                    Err(err) => {
                        let _ = txn.rollback().await;
                        return Err(err);
                    }
                };
                if let Some(undo) = undo.as_deref_mut()
                    && let Err(err) = undo.record(entry, pairs, &before)
                {
                    let _ = txn.rollback().await;
                    return Err(err);
                }
                if subscribed {
                    let rows = match rows::event_rows(entry, &before, true) {
                        Ok(rows) => rows,
                        Err(err) => {
                            let _ = txn.rollback().await;
                            return Err(err);
                        }
                    };
                    events.push(LinkEvent {
                        link: entry.spec.name,
                        kind: LinkEventKind::Detached,
                        rows,
                    });
                }
            }
            match write::dismiss(&txn, entry, pairs, stamp).await {
                Ok(count) => counts.push(count),
                Err(err) => {
                    let _ = txn.rollback().await;
                    return Err(Error::Database {
                        context: format!("dismissing links of {}", entry.spec.display_name()),
                        source: err,
                    });
                }
            }
        }
        txn.commit()
            .await
            .map_err(Error::database("committing the dismiss"))?;
        self.publish(conn, events);
        Ok(counts)
    }

    /// The live rows of link `L` that match `filter`, ordered by creation.
    pub async fn list<L, C>(&self, conn: &C, filter: ListFilter<L>) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: ConnectionTrait,
    {
        let entry = self.entry::<L>()?;
        let left = filter.left.map(canonical_keys).transpose()?;
        let right = filter.right.map(canonical_keys).transpose()?;
        rows::list::<L, _>(conn, entry, left, right).await
    }
}

/// Typed keys in their canonical form.
pub(crate) fn canonical_keys<M: crate::linkable::Linkable>(
    keys: impl IntoIterator<Item = Key<M>>,
) -> Result<Vec<String>> {
    keys.into_iter()
        .map(|key| canonical(&M::MODEL, key.into_string()))
        .collect()
}

/// The error for a write through a read-only link (the typed API refuses it at compile time).
pub(crate) fn read_only(spec: &crate::definition::LinkSpec) -> Error {
    Error::invalid(format!(
        "link {} is read-only: it has no link table, so links cannot be created, dismissed or listed through it; only Query follows it",
        spec.display_name()
    ))
}

/// Why a create inside its transaction failed: refused by our checks, or by the database (whose
/// error may be a constraint to explain once the transaction is rolled back).
enum Failure {
    Refused(Error),
    Database(sea_orm::DbErr),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Refused(err)
    }
}

/// Typed pairs as written, keys in their canonical form, merged (with their data when
/// `with_data`).
pub(crate) fn prepare<L: LinkDefinition>(
    pairs: impl IntoIterator<Item = LinkPair<L>>,
    with_data: bool,
) -> Result<Vec<PreparedPair>> {
    use crate::linkable::Linkable;
    let prepared = pairs
        .into_iter()
        .map(|pair| {
            Ok(PreparedPair {
                named: if with_data {
                    pair.data.named()
                } else {
                    Vec::new()
                },
                left: canonical(&L::Left::MODEL, pair.left.into_string())?,
                right: canonical(&L::Right::MODEL, pair.right.into_string())?,
                insert_only: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(merge_pairs(prepared.into_iter()))
}

/// Merges repeated pairs into one (later named values win), keeping first-occurrence order.
fn merge_pairs(pairs: impl Iterator<Item = PreparedPair>) -> Vec<PreparedPair> {
    let mut merged: Vec<PreparedPair> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for pair in pairs {
        match index.get(&(pair.left.clone(), pair.right.clone())) {
            Some(&i) => {
                let existing: &mut PreparedPair = &mut merged[i];
                for (column, value) in pair.named {
                    match existing.named.iter_mut().find(|(c, _)| *c == column) {
                        Some(slot) => slot.1 = value,
                        None => existing.named.push((column, value)),
                    }
                }
            }
            None => {
                index.insert((pair.left.clone(), pair.right.clone()), merged.len());
                merged.push(pair);
            }
        }
    }
    merged
}

/// Pairs that do not name every required extra column (NOT NULL, no default) must already exist:
/// a new row would have no value. Existing ones get insert-only placeholders, which the upsert's
/// update half never assigns, so their stored values stay. The rows are locked while we write.
async fn fill_required_columns(
    txn: &impl ConnectionTrait,
    entry: &crate::registry::LinkEntry,
    pairs: &mut [PreparedPair],
    existing: Option<&HashSet<(String, String)>>,
) -> Result<()> {
    let spec = &entry.spec;
    // Worked out anew on each attempt of a create.
    for pair in pairs.iter_mut() {
        pair.insert_only.clear();
    }
    let required = required_columns(spec);
    let lacks = |pair: &PreparedPair| {
        required
            .iter()
            .any(|column| !pair.named.iter().any(|(c, _)| c == column))
    };
    let lacking: Vec<PreparedPair> = pairs.iter().filter(|p| lacks(p)).cloned().collect();
    if lacking.is_empty() {
        return Ok(());
    }
    let read;
    let existing = match existing {
        Some(existing) => existing,
        None => {
            read = rows::existing_pairs(txn, entry, &lacking, true).await?;
            &read
        }
    };
    let new: Vec<String> = lacking
        .iter()
        .filter(|p| !existing.contains(&(p.left.clone(), p.right.clone())))
        .map(|p| format!("{} → {}", p.left, p.right))
        .collect();
    if !new.is_empty() {
        return Err(Error::invalid(format!(
            "link {}: a new pair needs a value for every extra column that is not nullable and has no default ({}); name it in the data of {}",
            spec.display_name(),
            required.join(", "),
            new.join(", ")
        )));
    }
    for pair in pairs.iter_mut().filter(|p| lacks(p)) {
        for column in spec
            .extra_columns
            .iter()
            .filter(|c| required.contains(&c.name))
        {
            if !pair.named.iter().any(|(c, _)| *c == column.name) {
                pair.insert_only
                    .push((column.name, crate::dialect::placeholder(column.ty)));
            }
        }
    }
    Ok(())
}

/// How many times in all an operation runs when the database picks it as a deadlock victim.
const ATTEMPTS: usize = 3;

/// Runs `attempt` again, up to [`ATTEMPTS`] times in all, when it fails with a deadlock or a
/// serialization failure and ran in transactions of its own (on a pooled connection), so nothing
/// of the failed attempt remains. Inside a caller's transaction the error is returned: the
/// caller's whole transaction is what must be run again.
pub(crate) async fn retrying<C, T, F, Fut>(conn: &C, mut attempt: F) -> Result<T>
where
    C: 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(err) if run_again(conn, tries, &err) => tries += 1,
            other => return other,
        }
    }
}

/// Whether attempt `tries` of an operation, failed with `err`, is to run again: see
/// [`retrying`].
fn run_again<C: 'static>(conn: &C, tries: usize, err: &Error) -> bool {
    let again = tries < ATTEMPTS
        && autocommits(conn)
        && matches!(err, Error::Database { source, .. } if crate::dialect::is_transient(source));
    if again {
        tracing::debug!(tries, "run again after a deadlock: {err}");
    }
    again
}

/// How many records of a pair a create checks: those of models with a table of ours.
fn checked_sides(entry: &LinkEntry) -> usize {
    [&entry.spec.left.model, &entry.spec.right.model]
        .iter()
        .filter(|model| model.table.is_some())
        .count()
}

/// Whether each statement on `conn` commits on its own: a pooled `DatabaseConnection`, not a
/// caller's transaction, where a failed statement would abort the caller's work on PostgreSQL
/// (our own savepoint otherwise contains it).
fn autocommits<C: 'static>(conn: &C) -> bool {
    (conn as &dyn std::any::Any).is::<sea_orm::DatabaseConnection>()
}

fn required_columns(spec: &crate::definition::LinkSpec) -> Vec<&'static str> {
    spec.extra_columns
        .iter()
        .filter(|c| !c.nullable && c.default.is_none())
        .map(|c| c.name)
        .collect()
}
