//! The walk of a delete (SPEC §8): the named records, the link rows touching them, and the
//! records on `delete_cascade` sides, recursively, each record once.
//!
//! Stamps: a named record that is live (or is not found) is deleted with the call's fresh
//! stamp; a named record already soft-deleted keeps its stamp, and what the call removes through
//! it takes that stamp, so a module's delete followed by this one restores as one, and a
//! repeated delete changes nothing. A record of a model without `deleted_at` has its stamp kept
//! in the deletions table, and counts as already deleted while it has one there. A record the cascade reaches already
//! soft-deleted keeps its own stamp, and the walk stops there (what was deleted before stays
//! deleted after a restore); the live row that led to it is dismissed all the same.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::deletions;
use super::records::{self, State};
use super::{Failure, RemoteWrite, Run, Step, Visit, link_rows, partners, sides_on};
use crate::events::{LinkEvent, LinkEventKind};
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModuleBinding};

/// What deleting some records of one model found.
#[derive(Default)]
struct Marked {
    /// The records the walk goes on from: deleted now (here or, after the walk, on their own
    /// connection), or not found (their links are cleaned up after a hard delete).
    go_on: Vec<String>,
    /// The records found already deleted, with their stamps.
    already: BTreeMap<String, DateTime<Utc>>,
}

/// Deletes `roots` and everything their cascades reach, with `fresh` as the call's stamp.
pub(super) async fn walk(
    links: &Links,
    txn: &impl ConnectionTrait,
    roots: Vec<(ModelInfo, Vec<String>)>,
    fresh: DateTime<Utc>,
    run: &mut Run,
) -> Result<(), Failure> {
    let mut queue: VecDeque<Visit> = VecDeque::new();
    let mut kept: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    let mut fresh_used = false;
    for (model, ids) in roots {
        let ids = run.unseen(&model, ids);
        if ids.is_empty() {
            continue;
        }
        let marked = mark(links, txn, &model, &ids, fresh, run).await?;
        if !marked.go_on.is_empty() {
            fresh_used = true;
            queue.push_back(Visit {
                model,
                ids: marked.go_on,
                stamp: fresh,
            });
        }
        // A named record already deleted is walked from with its own stamp.
        let mut by_stamp: BTreeMap<DateTime<Utc>, Vec<String>> = BTreeMap::new();
        for (id, stamp) in marked.already {
            by_stamp.entry(stamp).or_default().push(id);
        }
        for (stamp, ids) in by_stamp {
            kept.insert(stamp);
            run.found(&model, ids.iter().cloned());
            queue.push_back(Visit { model, ids, stamp });
        }
    }
    run.report.stamps = fresh_used
        .then_some(fresh)
        .into_iter()
        .chain(kept)
        .collect();

    while let Some(Visit { model, ids, stamp }) = queue.pop_front() {
        for (entry, touching_left, far) in sides_on(links, &model) {
            let rows = link_rows::dismiss_touching(txn, entry, touching_left, &ids, stamp).await?;
            if rows.is_empty() {
                continue;
            }
            let partners = partners(&rows, touching_left);
            run.report
                .links
                .entry(entry.spec.name.to_string())
                .or_default()
                .extend(rows.iter().map(|row| (row.left.clone(), row.right.clone())));
            run.events.push(LinkEvent {
                link: entry.spec.name,
                kind: LinkEventKind::Detached,
                rows,
            });
            if !far.delete_cascade {
                continue;
            }
            let partners = run.unseen(&far.model, partners);
            if partners.is_empty() {
                continue;
            }
            // A partner already deleted keeps its stamp, and the walk stops there.
            let marked = mark(links, txn, &far.model, &partners, stamp, run).await?;
            if !marked.go_on.is_empty() {
                queue.push_back(Visit {
                    model: far.model,
                    ids: marked.go_on,
                    stamp,
                });
            }
        }
    }
    Ok(())
}

/// Deletes the live records among `ids` with `stamp`: now on the home connection, or after
/// the walk on a module's own connection (read now, so the walk knows which are live).
async fn mark(
    links: &Links,
    txn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    stamp: DateTime<Utc>,
    run: &mut Run,
) -> Result<Marked, Failure> {
    let mut marked = Marked::default();
    if deletions::kept_here(model) {
        // Nothing of the record's to stamp: the stamp of each found record is kept in the
        // deletions table, where one deleted before (and not restored) has its own.
        let found: Vec<String> = match links.binding(model.module) {
            Some(ModuleBinding::Elsewhere(own)) => records::read(own, model, ids, false).await?,
            _ => records::read(txn, model, ids, false).await?,
        }
        .into_keys()
        .collect();
        // Ids with no record: any stamp kept for them was another record's.
        let present: BTreeSet<&String> = found.iter().collect();
        let gone: Vec<String> = ids
            .iter()
            .filter(|id| !present.contains(id))
            .cloned()
            .collect();
        deletions::forget(txn, model, &gone, None).await?;
        marked.already = deletions::read(txn, model, &found).await?;
        let deleted_now: Vec<String> = found
            .into_iter()
            .filter(|id| !marked.already.contains_key(id))
            .collect();
        deletions::record(txn, model, &deleted_now, stamp).await?;
        run.found(model, deleted_now);
        // Walked from: those deleted now, and those not found (to clean up their links).
        marked.go_on = ids
            .iter()
            .filter(|id| !marked.already.contains_key(*id))
            .cloned()
            .collect();
        return Ok(marked);
    }
    match links.binding(model.module) {
        Some(ModuleBinding::Elsewhere(own)) => {
            let states = records::read(own, model, ids, false).await?;
            for (id, state) in &states {
                if let State::Deleted(at) = state {
                    marked.already.insert(id.clone(), *at);
                }
            }
            let live: Vec<String> = states
                .into_iter()
                .filter(|(_, state)| *state == State::Live)
                .map(|(id, _)| id)
                .collect();
            if !live.is_empty() {
                run.elsewhere.push(RemoteWrite {
                    model: *model,
                    ids: live,
                    step: Step::Delete(stamp),
                });
            }
        }
        _ => {
            let stamped = records::stamp_live(txn, model, ids, stamp).await?;
            run.found(model, stamped.iter().cloned());
            if stamped.len() < ids.len() {
                let rest: Vec<String> = ids
                    .iter()
                    .filter(|id| stamped.binary_search(id).is_err())
                    .cloned()
                    .collect();
                for (id, state) in records::read(txn, model, &rest, false).await? {
                    if let State::Deleted(at) = state {
                        marked.already.insert(id, at);
                    }
                }
            }
        }
    }
    // What the call removes through a record already deleted takes its exact stamp.
    super::exact_stamps(links, txn, model, &mut marked.already).await?;
    // Walked from: the live records, and those not found (to clean up their links).
    marked.go_on = ids
        .iter()
        .filter(|id| !marked.already.contains_key(*id))
        .cloned()
        .collect();
    Ok(marked)
}
