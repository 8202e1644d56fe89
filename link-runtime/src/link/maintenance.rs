//! Keeping link tables tidy: purging old dismissed rows, and auditing live rows whose records
//! are gone (with an explicit repair).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionSession};

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query};

use crate::definition::LinkDefinition;
use crate::error::{Error, Result};
use crate::events::LinkConnection;
use crate::registry::{LinkEntry, Links};
use crate::sql::{Dialect, RecordTable, live};

impl Links {
    /// Hard-deletes the rows of link `L` dismissed before `before`. Returns how many.
    ///
    /// A purged pair can no longer be revived by `restore` (Medusa keeps dismissed rows forever;
    /// purge what is older than anything you would restore).
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub async fn purge<L, C>(&self, conn: &C, before: DateTime<Utc>) -> Result<u64>
    where
        L: LinkDefinition,
        C: LinkConnection,
    {
        let entry = self.entry::<L>()?;
        let purged = self
            .purge_entries(conn, std::slice::from_ref(entry), before, false)
            .await?;
        Ok(purged.into_values().sum())
    }

    /// Hard-deletes the rows of every stored link dismissed before `before`, in one transaction,
    /// and forgets the stamps of records without `deleted_at` deleted before it (nothing is left
    /// for a restore of them to revive). Returns how many rows per link.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn purge_all<C>(
        &self,
        conn: &C,
        before: DateTime<Utc>,
    ) -> Result<BTreeMap<String, u64>>
    where
        C: LinkConnection,
    {
        self.purge_entries(conn, self.entries(), before, true).await
    }

    async fn purge_entries<C>(
        &self,
        conn: &C,
        entries: &[LinkEntry],
        before: DateTime<Utc>,
        with_deletions: bool,
    ) -> Result<BTreeMap<String, u64>>
    where
        C: LinkConnection,
    {
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the purge"))?;
        let mut purged = BTreeMap::new();
        for entry in entries.iter().filter(|e| !e.spec.read_only) {
            let result = txn
                .execute(&entry.table().purge(before))
                .await
                .map_err(Error::database(format!(
                    "purging dismissed links of {}",
                    entry.spec.display_name()
                )));
            match result {
                Ok(done) => {
                    purged.insert(entry.spec.name.to_string(), done.rows_affected());
                }
                Err(err) => {
                    let _ = txn.rollback().await;
                    return Err(err);
                }
            }
        }
        if with_deletions
            && let Err(err) = txn
                .execute(&crate::sql::purge_deletions(before))
                .await
                .map_err(Error::database(format!(
                    "purging `{}`",
                    crate::sql::DELETIONS_TABLE
                )))
        {
            let _ = txn.rollback().await;
            return Err(err);
        }
        txn.commit()
            .await
            .map_err(Error::database("committing the purge"))?;
        Ok(purged)
    }
}

/// How many samples an audit keeps per link side.
const SAMPLES: usize = 10;

/// What [`Links::check`] found (or [`Links::repair`] dismissed).
///
/// Example: [the service example](crate#service-example).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    /// One entry per stored link.
    pub links: Vec<LinkAudit>,
}

impl Audit {
    /// Live rows found dangling, over every link.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn dangling(&self) -> u64 {
        self.links
            .iter()
            .map(|l| l.left.dangling + l.right.dangling)
            .sum()
    }
}

/// The audit of one link.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkAudit {
    /// The link's name.
    pub link: String,
    /// Its table.
    pub table: String,
    /// Live rows whose left record is missing or soft-deleted.
    pub left: SideAudit,
    /// Live rows whose right record is missing or soft-deleted.
    pub right: SideAudit,
}

/// The dangling rows of one side of a link.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SideAudit {
    /// `module.model`.
    pub model: String,
    /// Whether it could be checked (an external model has no table of ours).
    pub checked: bool,
    /// How many live rows point at a missing or soft-deleted record.
    pub dangling: u64,
    /// Up to ten of them, as (left id, right id).
    pub samples: Vec<(String, String)>,
}

