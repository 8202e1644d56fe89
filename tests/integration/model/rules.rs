//! The rules of the world, for the model: its models (`M`) and links (`L`) as declared, and
//! how a key is canonicalised.

use link_runtime::LinkDefinition;
use link_runtime::sea_orm;
use sea_orm::prelude::Uuid;

use crate::world::{MMember, MOwns, MPostComment, MProductPost, MProductRegion, MProductTag};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum M {
    Product,
    Post,
    Comment,
    Region,
    Tag,
    Alpha,
    Beta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Str,
    Int,
    Uuid,
}

/// The index of an id that has no record.
pub(crate) const MISSING: usize = 9;

impl M {
    pub(crate) const ALL: [M; 7] = [
        M::Product,
        M::Post,
        M::Comment,
        M::Region,
        M::Tag,
        M::Alpha,
        M::Beta,
    ];

    pub(crate) fn kind(self) -> KeyKind {
        match self {
            M::Region => KeyKind::Int,
            M::Beta => KeyKind::Uuid,
            _ => KeyKind::Str,
        }
    }

    /// Whether the model has `deleted_at`.
    pub(crate) fn soft(self) -> bool {
        self != M::Tag
    }

    /// How many records it has (ids 0..count).
    pub(crate) fn count(self) -> usize {
        match self {
            M::Post | M::Comment => 4,
            _ => 3,
        }
    }

    /// The canonical id of record `i` (`MISSING`: an id with no record).
    pub(crate) fn id(self, i: usize) -> String {
        match self {
            M::Product => format!("p{i}"),
            M::Post => format!("s{i}"),
            M::Comment => format!("c{i}"),
            M::Region => (5 + i).to_string(),
            M::Tag => format!("t{i}"),
            M::Alpha => format!("a{i}"),
            M::Beta => format!("beefcafe-0000-4000-a000-{i:012x}"),
        }
    }

    pub(crate) fn ids(self) -> Vec<String> {
        (0..self.count()).map(|i| self.id(i)).collect()
    }
}

/// SPEC §8: keys are compared in their canonical form. An integer key is the decimal digits of
/// the number (`"07"`, `"+7"`, `" 7"` are `InvalidInput`); a UUID key is lower-case and
/// hyphenated whatever form it was given in; a string key is taken byte for byte. `None`: not a
/// key of this model (`InvalidInput`).
pub(crate) fn canonical(m: M, key: &str) -> Option<String> {
    match m.kind() {
        KeyKind::Str => Some(key.to_string()),
        KeyKind::Int => {
            let digits = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
            let no_leading_zero = key == "0" || !key.starts_with('0');
            (digits && no_leading_zero && key.parse::<i32>().is_ok()).then(|| key.to_string())
        }
        KeyKind::Uuid => Uuid::try_parse(key)
            .ok()
            .map(|u| u.hyphenated().to_string()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum L {
    ProductPost,
    PostComment,
    ProductRegion,
    ProductTag,
    Owns,
    Member,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExtraKind {
    None,
    /// `weight: i32 = 1`
    Weight,
    /// `rank: Option<i32>` (NULL by default)
    Rank,
}

/// A link as declared, read by SPEC §2 and §6.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    pub(crate) left: M,
    pub(crate) right: M,
    /// `is_list` on the left side: a right record may hold many lefts.
    pub(crate) left_list: bool,
    /// `is_list` on the right side: a left record may hold many rights.
    pub(crate) right_list: bool,
    /// `delete_cascade` on the left side: deleting the right record deletes its lefts.
    pub(crate) cascade_left: bool,
    /// `delete_cascade` on the right side: deleting the left record deletes its rights.
    pub(crate) cascade_right: bool,
    pub(crate) extra: ExtraKind,
}

impl Rule {
    /// SPEC §6: a left record has at most one live row unless the right side is a list.
    pub(crate) fn left_unique(self) -> bool {
        !self.right_list
    }

    /// A right record has at most one live row unless the left side is a list.
    pub(crate) fn right_unique(self) -> bool {
        !self.left_list
    }

    pub(crate) fn default_extra(self) -> Option<i32> {
        match self.extra {
            ExtraKind::Weight => Some(1),
            ExtraKind::Rank | ExtraKind::None => None,
        }
    }
}

impl L {
    pub(crate) const ALL: [L; 6] = [
        L::ProductPost,
        L::PostComment,
        L::ProductRegion,
        L::ProductTag,
        L::Owns,
        L::Member,
    ];

    pub(crate) fn rule(self) -> Rule {
        let r = |left, right, left_list, right_list, cascade_left, cascade_right, extra| Rule {
            left,
            right,
            left_list,
            right_list,
            cascade_left,
            cascade_right,
            extra,
        };
        match self {
            L::ProductPost => r(
                M::Product,
                M::Post,
                false,
                true,
                false,
                true,
                ExtraKind::None,
            ),
            L::PostComment => r(
                M::Post,
                M::Comment,
                false,
                true,
                false,
                true,
                ExtraKind::None,
            ),
            L::ProductRegion => r(
                M::Product,
                M::Region,
                false,
                false,
                false,
                false,
                ExtraKind::Rank,
            ),
            L::ProductTag => r(
                M::Product,
                M::Tag,
                true,
                true,
                false,
                false,
                ExtraKind::Weight,
            ),
            L::Owns => r(M::Alpha, M::Beta, true, true, false, true, ExtraKind::None),
            L::Member => r(M::Alpha, M::Beta, true, false, true, false, ExtraKind::None),
        }
    }

    /// The marker's name, as `Links::check` reports it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            L::ProductPost => MProductPost::SPEC.name,
            L::PostComment => MPostComment::SPEC.name,
            L::ProductRegion => MProductRegion::SPEC.name,
            L::ProductTag => MProductTag::SPEC.name,
            L::Owns => MOwns::SPEC.name,
            L::Member => MMember::SPEC.name,
        }
    }
}
