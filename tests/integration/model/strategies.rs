//! Generated sequences: the proptest strategies of keys, pairs, operations and sequences.

use proptest::prelude::*;

use crate::ops::{Op, PairArg};
use crate::rules::{ExtraKind, KeyKind, L, M, MISSING, canonical};

/// A key of model `m` as a caller may give it: mostly canonical ids of existing records; now
/// and then an id with no record, or a non-canonical form (an integer with a leading zero, a
/// sign or a space; a UUID in upper case or without hyphens; a string id in upper case, which
/// is another, missing, record).
fn key(m: M) -> BoxedStrategy<String> {
    let index = prop_oneof![10 => 0..m.count(), 1 => Just(MISSING)];
    match m.kind() {
        KeyKind::Str => (index, prop::bool::weighted(0.05))
            .prop_map(move |(i, upper)| {
                let id = m.id(i);
                if upper { id.to_uppercase() } else { id }
            })
            .boxed(),
        KeyKind::Int => (
            index,
            prop_oneof![16 => Just(0u8), 1 => Just(1), 1 => Just(2), 1 => Just(3)],
        )
            .prop_map(move |(i, form)| {
                let id = m.id(i);
                match form {
                    0 => id,
                    1 => format!("0{id}"),
                    2 => format!("+{id}"),
                    _ => format!(" {id}"),
                }
            })
            .boxed(),
        KeyKind::Uuid => (index, 0..6u8)
            .prop_map(move |(i, form)| {
                let id = m.id(i);
                let simple = id.replace('-', "");
                match form {
                    0..=2 => id,
                    3 => id.to_uppercase(),
                    4 => simple,
                    _ => simple.to_uppercase(),
                }
            })
            .boxed(),
    }
}

/// The canonical id of an existing record of `m`.
fn existing(m: M) -> impl Strategy<Value = String> {
    (0..m.count()).prop_map(move |i| m.id(i))
}

/// 1–3 pairs, sometimes with the first repeated. Repeats of one record pair (however written)
/// name the same data: which of two values a batch keeps is not a rule of SPEC §8.
fn pairs(link: L, data_always: bool) -> BoxedStrategy<Vec<PairArg>> {
    let rule = link.rule();
    let data = match (rule.extra, data_always) {
        (ExtraKind::None, _) => Just(None).boxed(),
        (_, true) => (0..5i32).prop_map(Some).boxed(),
        (_, false) => prop::option::of(0..5i32).boxed(),
    };
    let pair = (key(rule.left), key(rule.right), data).prop_map(|(left, right, data)| PairArg {
        left,
        right,
        data,
    });
    (
        prop::collection::vec(pair, 1..=3),
        prop::bool::weighted(0.2),
    )
        .prop_map(move |(mut pairs, again)| {
            if again {
                pairs.push(pairs[0].clone());
            }
            same_data_for_same_pair(link, &mut pairs);
            pairs
        })
        .boxed()
}

/// Gives each repeat of a record pair (however its keys are written) the data of its first
/// occurrence.
fn same_data_for_same_pair(link: L, pairs: &mut [PairArg]) {
    let rule = link.rule();
    let canon = |p: &PairArg| {
        Some((
            canonical(rule.left, &p.left)?,
            canonical(rule.right, &p.right)?,
        ))
    };
    for j in 1..pairs.len() {
        let Some(cj) = canon(&pairs[j]) else { continue };
        if let Some(i) = (0..j).find(|&i| canon(&pairs[i]).as_ref() == Some(&cj)) {
            pairs[j].data = pairs[i].data;
        }
    }
}

/// Pairs created, then updated with new data (sometimes with one more pair, which may not be
/// live: `NotFound`, nothing changes), or dismissed first (`NotFound`).
fn create_then_update() -> BoxedStrategy<Vec<Op>> {
    prop::sample::select(vec![L::ProductRegion, L::ProductTag])
        .prop_flat_map(|link| (Just(link), pairs(link, false), pairs(link, true), 0..4u8))
        .prop_map(|(link, created, other, variant)| {
            let mut updated: Vec<PairArg> = created
                .iter()
                .zip(other.iter().cycle())
                .map(|(p, o)| PairArg {
                    data: o.data,
                    ..p.clone()
                })
                .collect();
            let mut ops = vec![Op::Create(link, created.clone())];
            match variant {
                0 => updated.push(other[0].clone()),
                1 => ops.push(Op::Dismiss(link, created[..1].to_vec())),
                _ => {}
            }
            same_data_for_same_pair(link, &mut updated);
            ops.push(Op::Update(link, updated));
            ops
        })
        .boxed()
}

/// The ids of a delete or restore: mostly one, sometimes two or three.
fn keys(m: M) -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        3 => prop::collection::vec(key(m), 1..=1),
        1 => prop::collection::vec(key(m), 2..=3),
    ]
    .boxed()
}

/// Models a module soft-deletes itself (every one but tags, which have no `deleted_at`).
const SOFT_DELETABLE: [M; 6] = [
    M::Product,
    M::Post,
    M::Comment,
    M::Region,
    M::Alpha,
    M::Beta,
];
fn any_link() -> impl Strategy<Value = L> {
    prop::sample::select(L::ALL.to_vec())
}

fn delete_op() -> BoxedStrategy<Op> {
    prop::sample::select(M::ALL.to_vec())
        .prop_flat_map(|m| keys(m).prop_map(move |k| Op::Delete(m, k)))
        .boxed()
}

