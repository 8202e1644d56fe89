//! The walk of a restore (SPEC §8): the exact reverse of a delete. Each named record is
//! restored with the stamp it was deleted with; so are the link rows carrying that stamp and,
//! along `delete_cascade` sides, the records carrying it. A row whose other record is deleted
//! when the restore runs is not revived (no live link may point at a deleted record): it takes
//! that record's stamp, so restoring that record later brings it back.
//!
//! It runs in two passes: the first finds everything to revive (reading and locking), the
//! second revives it, so a row is judged by what its records will be once the restore is done.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::deletions;
use super::records::{self, State};
use super::{Failure, RemoteWrite, Run, Step, Visit, link_rows, partners, sides_on};
use crate::events::{EventRow, LinkEvent, LinkEventKind};
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModuleBinding};
use crate::stamp::next_stamp;

/// A record, as (module, model, id).
type RecordId = (&'static str, &'static str, String);

fn record_id(model: &ModelInfo, id: &str) -> RecordId {
    (model.module, model.name, id.to_string())
}

/// What the first pass found to revive.
#[derive(Default)]
struct Found {
    /// Records to revive, per model and stamp.
    records: Vec<(ModelInfo, Vec<String>, DateTime<Utc>)>,
    /// Link rows dismissed with a stamp being restored, per link (by index).
    rows: BTreeMap<usize, Vec<EventRow>>,
    /// Records of models without `deleted_at` the walk went through, per stamp: their
    /// deletions with that stamp are forgotten.
    kept: Vec<(ModelInfo, Vec<String>, DateTime<Utc>)>,
}

/// Restores `roots` and what was deleted with them.
pub(super) async fn walk(
    links: &Links,
    txn: &impl ConnectionTrait,
    roots: Vec<(ModelInfo, Vec<String>)>,
    run: &mut Run,
) -> Result<(), Failure> {
    let mut by_stamp: BTreeMap<DateTime<Utc>, Vec<(ModelInfo, Vec<String>)>> = BTreeMap::new();
    for (model, ids) in roots {
        let ids = run.unseen(&model, ids);
        for (stamp, ids) in deletion_stamps(links, txn, &model, &ids).await? {
            by_stamp.entry(stamp).or_default().push((model, ids));
        }
    }
    let mut found = Found::default();
    for (stamp, group) in by_stamp {
        run.report.stamps.push(stamp);
        find(links, txn, group, stamp, run, &mut found).await?;
    }
    revive(links, txn, found, run).await
}

/// The first pass for the records of one stamp: the rows touching them that carry it, and the
/// records on `delete_cascade` sides that carry it too, recursively.
async fn find(
    links: &Links,
    txn: &impl ConnectionTrait,
    roots: Vec<(ModelInfo, Vec<String>)>,
    stamp: DateTime<Utc>,
    run: &mut Run,
    found: &mut Found,
) -> Result<(), Failure> {
    let mut queue: VecDeque<Visit> = VecDeque::new();
    for (model, ids) in roots {
        found.records.push((model, ids.clone(), stamp));
        queue.push_back(Visit { model, ids, stamp });
    }
    while let Some(Visit { model, ids, .. }) = queue.pop_front() {
        for (entry, touching_left, far) in sides_on(links, &model) {
            let rows = link_rows::dismissed_with(txn, entry, touching_left, &ids, stamp).await?;
            if rows.is_empty() {
                continue;
            }
            let partners = partners(&rows, touching_left);
            found.rows.entry(entry.index).or_default().extend(rows);
            if !far.delete_cascade {
                continue;
            }
            let partners = run.unseen(&far.model, partners);
            if partners.is_empty() {
                continue;
            }
            // A partner deleted with this stamp comes back (and is walked from); one of a
            // model without `deleted_at` is walked from; one deleted by another operation,
            // or live, or gone, is left as it is.
            let states = read_states(links, txn, &far.model, &partners, true).await?;
            let mut back = Vec::new();
            let mut walk_on = Vec::new();
            for (id, state) in states {
                match state {
                    State::Deleted(at) if records::carries(at, stamp) => {
                        back.push(id.clone());
                        walk_on.push(id);
                    }
                    State::Live if deletions::kept_here(&far.model) => walk_on.push(id),
                    _ => {}
                }
            }
            if !back.is_empty() {
                found.records.push((far.model, back, stamp));
            }
            if deletions::kept_here(&far.model) && !walk_on.is_empty() {
                found.kept.push((far.model, walk_on.clone(), stamp));
            }
            if !walk_on.is_empty() {
                queue.push_back(Visit {
                    model: far.model,
                    ids: walk_on,
                    stamp,
                });
            }
        }
    }
    Ok(())
}

