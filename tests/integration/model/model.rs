//! The model: every record and every link row, and what each operation does to them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::DateTime;

use crate::DateTimeUtc;
use crate::ops::{Op, Outcome, PairArg};
use crate::rules::{L, M, canonical};

/// Which operation set a `deleted_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Stamp {
    /// The n-th `delete` call's fresh stamp.
    Delete(u32),
    /// The n-th soft-delete a module did itself (its timestamp is `module_time(n)`).
    Module(u32),
    /// One row dismissed by a dismiss call: its timestamp must only differ from every record's.
    Dismiss(u32),
}

/// A module's own soft-delete timestamps: distinct, microsecond-exact, far from the runtime's.
pub(crate) fn module_time(n: u32) -> DateTimeUtc {
    DateTime::from_timestamp(978_307_200 + i64::from(n), n * 1_000).expect("a valid timestamp")
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub(crate) deleted: Option<Stamp>,
    pub(crate) extra: Option<i32>,
}

pub(crate) type RowKey = (L, String, String);
/// (left id, right id)
pub(crate) type Pair = (String, String);
pub(crate) type RecordKey = (M, String);

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Record(RecordKey),
    Row(RowKey),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    /// Every record: `None` live, `Some(stamp)` soft-deleted.
    pub(crate) records: BTreeMap<RecordKey, Option<Stamp>>,
    /// Every row of every link table (SPEC §6: rows are soft-deleted, never removed).
    pub(crate) rows: BTreeMap<RowKey, Row>,
    /// The stamp of each deleted (and not restored) record of a model without `deleted_at`,
    /// which the library keeps for it.
    pub(crate) deletions: BTreeMap<RecordKey, Stamp>,
    pub(crate) next: u32,
}

impl Model {
    pub(crate) fn new() -> Self {
        let mut model = Model::default();
        for m in M::ALL {
            for id in m.ids() {
                model.records.insert((m, id), None);
            }
        }
        model
    }

