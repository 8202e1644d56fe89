//! Fixed sequences written from SPEC §8's sentences.

use crate::ops::{Op, PairArg};
use crate::rules::{L, M};

/// Sequences written from SPEC §8's sentences, run before the generated ones on every backend;
/// the model, not the sequence, says what each step must do.
pub(crate) fn scenarios() -> Vec<(&'static str, Vec<Op>)> {
    let pair = |l: &str, r: &str| {
        vec![PairArg {
            left: l.into(),
            right: r.into(),
            data: None,
        }]
    };
    let ids = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
    let b0 = M::Beta.id(0);
    let b1 = M::Beta.id(1);
    vec![
        (
            "a module's delete followed by `delete` restores as one operation",
            vec![
                Op::Create(L::ProductPost, pair("p0", "s0")),
                Op::Create(L::PostComment, pair("s0", "c0")),
                Op::Create(L::ProductRegion, pair("p0", "5")),
                Op::ModuleDelete(M::Product, "p0".into()),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Restore(M::Product, ids(&["p0"])),
            ],
        ),
        (
            "a record the cascade reaches already soft-deleted keeps its stamp; the walk stops there",
            vec![
                Op::Create(L::ProductPost, pair("p0", "s0")),
                Op::Create(L::PostComment, pair("s0", "c0")),
                Op::ModuleDelete(M::Post, "s0".into()),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Restore(M::Product, ids(&["p0"])),
                Op::Restore(M::Post, ids(&["s0"])),
            ],
        ),
        (
            "a repeated delete changes nothing and loses nothing",
            vec![
                Op::Create(L::ProductRegion, pair("p0", "5")),
                Op::Create(L::ProductTag, pair("p0", "t0")),
                Op::Create(L::ProductPost, pair("p0", "s0")),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Restore(M::Product, ids(&["p0"])),
            ],
        ),
        (
            "a restore never revives a link to a record deleted since",
            vec![
                Op::Create(L::ProductRegion, pair("p0", "5")),
                Op::Delete(M::Region, ids(&["5"])),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Restore(M::Region, ids(&["5"])),
                Op::Restore(M::Product, ids(&["p0"])),
            ],
        ),
        (
            "restoring a record the cascade reached leaves the link to the deleted record dismissed",
            vec![
                Op::Create(L::ProductPost, pair("p0", "s0")),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Restore(M::Post, ids(&["s0"])),
                Op::Restore(M::Product, ids(&["p0"])),
            ],
        ),
        (
            "two pairs competing for one slot, in a batch or against a stored row, are a Conflict",
            vec![
                Op::Create(L::ProductRegion, pair("p1", "5")),
                Op::Create(
                    L::ProductRegion,
                    vec![
                        PairArg {
                            left: "p1".into(),
                            right: "6".into(),
                            data: Some(0),
                        },
                        PairArg {
                            left: "p0".into(),
                            right: "5".into(),
                            data: Some(0),
                        },
                    ],
                ),
                Op::Create(L::ProductPost, pair("p0", "s0")),
                Op::Create(L::ProductPost, pair("p1", "s0")),
                Op::Create(
                    L::PostComment,
                    vec![
                        PairArg {
                            left: "s0".into(),
                            right: "c0".into(),
                            data: None,
                        },
                        PairArg {
                            left: "s1".into(),
                            right: "c0".into(),
                            data: None,
                        },
                    ],
                ),
            ],
        ),
        (
            "a cycle of cascades ends, and restores as one operation",
            vec![
                Op::Create(L::Owns, pair("a0", &b0)),
                Op::Create(L::Member, pair("a1", &b0)),
                Op::Create(L::Owns, pair("a1", &b1)),
                Op::Delete(M::Alpha, ids(&["a0"])),
                Op::Restore(M::Alpha, ids(&["a0"])),
            ],
        ),
        (
            "a record of a module on another connection, without links, is restored",
            vec![
                Op::Delete(M::Comment, ids(&["c0"])),
                Op::Restore(M::Comment, ids(&["c0"])),
            ],
        ),
        (
            "a record with a UUID key, without links, is restored",
            vec![
                Op::Delete(M::Beta, vec![b1.clone()]),
                Op::Restore(M::Beta, vec![b1.clone()]),
            ],
        ),
        (
            "restoring what was never deleted, or does not exist, changes nothing",
            vec![
                Op::Create(L::ProductPost, pair("p1", "s1")),
                Op::Restore(M::Product, ids(&["p1", "p9"])),
                Op::Restore(M::Post, ids(&["s1"])),
            ],
        ),
        (
            "a restore whose revived link breaks cardinality is a Conflict and restores nothing",
            vec![
                Op::Create(L::ProductRegion, pair("p0", "5")),
                Op::Delete(M::Product, ids(&["p0"])),
                Op::Create(L::ProductRegion, pair("p1", "5")),
                Op::Restore(M::Product, ids(&["p0"])),
            ],
        ),
        (
            "integer keys: \"07\", \"+7\", \" 7\" are InvalidInput and write nothing",
            vec![
                Op::Create(L::ProductRegion, pair("p0", "07")),
                Op::Create(L::ProductRegion, pair("p1", "+7")),
                Op::Create(L::ProductRegion, pair("p2", " 7")),
                Op::Create(L::ProductRegion, pair("p0", "7")),
                Op::Dismiss(L::ProductRegion, pair("p0", "07")),
                Op::Delete(M::Region, ids(&["07"])),
            ],
        ),
        (
            "UUID keys in any form are the same record, stored lower-case and hyphenated",
            vec![
                Op::Create(L::Owns, pair("a0", &b0.to_uppercase())),
                Op::Create(L::Member, pair("a0", &b0.replace('-', ""))),
                Op::Dismiss(L::Owns, pair("a0", &b0.replace('-', "").to_uppercase())),
                Op::Delete(M::Beta, vec![b0.to_uppercase()]),
                Op::Restore(M::Beta, vec![b0.replace('-', "")]),
            ],
        ),
        (
            "string keys are taken byte for byte",
            vec![
                Op::Create(L::ProductPost, pair("P0", "s0")),
                Op::Delete(M::Post, ids(&["s3"])),
                Op::Restore(M::Post, ids(&["S3"])),
                Op::Delete(M::Post, ids(&["S2"])),
            ],
        ),
    ]
}
