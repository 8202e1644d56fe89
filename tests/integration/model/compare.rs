//! Reading the database back and comparing it with the model, after every step.

use std::collections::{BTreeMap, BTreeSet};

use link_runtime::sea_orm;
use link_runtime::{Audit, ListFilter};
use sea_orm::{DbErr, EntityTrait};

use crate::DateTimeUtc;
use crate::database::World;
use crate::model::{Model, Stamp, module_time};
use crate::rules::{L, M};
use crate::typed::{StoredRow, TestLink, by_link};
use crate::world::{m_alpha, m_beta, m_comment, m_post, m_product, m_region, m_tag};

impl World {
    /// Every record of `m`: (canonical id, deleted_at).
    async fn records(&self, m: M) -> Result<Vec<(String, Option<DateTimeUtc>)>, DbErr> {
        let db = self.conn(m);
        Ok(match m {
            M::Product => m_product::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.deleted_at))
                .collect(),
            M::Post => m_post::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.deleted_at))
                .collect(),
            M::Comment => m_comment::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.deleted_at))
                .collect(),
            M::Region => m_region::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id.to_string(), r.deleted_at))
                .collect(),
            M::Tag => m_tag::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, None))
                .collect(),
            M::Alpha => m_alpha::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.deleted_at))
                .collect(),
            M::Beta => m_beta::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id.hyphenated().to_string(), r.deleted_at))
                .collect(),
        })
    }

    /// The database against the model, after a step. `Err` says what differs.
    pub(crate) async fn compare(&self, model: &Model) -> Result<(), String> {
        let db = &self.home;
        let mut problems = Vec::new();
        // (abstract stamp, timestamp, what carries it)
        let mut stamps: Vec<(Stamp, DateTimeUtc, String)> = Vec::new();

        for link in L::ALL {
            let expected_live: BTreeMap<(String, String), Option<i32>> = model
                .rows
                .iter()
                .filter(|((k, ..), row)| *k == link && row.deleted.is_none())
                .map(|((_, l, r), row)| ((l.clone(), r.clone()), row.extra))
                .collect();
            let listed: BTreeMap<(String, String), Option<i32>> = by_link!(link, T => {
                let rows = self
                    .links
                    .list(db, ListFilter::<T>::all())
                    .await
                    .map_err(|e| format!("list {link:?}: {e}"))?;
                rows.iter()
                    .map(|row| ((row.left.as_str().to_string(), row.right.as_str().to_string()), T::extra(row)))
                    .collect()
            });
            if listed != expected_live {
                problems.push(format!(
                    "{link:?}: live pairs (with extra data)\n    listed: {listed:?}\n    model:  {expected_live:?}"
                ));
            }

            let stored: Vec<StoredRow> = by_link!(link, T => T::stored(db).await)
                .map_err(|e| format!("read the rows of {link:?}: {e}"))?;
            let expected_rows: BTreeMap<(String, String), (bool, Option<i32>)> = model
                .rows
                .iter()
                .filter(|((k, ..), _)| *k == link)
                .map(|((_, l, r), row)| {
                    ((l.clone(), r.clone()), (row.deleted.is_some(), row.extra))
                })
                .collect();
            let got_rows: BTreeMap<(String, String), (bool, Option<i32>)> = stored
                .iter()
                .map(|(l, r, at, extra)| ((l.clone(), r.clone()), (at.is_some(), *extra)))
                .collect();
            if got_rows.len() != stored.len() {
                problems.push(format!("{link:?}: several rows for one pair: {stored:?}"));
            }
            if got_rows != expected_rows {
                problems.push(format!(
                    "{link:?}: every row as (dismissed, extra)\n    stored: {got_rows:?}\n    model:  {expected_rows:?}"
                ));
            }
            for (l, r, at, _) in &stored {
                if let (Some(at), Some(row)) = (at, model.rows.get(&(link, l.clone(), r.clone())))
                    && let Some(stamp) = row.deleted
                {
                    stamps.push((stamp, *at, format!("{link:?} row ({l}, {r})")));
                }
            }
        }

        for m in M::ALL {
            let records = self
                .records(m)
                .await
                .map_err(|e| format!("read the records of {m:?}: {e}"))?;
            let got: BTreeMap<String, bool> = records
                .iter()
                .map(|(id, at)| (id.clone(), at.is_some()))
                .collect();
            let expected: BTreeMap<String, bool> = model
                .records
                .iter()
                .filter(|((k, _), _)| *k == m)
                .map(|((_, id), state)| (id.clone(), state.is_some()))
                .collect();
            if got != expected {
                let deleted = |map: &BTreeMap<String, bool>| {
                    map.iter()
                        .filter(|(_, d)| **d)
                        .map(|(id, _)| id.clone())
                        .collect::<Vec<_>>()
                };
                problems.push(format!(
                    "{m:?}: soft-deleted records\n    stored: {:?}\n    model:  {:?}",
                    deleted(&got),
                    deleted(&expected)
                ));
            }
            for (id, at) in &records {
                if let (Some(at), Some(Some(stamp))) = (at, model.state(m, id)) {
                    stamps.push((stamp, *at, format!("{m:?} {id}")));
                }
            }
        }

        // One abstract stamp is one timestamp (a module's is the one it wrote), and a timestamp
        // that a record carries belongs to one operation only.
        let mut by_stamp: BTreeMap<Stamp, BTreeSet<DateTimeUtc>> = BTreeMap::new();
        let mut by_time: BTreeMap<DateTimeUtc, BTreeSet<Stamp>> = BTreeMap::new();
        for (stamp, at, _) in &stamps {
            by_stamp.entry(*stamp).or_default().insert(*at);
            by_time.entry(*at).or_default().insert(*stamp);
        }
        let carriers = |stamp: Stamp| {
            stamps
                .iter()
                .filter(|(s, ..)| *s == stamp)
                .map(|(_, at, what)| format!("{what} at {at:?}"))
                .collect::<Vec<_>>()
        };
        for (stamp, times) in &by_stamp {
            if matches!(stamp, Stamp::Dismiss(_)) {
                continue;
            }
            if times.len() > 1 {
                problems.push(format!(
                    "stamp {stamp:?} should be one timestamp: {:?}",
                    carriers(*stamp)
                ));
            }
            if let Stamp::Module(n) = stamp
                && times.iter().any(|t| *t != module_time(*n))
            {
                problems.push(format!(
                    "the module's stamp {stamp:?} ({:?}) was changed: {:?}",
                    module_time(*n),
                    carriers(*stamp)
                ));
            }
        }
        for (at, owners) in &by_time {
            if owners.len() > 1 && owners.iter().any(|s| !matches!(s, Stamp::Dismiss(_))) {
                let all: Vec<_> = owners.iter().flat_map(|s| carriers(*s)).collect();
                problems.push(format!(
                    "operations {owners:?} share the timestamp {at:?}: {all:?}"
                ));
            }
        }

        // check(): exactly the live rows whose record is soft-deleted (or missing).
        match self.links.check(db).await {
            Err(e) => problems.push(format!("check failed: {e}")),
            Ok(audit) => problems.extend(self.compare_audit(model, &audit)),
        }

        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n  "))
        }
    }

    fn compare_audit(&self, model: &Model, audit: &Audit) -> Vec<String> {
        let mut problems = Vec::new();
        for link in L::ALL {
            let Some(found) = audit.links.iter().find(|a| a.link == link.name()) else {
                problems.push(format!("check: no entry for {link:?}"));
                continue;
            };
            let (left, right) = model.dangling(link);
            for (side, expected, got) in [
                ("left", &left, &found.left),
                ("right", &right, &found.right),
            ] {
                let samples: BTreeSet<(String, String)> = got.samples.iter().cloned().collect();
                if !got.checked || got.dangling != expected.len() as u64 || &samples != expected {
                    problems.push(format!(
                        "check: {link:?} {side}: {} dangling {:?} (checked: {}); the model expects {} {:?}",
                        got.dangling,
                        got.samples,
                        got.checked,
                        expected.len(),
                        expected
                    ));
                }
            }
        }
        let total: usize = L::ALL
            .iter()
            .map(|&l| {
                let (a, b) = model.dangling(l);
                a.len() + b.len()
            })
            .sum();
        if audit.dangling() != total as u64 {
            problems.push(format!(
                "check: {} dangling in all, the model expects {total}",
                audit.dangling()
            ));
        }
        problems
    }
}