/// Restores of any model's records: a record without `deleted_at` is restored with the stamp
/// the library kept for its delete.
fn restore_op() -> BoxedStrategy<Op> {
    prop::sample::select(M::ALL.to_vec())
        .prop_flat_map(|m| keys(m).prop_map(move |k| Op::Restore(m, k)))
        .boxed()
}

fn op() -> BoxedStrategy<Op> {
    prop_oneof![
        5 => any_link().prop_flat_map(|l| pairs(l, false).prop_map(move |p| Op::Create(l, p))),
        2 => prop::sample::select(vec![L::ProductRegion, L::ProductTag])
            .prop_flat_map(|l| pairs(l, true).prop_map(move |p| Op::Update(l, p))),
        2 => any_link().prop_flat_map(|l| pairs(l, false).prop_map(move |p| Op::Dismiss(l, p))),
        3 => delete_op(),
        3 => restore_op(),
        2 => prop::sample::select(SOFT_DELETABLE.to_vec())
            .prop_flat_map(|m| existing(m).prop_map(move |id| Op::ModuleDelete(m, id))),
    ]
    .boxed()
}

/// A few operations that belong together: one operation; a delete or restore done twice in a
/// row; a pair linked, its right end deleted, then its left end, then both restored in either
/// order; a module's soft-delete, then `delete` (once or twice), then `restore`.
fn chunk() -> BoxedStrategy<Vec<Op>> {
    let twice = prop_oneof![delete_op(), restore_op()].prop_map(|op| vec![op.clone(), op]);
    let other_end_first =
        (any_link(), 0..3usize, 0..3usize, any::<bool>()).prop_map(|(link, i, j, left_first)| {
            let rule = link.rule();
            let (l, r) = (rule.left.id(i), rule.right.id(j));
            let mut ops = vec![
                Op::Create(
                    link,
                    vec![PairArg {
                        left: l.clone(),
                        right: r.clone(),
                        data: None,
                    }],
                ),
                Op::Delete(rule.right, vec![r.clone()]),
                Op::Delete(rule.left, vec![l.clone()]),
            ];
            let mut restores = vec![(rule.left, l), (rule.right, r)];
            if !left_first {
                restores.reverse();
            }
            for (m, id) in restores {
                ops.push(Op::Restore(m, vec![id]));
            }
            ops
        });
    let module_then_delete = (
        prop::sample::select(SOFT_DELETABLE.to_vec()),
        0..3usize,
        any::<bool>(),
    )
        .prop_map(|(m, i, again)| {
            let id = m.id(i);
            let mut ops = vec![
                Op::ModuleDelete(m, id.clone()),
                Op::Delete(m, vec![id.clone()]),
            ];
            if again {
                ops.push(Op::Delete(m, vec![id.clone()]));
            }
            ops.push(Op::Restore(m, vec![id]));
            ops
        });
    // A pair linked, one end soft-deleted by its module, then the other end deleted (whose
    // cascade may reach the first) and both restored.
    let module_then_other_end = (any_link(), 0..3usize, 0..3usize, any::<bool>()).prop_map(
        |(link, i, j, left_by_module)| {
            let rule = link.rule();
            let (l, r) = (rule.left.id(i), rule.right.id(j));
            let (by_module, other) = if left_by_module && rule.left.soft() || !rule.right.soft() {
                ((rule.left, l.clone()), (rule.right, r.clone()))
            } else {
                ((rule.right, r.clone()), (rule.left, l.clone()))
            };
            let mut ops = vec![
                Op::Create(
                    link,
                    vec![PairArg {
                        left: l,
                        right: r,
                        data: None,
                    }],
                ),
                Op::ModuleDelete(by_module.0, by_module.1.clone()),
                Op::Delete(other.0, vec![other.1.clone()]),
            ];
            ops.push(Op::Restore(other.0, vec![other.1]));
            ops.push(Op::Restore(by_module.0, vec![by_module.1]));
            ops
        },
    );
    // Two records competing for one slot of a link with a unique side; or a slot taken while
    // its holder is deleted, then the holder restored (a `Conflict`, restoring nothing).
    let unique = prop::sample::select(vec![
        L::ProductPost,
        L::PostComment,
        L::ProductRegion,
        L::Member,
    ]);
    let contend = (unique, 0..3usize, 0..3usize, 0..3usize, any::<bool>()).prop_map(
        |(link, i, j, k, restore)| {
            let rule = link.rule();
            let pair = |a: usize, b: usize| {
                vec![PairArg {
                    left: rule.left.id(a),
                    right: rule.right.id(b),
                    data: None,
                }]
            };
            // The side that holds one: its record is the slot others compete for.
            let (first, second) = if rule.right_unique() {
                (pair(i, j), pair(k, j))
            } else {
                (pair(i, j), pair(i, k))
            };
            if restore {
                let (m, id) = if rule.right_unique() {
                    (rule.left, rule.left.id(i))
                } else {
                    (rule.right, rule.right.id(j))
                };
                vec![
                    Op::Create(link, first),
                    Op::Delete(m, vec![id.clone()]),
                    Op::Create(link, second),
                    Op::Restore(m, vec![id]),
                ]
            } else {
                vec![Op::Create(link, first), Op::Create(link, second)]
            }
        },
    );
    prop_oneof![
        12 => op().prop_map(|op| vec![op]),
        2 => twice,
        1 => other_end_first,
        1 => module_then_delete,
        1 => module_then_other_end,
        2 => contend,
        2 => create_then_update(),
    ]
    .boxed()
}

pub(crate) fn sequence() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(chunk(), 1..20)
        .prop_map(|chunks| chunks.into_iter().flatten().collect::<Vec<Op>>())
}