impl Links {
    /// Finds live link rows whose left or right record is missing or soft-deleted, per link,
    /// with counts and samples. Where the model's table shares the home connection this is two
    /// statements per side (a count and a sample, each one `NOT EXISTS` query); otherwise the
    /// live keys are read once and checked on the model's connection in chunks.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn check<C: ConnectionTrait>(&self, conn: &C) -> Result<Audit> {
        self.audit(conn, None).await
    }

    /// Dismisses every live link row that [`Links::check`] reports, in one transaction, and
    /// returns what it dismissed.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn repair<C>(&self, conn: &C) -> Result<Audit>
    where
        C: LinkConnection,
    {
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the repair"))?;
        let stamp = crate::stamp::next_stamp();
        let repaired = async {
            let audit = self.audit(&txn, Some(stamp)).await?;
            let events = if self.has_subscribers() {
                self.dismissed_with(&txn, stamp).await?
            } else {
                Vec::new()
            };
            Ok::<_, Error>((audit, events))
        }
        .await;
        match repaired {
            Ok((audit, events)) => {
                txn.commit()
                    .await
                    .map_err(Error::database("committing the repair"))?;
                self.publish(conn, events);
                Ok(audit)
            }
            Err(err) => {
                let _ = txn.rollback().await;
                Err(err)
            }
        }
    }

    /// The rows of every link dismissed with `stamp`, as detached events.
    async fn dismissed_with(
        &self,
        conn: &impl ConnectionTrait,
        stamp: DateTime<Utc>,
    ) -> Result<Vec<crate::events::LinkEvent>> {
        let mut events = Vec::new();
        for entry in self.stored_entries() {
            let table = entry.table();
            let select = table
                .select_ends()
                .and_where(Expr::col("deleted_at").eq(stamp))
                .to_owned();
            let rows = conn
                .query_all(&select)
                .await
                .map_err(Error::database("reading repaired links"))?;
            events.push(crate::events::LinkEvent {
                link: entry.spec.name,
                kind: crate::events::LinkEventKind::Detached,
                rows: table.ends_of(&rows, false)?,
            });
        }
        Ok(events)
    }

    async fn audit(
        &self,
        conn: &impl ConnectionTrait,
        dismiss: Option<DateTime<Utc>>,
    ) -> Result<Audit> {
        let mut audit = Audit::default();
        for entry in self.stored_entries() {
            let left = self.audit_side(conn, entry, true, dismiss).await?;
            let right = self.audit_side(conn, entry, false, dismiss).await?;
            audit.links.push(LinkAudit {
                link: entry.spec.name.to_string(),
                table: entry.names.table.clone(),
                left,
                right,
            });
        }
        Ok(audit)
    }

    async fn audit_side(
        &self,
        conn: &impl ConnectionTrait,
        entry: &LinkEntry,
        left_side: bool,
        dismiss: Option<DateTime<Utc>>,
    ) -> Result<SideAudit> {
        let side = if left_side {
            &entry.spec.left
        } else {
            &entry.spec.right
        };
        let model = side.model;
        let mut audit = SideAudit {
            model: model.qualified_name(),
            checked: false,
            dangling: 0,
            samples: Vec::new(),
        };
        let Some(table) = model.table else {
            return Ok(audit);
        };
        audit.checked = true;
        let context = format!(
            "auditing the {} side of {}",
            model.name,
            entry.spec.display_name()
        );
        let dialect = Dialect::of(conn);
        let links = entry.table();
        let (left_key, right_key) = (entry.spec.left.column, entry.spec.right.column);

        let elsewhere = match self.binding(model.module) {
            Some(crate::registry::ModuleBinding::Elsewhere(other)) => Some(other),
            _ => None,
        };
        // A UUID stored as bytes (SQLite, MySQL) cannot be compared with the link table's
        // text in SQL: its keys are checked as another connection's are, bound as UUIDs.
        let uuid_bytes =
            model.key_kind == crate::linkable::KeyKind::Uuid && !dialect.uuid_casts_to_text;
        if elsewhere.is_some() || uuid_bytes {
            // Read the live pairs, check their keys where the records live, in chunks.
            let select = links.select_ends().and_where(live()).to_owned();
            let rows = conn
                .query_all(&select)
                .await
                .map_err(Error::database(context.clone()))?;
            let pairs: Vec<(String, String)> = rows
                .iter()
                .map(|row| {
                    let get = |c: &str| crate::error::column::<String>(row, c, &context);
                    Ok((get(left_key)?, get(right_key)?))
                })
                .collect::<Result<_>>()?;
            let mut keys: Vec<&str> = pairs
                .iter()
                .map(|(l, r)| if left_side { l.as_str() } else { r.as_str() })
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let live = match elsewhere {
                Some(other) => {
                    super::records::existing_ids(other, &model, table, &keys, true, false).await?
                }
                None => {
                    super::records::existing_ids(conn, &model, table, &keys, true, false).await?
                }
            };
            let dangling: Vec<super::PreparedPair> = pairs
                .into_iter()
                .filter(|(l, r)| !live.contains(if left_side { l } else { r }))
                .map(|(left, right)| super::PreparedPair {
                    left,
                    right,
                    named: Vec::new(),
                    insert_only: Vec::new(),
                })
                .collect();
            audit.dangling = dangling.len() as u64;
            audit.samples = dangling
                .iter()
                .take(SAMPLES)
                .map(|p| (p.left.clone(), p.right.clone()))
                .collect();
            if let Some(stamp) = dismiss {
                super::write::dismiss(conn, entry, &dangling, stamp)
                    .await
                    .map_err(Error::database(context))?;
            }
            return Ok(audit);
        }

        // The same connection: one NOT EXISTS query for the count, one for the samples.
        let key = Expr::col((Alias::new(entry.names.table.as_str()), links.key(left_side)));
        let records = RecordTable {
            name: table,
            model: &model,
        };
        let dangling = live().and(records.holds_live(dialect, key).not());
        let count = Query::select()
            .expr_as(Expr::col(Asterisk).count(), "dangling")
            .from(Alias::new(entry.names.table.as_str()))
            .and_where(dangling.clone())
            .to_owned();
        let row = conn
            .query_one(&count)
            .await
            .map_err(Error::database(context.clone()))?;
        audit.dangling = row
            .map(|row| crate::error::column::<i64>(&row, "dangling", &context))
            .transpose()?
            .map_or(0, |n: i64| n.unsigned_abs());
        if audit.dangling == 0 {
            return Ok(audit);
        }
        let sample = links
            .select_ends()
            .and_where(dangling.clone())
            .order_by(left_key, Order::Asc)
            .order_by(right_key, Order::Asc)
            .limit(SAMPLES as u64)
            .to_owned();
        for row in conn
            .query_all(&sample)
            .await
            .map_err(Error::database(context.clone()))?
        {
            audit.samples.push((
                crate::error::column(&row, left_key, &context)?,
                crate::error::column(&row, right_key, &context)?,
            ));
        }
        if let Some(stamp) = dismiss {
            let update = links.dismiss(stamp).and_where(dangling).to_owned();
            conn.execute(&update)
                .await
                .map_err(Error::database(context))?;
        }
        Ok(audit)
    }
}