/// The second pass: revives the records found (those on their own connections after the walk),
/// then each row found whose two records are live once the restore is done; a row whose other
/// record stays deleted takes that record's stamp instead.
async fn revive(
    links: &Links,
    txn: &impl ConnectionTrait,
    found: Found,
    run: &mut Run,
) -> Result<(), Failure> {
    // Records without `deleted_at` deleted with the stamp are restored: reported, and their
    // kept stamps forgotten.
    for (model, ids, stamp) in found.records.iter().chain(&found.kept) {
        if deletions::kept_here(model) {
            let restored: Vec<String> = deletions::read(txn, model, ids)
                .await?
                .into_iter()
                .filter(|(_, at)| at == stamp)
                .map(|(id, _)| id)
                .collect();
            deletions::forget(txn, model, &restored, Some(*stamp)).await?;
            run.found(model, restored);
        }
    }
    let mut back: HashSet<RecordId> = HashSet::new();
    for (model, ids, stamp) in found.records {
        match links.binding(model.module) {
            Some(ModuleBinding::Elsewhere(_)) => {
                back.extend(ids.iter().map(|id| record_id(&model, id)));
                run.elsewhere.push(RemoteWrite {
                    model,
                    ids,
                    step: Step::Restore(stamp),
                });
            }
            _ => {
                let revived = records::revive(txn, &model, &ids, stamp).await?;
                back.extend(revived.iter().map(|id| record_id(&model, id)));
                run.found(&model, revived);
            }
        }
    }

    // The state of every record a row points at that this restore does not bring back.
    let mut others: BTreeMap<(&'static str, &'static str), (ModelInfo, BTreeSet<String>)> =
        BTreeMap::new();
    for (index, rows) in &found.rows {
        let spec = &links.entries()[*index].spec;
        for row in rows {
            for (model, id) in [
                (&spec.left.model, &row.left),
                (&spec.right.model, &row.right),
            ] {
                if !back.contains(&record_id(model, id)) {
                    others
                        .entry((model.module, model.name))
                        .or_insert_with(|| (*model, BTreeSet::new()))
                        .1
                        .insert(id.clone());
                }
            }
        }
    }
    let mut states: HashMap<RecordId, State> = HashMap::new();
    for (model, ids) in others.into_values() {
        let ids: Vec<String> = ids.into_iter().collect();
        let read = read_states(links, txn, &model, &ids, false).await?;
        // The stamp a row takes is its record's exact one.
        let mut deleted: BTreeMap<String, DateTime<Utc>> = read
            .iter()
            .filter_map(|(id, state)| match state {
                State::Deleted(at) => Some((id.clone(), *at)),
                State::Live => None,
            })
            .collect();
        super::exact_stamps(links, txn, &model, &mut deleted).await?;
        for (id, state) in read {
            let state = match deleted.get(&id) {
                Some(at) => State::Deleted(*at),
                None => state,
            };
            states.insert(record_id(&model, &id), state);
        }
    }

    let revived_at = next_stamp();
    for (index, rows) in found.rows {
        let entry = &links.entries()[index];
        let spec = &entry.spec;
        let mut live = Vec::new();
        let mut restamped: BTreeMap<DateTime<Utc>, Vec<EventRow>> = BTreeMap::new();
        let mut seen = HashSet::new();
        // A row touching two records of the walk was found twice.
        for row in rows.into_iter().filter(|row| seen.insert(row.id.clone())) {
            let ends = [
                record_id(&spec.left.model, &row.left),
                record_id(&spec.right.model, &row.right),
            ];
            let mut deleted = None;
            let mut gone = false;
            for end in &ends {
                if back.contains(end) {
                    continue;
                }
                match states.get(end) {
                    Some(State::Live) => {}
                    Some(State::Deleted(at)) => deleted = deleted.or(Some(*at)),
                    None => gone = true,
                }
            }
            match (deleted, gone) {
                (None, false) => live.push(row),
                (Some(at), _) => restamped.entry(at).or_default().push(row),
                // A record it points at no longer exists: it stays dismissed.
                (None, true) => {}
            }
        }
        for (at, rows) in restamped {
            link_rows::restamp(txn, entry, &rows, at).await?;
        }
        if live.is_empty() {
            continue;
        }
        links.ensure_schema(txn, entry).await?;
        link_rows::revive(txn, entry, &live, revived_at).await?;
        run.report
            .links
            .entry(spec.name.to_string())
            .or_default()
            .extend(live.iter().map(|row| (row.left.clone(), row.right.clone())));
        run.events.push(LinkEvent {
            link: spec.name,
            kind: LinkEventKind::Attached,
            rows: live,
        });
    }
    Ok(())
}

/// The states of `ids` of `model`, read where its records live.
async fn read_states(
    links: &Links,
    txn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
    lock: bool,
) -> Result<BTreeMap<String, State>, Failure> {
    match links.binding(model.module) {
        Some(ModuleBinding::Elsewhere(own)) => records::read(own, model, ids, false).await,
        _ => records::read(txn, model, ids, lock).await,
    }
}

/// The stamp each named record was deleted with, grouping the records by it: its own
/// `deleted_at` (read where its module lives), or, for a model without one, the one the
/// deletions table keeps for it. Live (never deleted) and missing records are left out.
async fn deletion_stamps(
    links: &Links,
    txn: &impl ConnectionTrait,
    model: &ModelInfo,
    ids: &[String],
) -> Result<BTreeMap<DateTime<Utc>, Vec<String>>, Failure> {
    let mut stamps: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    if model.soft_deletable && model.table.is_some() {
        for (id, state) in read_states(links, txn, model, ids, true).await? {
            if let State::Deleted(at) = state {
                stamps.insert(id, at);
            }
        }
        super::exact_stamps(links, txn, model, &mut stamps).await?;
    } else {
        stamps = deletions::read(txn, model, ids).await?;
    }
    let mut by_stamp: BTreeMap<DateTime<Utc>, Vec<String>> = BTreeMap::new();
    for (id, at) in stamps {
        by_stamp.entry(at).or_default().push(id);
    }
    Ok(by_stamp)
}
