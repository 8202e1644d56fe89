//! The Link service: create, dismiss and list the pairs of a stored link.
//!
//! Every operation takes the connection to run on (a `DatabaseConnection` or a caller's
//! `DatabaseTransaction`), so a link can be written in the same transaction as the record it
//! links. A call that writes several rows is atomic: it runs in its own transaction (a savepoint
//! inside a caller's transaction) and writes one statement per chunk of rows, never one per row.
//!
//! Example: [the crate's example](crate#example).

mod conflict;
mod create;
mod dismiss;
pub(crate) mod dynamic;
mod failure;
mod lifecycle;
mod maintenance;
pub(crate) mod records;
mod retry;
pub(crate) mod rows;
mod undo;
mod write;

use std::collections::HashSet;
use std::fmt;

use sea_orm::{ConnectionTrait, TransactionSession};

use crate::definition::{LinkData, LinkDefinition, LinkRow, StoredLink};
use crate::error::{Error, Result};
use crate::events::{LinkConnection, LinkEvent, LinkEventKind};
use crate::key::Key;
use crate::linkable::canonical;
use crate::registry::{LinkEntry, Links};
use crate::sql::{Dialect, RecordCheck};
use crate::stamp::next_stamp;

use create::*;
use failure::Failure;
use retry::*;

pub use lifecycle::LifecycleReport;
pub use maintenance::{Audit, LinkAudit, SideAudit};
pub use undo::Undo;

/// One pair of records to link (or dismiss), left first, with optional extra-column data.
///
/// Built by the link's marker, `ProductBrand::new(product_key, brand_key)`, which refuses keys
/// in the wrong order at compile time.
///
/// Example: [the crate's example](crate#example).
pub struct LinkPair<L: LinkDefinition> {
    left: Key<L::Left>,
    right: Key<L::Right>,
    data: L::Data,
}

impl<L: LinkDefinition> LinkPair<L> {
    /// A pair with no extra data named.
    ///
    /// Example: [the crate's example](crate#example), through the marker's `new`.
    pub fn new(left: Key<L::Left>, right: Key<L::Right>) -> Self {
        LinkPair {
            left,
            right,
            data: L::Data::default(),
        }
    }

    /// Names extra-column values: on create, these columns take them and the others keep their
    /// values (or take their declared defaults on a new row).
    ///
    /// Example: [the crate's example](crate#example).
    pub fn with(mut self, data: L::Data) -> Self {
        self.data = data;
        self
    }

    /// The left record.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn left(&self) -> &Key<L::Left> {
        &self.left
    }

    /// The right record.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn right(&self) -> &Key<L::Right> {
        &self.right
    }

    /// The extra data named.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
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
///
/// Example: [the service example](crate#service-example).
pub struct ListFilter<L: LinkDefinition> {
    left: Option<Vec<Key<L::Left>>>,
    right: Option<Vec<Key<L::Right>>>,
}

impl<L: LinkDefinition> ListFilter<L> {
    /// Every live row.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn all() -> Self {
        ListFilter {
            left: None,
            right: None,
        }
    }

    /// Only rows whose left record is one of `keys`.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn left(mut self, keys: impl IntoIterator<Item = Key<L::Left>>) -> Self {
        self.left = Some(keys.into_iter().collect());
        self
    }

    /// Only rows whose right record is one of `keys`.
    ///
    /// Example: [the service example](crate#service-example).
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
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateOptions {
    skip_record_check: bool,
    /// Update only: every pair must already be live (and record checks are moot).
    update_only: bool,
}

impl CreateOptions {
    /// Do not check that both records exist and are live. For bulk imports whose ids are known
    /// to be good: a link to a missing record is then stored as given (Medusa's behaviour).
    ///
    /// Example: [more of the service](crate#more-of-the-service).
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
    ///
    /// Example: [the crate's example](crate#example).
    pub async fn create<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<LinkRow<L>>
    where
        L: StoredLink,
        C: LinkConnection,
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
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn create_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        self.create_many_with(conn, pairs, CreateOptions::default())
            .await
    }

    /// [`Links::create_many`] with options.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn create_many_with<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
        options: CreateOptions,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        Ok(self.write_typed(conn, pairs, options, false).await?.0)
    }

    /// Changes the extra data of one live pair. See [`Links::update_many`].
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn update<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<LinkRow<L>>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        let mut rows = self.update_many(conn, [pair]).await?;
        rows.pop()
            .ok_or_else(|| Error::invalid("update returned no row for its pair"))
    }

    /// Changes the extra data of pairs that must all be live (Medusa's
    /// `updateRemoteLinksStep`): the named columns take the new values, the others keep theirs.
    /// If any pair is not linked, [`Error::NotFound`] names it and nothing changes.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn update_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<Vec<LinkRow<L>>>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        Ok(self.update_undoable(conn, pairs).await?.0)
    }

    /// Dismisses one pair. Returns whether it was live. See [`Links::dismiss_many`].
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn dismiss<L, C>(&self, conn: &C, pair: LinkPair<L>) -> Result<bool>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        Ok(self.dismiss_many(conn, [pair]).await? == 1)
    }

    /// Soft-deletes the live rows of the given pairs (their `deleted_at` is set), atomically.
    /// A pair that is not linked is not an error. Returns how many rows were dismissed.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn dismiss_many<L, C>(
        &self,
        conn: &C,
        pairs: impl IntoIterator<Item = LinkPair<L>>,
    ) -> Result<u64>
    where
        L: StoredLink,
        C: LinkConnection,
    {
        let entry = self.entry::<L>()?.clone();
        let prepared = prepare(pairs, false)?;
        self.dismiss_groups(conn, vec![(entry, prepared)], None)
            .await
            .map(|counts| counts.into_iter().sum())
    }

    /// The live rows of link `L` that match `filter`, ordered by creation.
    ///
    /// Example: [the service example](crate#service-example).
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