    fn fresh(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    pub(crate) fn state(&self, m: M, id: &str) -> Option<Option<Stamp>> {
        self.records.get(&(m, id.to_string())).copied()
    }

    /// The record exists and is not soft-deleted.
    fn live(&self, m: M, id: &str) -> bool {
        self.state(m, id) == Some(None)
    }

    fn canonical_pairs(link: L, pairs: &[PairArg]) -> Option<Vec<(String, String, Option<i32>)>> {
        let rule = link.rule();
        pairs
            .iter()
            .map(|p| {
                Some((
                    canonical(rule.left, &p.left)?,
                    canonical(rule.right, &p.right)?,
                    p.data,
                ))
            })
            .collect()
    }

    fn canonical_keys(m: M, keys: &[String]) -> Option<BTreeSet<String>> {
        keys.iter().map(|k| canonical(m, k)).collect()
    }

    /// SPEC §6: the declared cardinality holds over the live rows of every link.
    fn fits(rows: &BTreeMap<RowKey, Row>) -> bool {
        let mut lefts = BTreeMap::<(L, &str), usize>::new();
        let mut rights = BTreeMap::<(L, &str), usize>::new();
        for ((link, l, r), row) in rows {
            if row.deleted.is_none() {
                *lefts.entry((*link, l)).or_default() += 1;
                *rights.entry((*link, r)).or_default() += 1;
            }
        }
        lefts
            .iter()
            .all(|((link, _), &n)| n <= 1 || !link.rule().left_unique())
            && rights
                .iter()
                .all(|((link, _), &n)| n <= 1 || !link.rule().right_unique())
    }

    /// The rows touching a record, each with the other record and whether the other record's
    /// side is `delete_cascade` (deleting this record deletes it).
    fn touching(&self, x: &RecordKey) -> Vec<(RowKey, RecordKey, bool)> {
        let mut found = Vec::new();
        for key @ (link, l, r) in self.rows.keys() {
            let rule = link.rule();
            if rule.left == x.0 && *l == x.1 {
                found.push((key.clone(), (rule.right, r.clone()), rule.cascade_right));
            }
            if rule.right == x.0 && *r == x.1 {
                found.push((key.clone(), (rule.left, l.clone()), rule.cascade_left));
            }
        }
        found
    }

    pub(crate) fn apply(&mut self, op: &Op) -> Outcome {
        match op {
            Op::Create(link, pairs) => self.create(*link, pairs),
            Op::Update(link, pairs) => self.update(*link, pairs),
            Op::Dismiss(link, pairs) => self.dismiss(*link, pairs),
            Op::Delete(m, keys) => self.delete(*m, keys),
            Op::Restore(m, keys) => self.restore(*m, keys),
            Op::ModuleDelete(m, id) => {
                // The module's UPDATE writes `module_time(n)` where the record is live.
                let n = self.fresh();
                if self.live(*m, id) {
                    self.records
                        .insert((*m, id.clone()), Some(Stamp::Module(n)));
                }
                Outcome::Ok
            }
        }
    }

    /// SPEC §8 create: shape errors first (`InvalidInput`), then both records of every pair must
    /// exist and be live (`NotFound`), then cardinality against the stored live rows and inside
    /// the batch (`Conflict`); an identical live pair is idempotent, named extra columns take the
    /// new data and the others keep theirs, a dismissed pair is revived the same way, a new row
    /// gets the declared defaults. A failed create changes nothing.
    fn create(&mut self, link: L, pairs: &[PairArg]) -> Outcome {
        let rule = link.rule();
        let Some(pairs) = Self::canonical_pairs(link, pairs) else {
            return Outcome::InvalidInput;
        };
        if pairs
            .iter()
            .any(|(l, r, _)| !self.live(rule.left, l) || !self.live(rule.right, r))
        {
            return Outcome::NotFound;
        }
        let mut next = self.rows.clone();
        for (l, r, data) in pairs {
            let row = next.entry((link, l, r)).or_insert(Row {
                deleted: None,
                extra: rule.default_extra(),
            });
            row.deleted = None;
            if data.is_some() {
                row.extra = data;
            }
        }
        if !Self::fits(&next) {
            return Outcome::Conflict;
        }
        self.rows = next;
        Outcome::Ok
    }

    /// SPEC §8 update: every pair must be live, else `NotFound` and nothing changes.
    fn update(&mut self, link: L, pairs: &[PairArg]) -> Outcome {
        let Some(pairs) = Self::canonical_pairs(link, pairs) else {
            return Outcome::InvalidInput;
        };
        let live = |(l, r, _): &(String, String, Option<i32>)| {
            self.rows
                .get(&(link, l.clone(), r.clone()))
                .is_some_and(|row| row.deleted.is_none())
        };
        if !pairs.iter().all(live) {
            return Outcome::NotFound;
        }
        for (l, r, data) in pairs {
            if let Some(row) = self.rows.get_mut(&(link, l, r))
                && data.is_some()
            {
                row.extra = data;
            }
        }
        Outcome::Ok
    }

    /// SPEC §8 dismiss: soft-deletes the live pairs; a missing pair is not an error.
    fn dismiss(&mut self, link: L, pairs: &[PairArg]) -> Outcome {
        let Some(pairs) = Self::canonical_pairs(link, pairs) else {
            return Outcome::InvalidInput;
        };
        for (l, r, _) in pairs {
            let key = (link, l, r);
            if self.rows.get(&key).is_some_and(|row| row.deleted.is_none()) {
                let n = self.fresh();
                if let Some(row) = self.rows.get_mut(&key) {
                    row.deleted = Some(Stamp::Dismiss(n));
                }
            }
        }
        Outcome::Ok
    }

    /// What one named record's delete removes, from the state before the call, and with which
    /// stamp: the record itself (if live and soft-deletable), every live row touching it, and,
    /// across `delete_cascade` sides, the live records linked to it, recursively, each once. A
    /// record the cascade reaches already soft-deleted keeps its stamp and the walk stops there
    /// (the live row that led to it is still dismissed).
    fn walk(&self, root: &RecordKey) -> BTreeSet<Item> {
        let mut items = BTreeSet::new();
        if root.0.soft() && self.state(root.0, &root.1) == Some(None) {
            items.insert(Item::Record(root.clone()));
        }
        let mut visited = BTreeSet::from([root.clone()]);
        let mut queue = VecDeque::from([root.clone()]);
        while let Some(x) = queue.pop_front() {
            for (row, other, cascade) in self.touching(&x) {
                if self.rows[&row].deleted.is_some() {
                    continue;
                }
                items.insert(Item::Row(row));
                if cascade && visited.insert(other.clone()) {
                    // A record reached already soft-deleted: the walk stops there. (No cascade
                    // side of this world is a model without `deleted_at`.)
                    if other.0.soft() && self.state(other.0, &other.1) == Some(None) {
                        items.insert(Item::Record(other.clone()));
                        queue.push_back(other);
                    }
                }
            }
        }
        items
    }

    /// SPEC §8 delete. Stamps: a named record that is live gets the call's fresh stamp; a named
    /// record already soft-deleted (by its module or an earlier delete) keeps its stamp, and what
    /// the call removes through it takes that stamp. Ids with no record are not an error.
    fn delete(&mut self, m: M, keys: &[String]) -> Outcome {
        let Some(ids) = Self::canonical_keys(m, keys) else {
            return Outcome::InvalidInput;
        };
        let fresh = Stamp::Delete(self.fresh());
        let mut walks: Vec<(Stamp, BTreeSet<Item>)> = Vec::new();
        let mut kept = Vec::new();
        for id in ids {
            let Some(state) = self.state(m, &id) else {
                continue;
            };
            // A record without `deleted_at` deleted before keeps its stamp too.
            let acting = match state {
                Some(stamp) => stamp,
                None if !m.soft() => *self.deletions.get(&(m, id.clone())).unwrap_or(&fresh),
                None => fresh,
            };
            if !m.soft() {
                kept.push(((m, id.clone()), acting));
            }
            walks.push((acting, self.walk(&(m, id))));
        }
        // Two named records whose walks meet with different stamps: SPEC §8 does not say which
        // stamp what they share takes.
        for (i, (s, a)) in walks.iter().enumerate() {
            for (t, b) in &walks[i + 1..] {
                if s != t && !a.is_disjoint(b) {
                    return Outcome::Skipped;
                }
            }
        }
        self.deletions.extend(kept);
        for (stamp, items) in walks {
            for item in items {
                match item {
                    Item::Record(key) => {
                        self.records.insert(key, Some(stamp));
                    }
                    Item::Row(key) => {
                        if let Some(row) = self.rows.get_mut(&key) {
                            row.deleted = Some(stamp);
                        }
                    }
                }
            }
        }
        Outcome::Ok
    }

    /// SPEC §8 restore: revives the named records and only the link rows and cascaded records
    /// whose `deleted_at` equals the named record's (a record is "cascaded" from a revived one
    /// when it sits on a `delete_cascade` side of a row carrying that stamp and carries the stamp
    /// itself); whether or not they had links, on any connection. A row whose other record stays
    /// soft-deleted is not revived and takes that record's stamp. A revived row that breaks
    /// cardinality: `Conflict`, nothing restored. A record that is live or does not exist is
    /// not an error and changes nothing.
    fn restore(&mut self, m: M, keys: &[String]) -> Outcome {
        let Some(ids) = Self::canonical_keys(m, keys) else {
            return Outcome::InvalidInput;
        };
        let mut revived: BTreeMap<RecordKey, Stamp> = BTreeMap::new();
        let mut queue = VecDeque::new();
        for id in ids {
            let stamp = match self.state(m, &id) {
                Some(Some(stamp)) => stamp,
                Some(None) if !m.soft() => match self.deletions.get(&(m, id.clone())) {
                    Some(stamp) => *stamp,
                    None => continue,
                },
                _ => continue,
            };
            revived.insert((m, id.clone()), stamp);
            queue.push_back(((m, id), stamp));
        }
        while let Some((x, stamp)) = queue.pop_front() {
            for (row, other, cascade) in self.touching(&x) {
                if self.rows[&row].deleted == Some(stamp)
                    && cascade
                    && self.state(other.0, &other.1) == Some(Some(stamp))
                    && !revived.contains_key(&other)
                {
                    revived.insert(other.clone(), stamp);
                    queue.push_back((other, stamp));
                }
            }
        }
        let mut next = self.rows.clone();
        for (x, stamp) in &revived {
            for (row, other, _) in self.touching(x) {
                if self.rows[&row].deleted != Some(*stamp) {
                    continue;
                }
                let other_state = self.state(other.0, &other.1).flatten();
                let live_after =
                    !other.0.soft() || other_state.is_none() || revived.contains_key(&other);
                if let Some(r) = next.get_mut(&row) {
                    r.deleted = if live_after { None } else { other_state };
                }
            }
        }
        if !Self::fits(&next) {
            return Outcome::Conflict;
        }
        self.rows = next;
        for x in revived.into_keys() {
            self.deletions.remove(&x);
            self.records.insert(x, None);
        }
        Outcome::Ok
    }

    /// What `Links::check` must report for a link: its live rows whose left (right) record is
    /// soft-deleted or missing.
    pub(crate) fn dangling(&self, link: L) -> (BTreeSet<Pair>, BTreeSet<Pair>) {
        let rule = link.rule();
        let mut left = BTreeSet::new();
        let mut right = BTreeSet::new();
        for ((k, l, r), row) in &self.rows {
            if *k != link || row.deleted.is_some() {
                continue;
            }
            if !self.live(rule.left, l) {
                left.insert((l.clone(), r.clone()));
            }
            if !self.live(rule.right, r) {
                right.insert((l.clone(), r.clone()));
            }
        }
        (left, right)
    }
}
