//! The Link service against an in-memory model written from the rules of SPEC §2, §6 and §8
//! (not from the implementation), over random sequences of creates, updates, dismisses, deletes,
//! restores and soft-deletes done by a module itself, on SQLite, PostgreSQL and MariaDB (strict
//! and non-strict `sql_mode`).
//!
//! The world (its own models and links, tables prefixed `m_`):
//!
//! | link | declaration | covers |
//! |---|---|---|
//! | `MProductPost` | product => post [is_list, delete_cascade] | one-to-many (right side list), cascade chain 1 |
//! | `MPostComment` | post => comment [is_list, delete_cascade] | cascade chain 2, into a module on another connection |
//! | `MProductRegion` | product => region, `rank: Option<i32>` | one-to-one, integer keys, a nullable extra column |
//! | `MProductTag` | product [is_list] => tag [is_list], `weight: i32 = 1` | many-to-many, a model without `deleted_at`, an extra column with a default |
//! | `MOwns` | alpha [is_list, alias] => beta [is_list, delete_cascade, alias] | many-to-many, UUID keys, cascade alpha → beta |
//! | `MMember` | alpha [is_list, delete_cascade, alias] => beta [alias] | one-to-many (left side list), a second link over the same pair, cascade beta → alpha: a cycle |
//!
//! The model keeps every record (live, or soft-deleted with a stamp) and every row of every link
//! table (live, or dismissed with a stamp, with its extra column). Stamps are abstract: one per
//! `delete` call, one per soft-delete by a module, and one per row a dismiss removes (nothing may
//! depend on a dismiss's stamp). After every step the test compares, against the database:
//! the live pairs and their extra data (`Links::list`), every row of every link table and which
//! are dismissed, which records are soft-deleted, that equal abstract stamps are equal
//! timestamps and that a record's stamp is never the timestamp of another operation, and
//! `Links::check` (exactly the live rows whose record is soft-deleted, per link and side).
//!
//! Where SPEC §8 leaves a case open the generator does not go, or the model skips the step
//! (counted as `Skipped` in the summary): restoring a record of a model without `deleted_at`; a
//! typed update naming no data; one batch naming a pair twice with different data; one `delete`
//! naming records whose walks would meet with different stamps (a record already deleted and a
//! live one whose cascades reach the same record or row).
//!
//! Before the generated sequences, each backend runs a few sequences written from SPEC §8's
//! sentences (`scenarios`), checked against the same model. A failure lists every failing
//! scenario and the shrunk generated sequence, one operation a line, with the keys as passed.
//!
//! MariaDB runs twice: with the server's strict `sql_mode`, and with `sql_mode = ''` set on every
//! session of both pools (sqlx's per-connection `after_connect`; sea-orm's `after_connect` runs
//! once per pool). `LINK_MODEL_CASES` sets the number of generated sequences per backend
//! (default 128 on SQLite and PostgreSQL, 24 on each MariaDB run).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Utc};
use link_runtime::sea_orm;
use link_runtime::{
    Audit, Error, Key, LinkDefinition, LinkPair, LinkRow, Links, ListFilter, StoredLink,
    define_link,
};
use link_tests::TestDb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Schema,
};

type DateTimeUtc = DateTime<Utc>;

// ---------------------------------------------------------------------------------------------
// The world: its models

mod m_product {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_product")]
    #[linkable(module = "m_product")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub title: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod m_post {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_post")]
    #[linkable(module = "m_blog")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub body: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Comments live in the `m_talk` module, bound to another connection.
mod m_comment {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_comment")]
    #[linkable(module = "m_talk")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub text: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An integer primary key.
mod m_region {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_region")]
    #[linkable(module = "m_geo")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Not soft-deletable (no `deleted_at`).
mod m_tag {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_tag")]
    #[linkable(module = "m_label")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub label: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod m_alpha {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_alpha")]
    #[linkable(module = "m_alpha")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A UUID primary key.
mod m_beta {
    use link_runtime::Linkable;
    use link_runtime::sea_orm;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m_beta")]
    #[linkable(module = "m_beta")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------------------------
// The world: its links

define_link! {
    /// A product's posts: each post has one product; deleting a product deletes its posts.
    pub MProductPost: m_product::Model => m_post::Model [is_list, delete_cascade],
    table = "m_product_post",
}

define_link! {
    /// A post's comments (on another connection); deleting a post deletes its comments.
    pub MPostComment: m_post::Model => m_comment::Model [is_list, delete_cascade],
    table = "m_post_comment",
}

define_link! {
    /// One region per product and one product per region; integer keys.
    pub MProductRegion: m_product::Model => m_region::Model,
    extra_columns { rank: Option<i32> },
    table = "m_product_region",
}

define_link! {
    /// Products and tags, many-to-many; tags cannot be soft-deleted.
    pub MProductTag: m_product::Model [is_list] => m_tag::Model [is_list],
    extra_columns { weight: i32 = 1 },
    table = "m_product_tag",
}

define_link! {
    /// Alphas own betas, many-to-many; deleting an alpha deletes the betas it owns.
    pub MOwns: m_alpha::Model [is_list, alias = "owner"]
        => m_beta::Model [is_list, delete_cascade, alias = "owned"],
    table = "m_owns",
}

define_link! {
    /// An alpha is a member of at most one beta; deleting a beta deletes its members.
    pub MMember: m_alpha::Model [is_list, delete_cascade, alias = "member"]
        => m_beta::Model [alias = "group"],
    table = "m_member",
}

// ---------------------------------------------------------------------------------------------
// The rules of the world, for the model

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum M {
    Product,
    Post,
    Comment,
    Region,
    Tag,
    Alpha,
    Beta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Str,
    Int,
    Uuid,
}

/// The index of an id that has no record.
const MISSING: usize = 9;

impl M {
    const ALL: [M; 7] = [
        M::Product,
        M::Post,
        M::Comment,
        M::Region,
        M::Tag,
        M::Alpha,
        M::Beta,
    ];

    fn kind(self) -> KeyKind {
        match self {
            M::Region => KeyKind::Int,
            M::Beta => KeyKind::Uuid,
            _ => KeyKind::Str,
        }
    }

    /// Whether the model has `deleted_at`.
    fn soft(self) -> bool {
        self != M::Tag
    }

    /// How many records it has (ids 0..count).
    fn count(self) -> usize {
        match self {
            M::Post | M::Comment => 4,
            _ => 3,
        }
    }

    /// The canonical id of record `i` (`MISSING`: an id with no record).
    fn id(self, i: usize) -> String {
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

    fn ids(self) -> Vec<String> {
        (0..self.count()).map(|i| self.id(i)).collect()
    }
}

/// SPEC §8: keys are compared in their canonical form. An integer key is the decimal digits of
/// the number (`"07"`, `"+7"`, `" 7"` are `InvalidInput`); a UUID key is lower-case and
/// hyphenated whatever form it was given in; a string key is taken byte for byte. `None`: not a
/// key of this model (`InvalidInput`).
fn canonical(m: M, key: &str) -> Option<String> {
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
enum L {
    ProductPost,
    PostComment,
    ProductRegion,
    ProductTag,
    Owns,
    Member,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExtraKind {
    None,
    /// `weight: i32 = 1`
    Weight,
    /// `rank: Option<i32>` (NULL by default)
    Rank,
}

/// A link as declared, read by SPEC §2 and §6.
#[derive(Clone, Copy, Debug)]
struct Rule {
    left: M,
    right: M,
    /// `is_list` on the left side: a right record may hold many lefts.
    left_list: bool,
    /// `is_list` on the right side: a left record may hold many rights.
    right_list: bool,
    /// `delete_cascade` on the left side: deleting the right record deletes its lefts.
    cascade_left: bool,
    /// `delete_cascade` on the right side: deleting the left record deletes its rights.
    cascade_right: bool,
    extra: ExtraKind,
}

impl Rule {
    /// SPEC §6: a left record has at most one live row unless the right side is a list.
    fn left_unique(self) -> bool {
        !self.right_list
    }

    /// A right record has at most one live row unless the left side is a list.
    fn right_unique(self) -> bool {
        !self.left_list
    }

    fn default_extra(self) -> Option<i32> {
        match self.extra {
            ExtraKind::Weight => Some(1),
            ExtraKind::Rank | ExtraKind::None => None,
        }
    }
}

impl L {
    const ALL: [L; 6] = [
        L::ProductPost,
        L::PostComment,
        L::ProductRegion,
        L::ProductTag,
        L::Owns,
        L::Member,
    ];

    fn rule(self) -> Rule {
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
    fn name(self) -> &'static str {
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

// ---------------------------------------------------------------------------------------------
// Operations

/// One pair of a create, update or dismiss, keys as given to the library.
#[derive(Clone, PartialEq)]
struct PairArg {
    left: String,
    right: String,
    /// The extra column named (`weight` or `rank`), if any.
    data: Option<i32>,
}

impl fmt::Debug for PairArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.data {
            Some(v) => write!(f, "({:?}, {:?}, data={v})", self.left, self.right),
            None => write!(f, "({:?}, {:?})", self.left, self.right),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Op {
    /// `create_many`
    Create(L, Vec<PairArg>),
    /// `update_many`
    Update(L, Vec<PairArg>),
    /// `dismiss_many`
    Dismiss(L, Vec<PairArg>),
    /// `Links::delete`
    Delete(M, Vec<String>),
    /// `Links::restore`
    Restore(M, Vec<String>),
    /// The module sets the record's own `deleted_at` with sea-orm (if it is live).
    ModuleDelete(M, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    NotFound,
    Conflict,
    InvalidInput,
    /// A case SPEC §8 leaves open: not run.
    Skipped,
}

// ---------------------------------------------------------------------------------------------
// The model

/// Which operation set a `deleted_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Stamp {
    /// The n-th `delete` call's fresh stamp.
    Delete(u32),
    /// The n-th soft-delete a module did itself (its timestamp is `module_time(n)`).
    Module(u32),
    /// One row dismissed by a dismiss call: its timestamp must only differ from every record's.
    Dismiss(u32),
}

/// A module's own soft-delete timestamps: distinct, microsecond-exact, far from the runtime's.
fn module_time(n: u32) -> DateTimeUtc {
    DateTime::from_timestamp(978_307_200 + i64::from(n), n * 1_000).expect("a valid timestamp")
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    deleted: Option<Stamp>,
    extra: Option<i32>,
}

type RowKey = (L, String, String);
/// (left id, right id)
type Pair = (String, String);
type RecordKey = (M, String);

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Record(RecordKey),
    Row(RowKey),
}

#[derive(Clone, Debug, Default)]
struct Model {
    /// Every record: `None` live, `Some(stamp)` soft-deleted.
    records: BTreeMap<RecordKey, Option<Stamp>>,
    /// Every row of every link table (SPEC §6: rows are soft-deleted, never removed).
    rows: BTreeMap<RowKey, Row>,
    next: u32,
}

impl Model {
    fn new() -> Self {
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

    fn state(&self, m: M, id: &str) -> Option<Option<Stamp>> {
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

    fn apply(&mut self, op: &Op) -> Outcome {
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
        for id in ids {
            let Some(state) = self.state(m, &id) else {
                continue;
            };
            let acting = state.unwrap_or(fresh);
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
            if let Some(Some(stamp)) = self.state(m, &id) {
                revived.insert((m, id.clone()), stamp);
                queue.push_back(((m, id), stamp));
            }
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
            self.records.insert(x, None);
        }
        Outcome::Ok
    }

    /// What `Links::check` must report for a link: its live rows whose left (right) record is
    /// soft-deleted or missing.
    fn dangling(&self, link: L) -> (BTreeSet<Pair>, BTreeSet<Pair>) {
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

// ---------------------------------------------------------------------------------------------
// Generated sequences

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

/// Models whose records `restore` may name (SPEC §8 gives no stamp to a record without
/// `deleted_at`, so what restoring one means is open).
const RESTORABLE: [M; 6] = [
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

fn restore_op() -> BoxedStrategy<Op> {
    prop::sample::select(RESTORABLE.to_vec())
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
        2 => prop::sample::select(RESTORABLE.to_vec())
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
                if m.soft() {
                    ops.push(Op::Restore(m, vec![id]));
                }
            }
            ops
        });
    let module_then_delete = (
        prop::sample::select(RESTORABLE.to_vec()),
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
            if other.0.soft() {
                ops.push(Op::Restore(other.0, vec![other.1]));
            }
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

fn sequence() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(chunk(), 1..20)
        .prop_map(|chunks| chunks.into_iter().flatten().collect::<Vec<Op>>())
}

// ---------------------------------------------------------------------------------------------
// The library side

/// The typed API of one link of the world.
trait TestLink: StoredLink + Sized {
    fn pair(p: &PairArg) -> LinkPair<Self>;
    /// The extra column of a listed row.
    fn extra(row: &LinkRow<Self>) -> Option<i32>;
    /// Every row of the link table: (left, right, deleted_at, extra).
    async fn stored(db: &DatabaseConnection) -> Result<Vec<StoredRow>, DbErr>;
    async fn clear(db: &DatabaseConnection) -> Result<(), DbErr>;
}

type StoredRow = (String, String, Option<DateTimeUtc>, Option<i32>);

macro_rules! test_link {
    ($marker:ident, $table:ident, |$p:ident, $d:ident| $with:expr, |$x:ident| $extra:expr, |$r:ident| $stored:expr) => {
        impl TestLink for $marker {
            fn pair(arg: &PairArg) -> LinkPair<Self> {
                let $p = LinkPair::new(Key::new(arg.left.clone()), Key::new(arg.right.clone()));
                let $d = arg.data;
                $with
            }

            fn extra(row: &LinkRow<Self>) -> Option<i32> {
                let $x: &$table::Extra = &row.extra;
                $extra
            }

            async fn stored(db: &DatabaseConnection) -> Result<Vec<StoredRow>, DbErr> {
                Ok($table::Entity::find()
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|$r: $table::Model| {
                        let extra = $stored;
                        ($r.left, $r.right, $r.deleted_at, extra)
                    })
                    .collect())
            }

            async fn clear(db: &DatabaseConnection) -> Result<(), DbErr> {
                $table::Entity::delete_many().exec(db).await?;
                Ok(())
            }
        }
    };
}

test_link!(MProductPost, m_product_post, |p, _d| p, |_x| None, |_r| {
    None
});
test_link!(MPostComment, m_post_comment, |p, _d| p, |_x| None, |_r| {
    None
});
test_link!(MOwns, m_owns, |p, _d| p, |_x| None, |_r| None);
test_link!(MMember, m_member, |p, _d| p, |_x| None, |_r| None);
test_link!(
    MProductRegion,
    m_product_region,
    |p, d| match d {
        Some(v) => p.with(m_product_region::Data::default().rank(Some(v))),
        None => p,
    },
    |x| x.rank,
    |r| r.rank
);
test_link!(
    MProductTag,
    m_product_tag,
    |p, d| match d {
        Some(v) => p.with(m_product_tag::Data::default().weight(v)),
        None => p,
    },
    |x| Some(x.weight),
    |r| Some(r.weight)
);

/// Runs `$body` with `$T` the marker type of link `$link`.
macro_rules! by_link {
    ($link:expr, $T:ident => $body:expr) => {
        match $link {
            L::ProductPost => {
                type $T = MProductPost;
                $body
            }
            L::PostComment => {
                type $T = MPostComment;
                $body
            }
            L::ProductRegion => {
                type $T = MProductRegion;
                $body
            }
            L::ProductTag => {
                type $T = MProductTag;
                $body
            }
            L::Owns => {
                type $T = MOwns;
                $body
            }
            L::Member => {
                type $T = MMember;
                $body
            }
        }
    };
}

/// Runs `$body` with `$T` the `Model` type of model `$m`.
macro_rules! by_model {
    ($m:expr, $T:ident => $body:expr) => {
        match $m {
            M::Product => {
                type $T = m_product::Model;
                $body
            }
            M::Post => {
                type $T = m_post::Model;
                $body
            }
            M::Comment => {
                type $T = m_comment::Model;
                $body
            }
            M::Region => {
                type $T = m_region::Model;
                $body
            }
            M::Tag => {
                type $T = m_tag::Model;
                $body
            }
            M::Alpha => {
                type $T = m_alpha::Model;
                $body
            }
            M::Beta => {
                type $T = m_beta::Model;
                $body
            }
        }
    };
}

struct World {
    links: Links,
    home: DatabaseConnection,
    /// The connection of the `m_talk` module (comments).
    away: DatabaseConnection,
    _dbs: Vec<TestDb>,
}

fn outcome<T>(result: Result<T, Error>) -> Result<Outcome, String> {
    match result {
        Ok(_) => Ok(Outcome::Ok),
        Err(Error::NotFound { .. }) => Ok(Outcome::NotFound),
        Err(Error::Conflict { .. }) => Ok(Outcome::Conflict),
        Err(Error::InvalidInput { .. }) => Ok(Outcome::InvalidInput),
        Err(other) => Err(format!("an error the model does not expect: {other:?}")),
    }
}

impl World {
    fn conn(&self, m: M) -> &DatabaseConnection {
        if m == M::Comment {
            &self.away
        } else {
            &self.home
        }
    }

    async fn run(&self, op: &Op, module_stamp: Option<DateTimeUtc>) -> Result<Outcome, String> {
        let db = &self.home;
        let links = &self.links;
        match op {
            Op::Create(link, pairs) => by_link!(link, T => outcome(
                links.create_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Update(link, pairs) => by_link!(link, T => outcome(
                links.update_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Dismiss(link, pairs) => by_link!(link, T => outcome(
                links.dismiss_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Delete(m, keys) => by_model!(m, T => outcome(
                links.delete(db, keys.iter().map(|k| Key::<T>::new(k.clone()))).await
            )),
            Op::Restore(m, keys) => by_model!(m, T => outcome(
                links.restore(db, keys.iter().map(|k| Key::<T>::new(k.clone()))).await
            )),
            Op::ModuleDelete(m, id) => {
                let at = module_stamp.ok_or("a module soft-delete needs its stamp")?;
                self.module_delete(*m, id, at)
                    .await
                    .map_err(|e| format!("the module's own soft-delete failed: {e}"))?;
                Ok(Outcome::Ok)
            }
        }
    }

    /// What a module does itself: `UPDATE … SET deleted_at = ? WHERE id = ? AND deleted_at IS
    /// NULL`, with sea-orm, not through the library.
    async fn module_delete(&self, m: M, id: &str, at: DateTimeUtc) -> Result<(), DbErr> {
        macro_rules! soft_delete {
            ($module:ident, $id:expr) => {
                $module::Entity::update_many()
                    .col_expr($module::Column::DeletedAt, Expr::value(Some(at)))
                    .filter($module::Column::Id.eq($id))
                    .filter($module::Column::DeletedAt.is_null())
                    .exec(self.conn(m))
                    .await
                    .map(|_| ())
            };
        }
        let bad = |what| DbErr::Custom(format!("{what} id {id:?}"));
        match m {
            M::Product => soft_delete!(m_product, id),
            M::Post => soft_delete!(m_post, id),
            M::Comment => soft_delete!(m_comment, id),
            M::Region => soft_delete!(m_region, id.parse::<i32>().map_err(|_| bad("integer"))?),
            M::Alpha => soft_delete!(m_alpha, id),
            M::Beta => soft_delete!(m_beta, Uuid::parse_str(id).map_err(|_| bad("UUID"))?),
            M::Tag => Err(DbErr::Custom("tags cannot be soft-deleted".into())),
        }
    }

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

    /// Empties the link tables and revives every record, between sequences.
    async fn reset(&self) -> Result<(), DbErr> {
        for link in L::ALL {
            by_link!(link, T => T::clear(&self.home).await)?;
        }
        macro_rules! revive {
            ($module:ident, $db:expr) => {
                $module::Entity::update_many()
                    .col_expr($module::Column::DeletedAt, Expr::value(None::<DateTimeUtc>))
                    .exec($db)
                    .await?
            };
        }
        revive!(m_product, &self.home);
        revive!(m_post, &self.home);
        revive!(m_comment, &self.away);
        revive!(m_region, &self.home);
        revive!(m_alpha, &self.home);
        revive!(m_beta, &self.home);
        Ok(())
    }

    /// The database against the model, after a step. `Err` says what differs.
    async fn compare(&self, model: &Model) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------------
// Building the world on each backend

/// The module tables of the world and their records. `home` holds every model but comments,
/// which live on `away` (the same database on PostgreSQL and MariaDB, another file on SQLite).
async fn create_world(
    home: DatabaseConnection,
    away: DatabaseConnection,
    dbs: Vec<TestDb>,
) -> World {
    let backend = home.get_database_backend();
    let schema = Schema::new(backend);
    macro_rules! table {
        ($module:ident, $db:expr) => {
            $db.execute(&schema.create_table_from_entity($module::Entity))
                .await
                .expect(concat!("create ", stringify!($module)));
        };
    }
    table!(m_product, home);
    table!(m_post, home);
    table!(m_comment, away);
    table!(m_region, home);
    table!(m_tag, home);
    table!(m_alpha, home);
    table!(m_beta, home);
    if backend == DbBackend::MySql {
        // MariaDB's `timestamp` keeps seconds; a module that soft-deletes keeps microseconds
        // (README, Guarantees: Stamps), so stamps are compared exactly.
        for table in [
            "m_product",
            "m_post",
            "m_comment",
            "m_region",
            "m_alpha",
            "m_beta",
        ] {
            let db = if table == "m_comment" { &away } else { &home };
            db.execute_unprepared(&format!(
                "ALTER TABLE `{table}` MODIFY `deleted_at` TIMESTAMP(6) NULL DEFAULT NULL"
            ))
            .await
            .expect("microsecond deleted_at");
        }
    }

    macro_rules! seed {
        ($module:ident, $db:expr, $m:expr, |$id:ident| $model:expr) => {
            let rows: Vec<$module::ActiveModel> = $m
                .ids()
                .into_iter()
                .map(|$id| $model.into_active_model())
                .collect();
            $module::Entity::insert_many(rows)
                .exec($db)
                .await
                .expect(concat!("seed ", stringify!($module)));
        };
    }
    seed!(m_product, &home, M::Product, |id| m_product::Model {
        title: format!("Product {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_post, &home, M::Post, |id| m_post::Model {
        body: format!("Post {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_comment, &away, M::Comment, |id| m_comment::Model {
        text: format!("Comment {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_region, &home, M::Region, |id| m_region::Model {
        name: format!("Region {id}"),
        id: id.parse().expect("an integer id"),
        deleted_at: None,
    });
    seed!(m_tag, &home, M::Tag, |id| m_tag::Model {
        label: format!("Tag {id}"),
        id,
    });
    seed!(m_alpha, &home, M::Alpha, |id| m_alpha::Model {
        name: format!("Alpha {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_beta, &home, M::Beta, |id| m_beta::Model {
        name: format!("Beta {id}"),
        id: Uuid::parse_str(&id).expect("a UUID id"),
        deleted_at: None,
    });

    let links = Links::builder(home.clone())
        .module("m_product")
        .module("m_blog")
        .module_on("m_talk", away.clone())
        .module("m_geo")
        .module("m_label")
        .module("m_alpha")
        .module("m_beta")
        .link::<MProductPost>()
        .link::<MPostComment>()
        .link::<MProductRegion>()
        .link::<MProductTag>()
        .link::<MOwns>()
        .link::<MMember>()
        .build()
        .expect("the registry");
    links.migrate().await.expect("migrate");
    World {
        links,
        home,
        away,
        _dbs: dbs,
    }
}

/// `LINK_MODEL_CASES`, else `default` (64 on SQLite and PostgreSQL; 24 on MariaDB, whose
/// commits cost about 50 ms a write on this machine's disk).
fn cases(default: u32) -> u32 {
    std::env::var("LINK_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Sequences written from SPEC §8's sentences, run before the generated ones on every backend;
/// the model, not the sequence, says what each step must do.
fn scenarios() -> Vec<(&'static str, Vec<Op>)> {
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

/// One sequence from a reset database and a fresh model; `Err` says where they part.
async fn run_case(
    world: &World,
    ops: &[Op],
    tally: &std::sync::Mutex<BTreeMap<Outcome, usize>>,
) -> Result<(), String> {
    world.reset().await.map_err(|e| format!("reset: {e}"))?;
    let mut model = Model::new();
    for (step, op) in ops.iter().enumerate() {
        let expected = model.apply(op);
        *tally.lock().expect("tally").entry(expected).or_default() += 1;
        if expected == Outcome::Skipped {
            continue;
        }
        let stamp = matches!(op, Op::ModuleDelete(..)).then(|| module_time(model.next));
        let got = world
            .run(op, stamp)
            .await
            .map_err(|e| format!("step {step}: {op:?}: {e}"))?;
        if got != expected {
            // What the library did instead, as the model sees it (before the step).
            let differences = match world.compare(&model).await {
                Ok(()) => "the database is as before the step".to_string(),
                Err(e) => e,
            };
            return Err(format!(
                "step {step}: {op:?}: the library answered {got:?}, the model expects \
                 {expected:?}\n  against the state before the step:\n  {differences}"
            ));
        }
        world
            .compare(&model)
            .await
            .map_err(|e| format!("after step {step}: {op:?} ({got:?}):\n  {e}"))?;
    }
    Ok(())
}

fn listing(ops: &[Op]) -> String {
    ops.iter()
        .enumerate()
        .map(|(i, op)| format!("  {i:>2}: {op:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the scenarios, then the generated sequences, against `world`; fails with every failing
/// scenario and the shrunk generated sequence.
fn run_sequences(label: &str, cases: u32, rt: &tokio::runtime::Runtime, world: &World) {
    let started = Instant::now();
    let tally = std::sync::Mutex::new(BTreeMap::<Outcome, usize>::new());
    let mut failures = Vec::new();
    for (name, ops) in scenarios() {
        if let Err(reason) = rt.block_on(run_case(world, &ops, &tally)) {
            failures.push(format!(
                "scenario \"{name}\": {reason}\nsequence ({} steps):\n{}",
                ops.len(),
                listing(&ops)
            ));
        }
    }

    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&sequence(), |ops| {
        rt.block_on(run_case(world, &ops, &tally))
            .map_err(TestCaseError::fail)
    });
    let tally = tally.into_inner().expect("tally");
    match result {
        Ok(()) => eprintln!(
            "model ({label}): {cases} sequences passed in {:.1?}; model outcomes {tally:?}",
            started.elapsed()
        ),
        Err(TestError::Fail(reason, ops)) => failures.push(format!(
            "generated: {reason}\nminimal sequence ({} steps):\n{}\n(found and shrunk in {:.1?})",
            ops.len(),
            listing(&ops),
            started.elapsed()
        )),
        Err(TestError::Abort(reason)) => failures.push(format!("generated: aborted: {reason}")),
    }
    if !failures.is_empty() {
        panic!(
            "model ({label}): {} failure(s)\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

#[test]
fn the_link_service_follows_the_spec_on_sqlite() {
    let rt = runtime();
    let world = rt.block_on(async {
        let home = link_tests::db::sqlite_database().await;
        let away = link_tests::db::sqlite_database().await;
        create_world(home.db.clone(), away.db.clone(), vec![home, away]).await
    });
    run_sequences("SQLite", cases(128), &rt, &world);
}

#[test]
fn the_link_service_follows_the_spec_on_postgres() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::postgres_only("model", 8).await?;
        let away = t.connect_again(4).await;
        Some(create_world(t.db.clone(), away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("PostgreSQL", cases(128), &rt, &world);
    }
}

#[test]
fn the_link_service_follows_the_spec_on_mariadb_strict() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::mysql_only("model_strict", 8).await?;
        let away = t.connect_again(4).await;
        let mode: String = sql_mode(&t.db).await;
        assert!(
            mode.contains("STRICT"),
            "the server's default sql_mode is strict: {mode:?}"
        );
        Some(create_world(t.db.clone(), away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("MariaDB, strict sql_mode", cases(24), &rt, &world);
    }
}

#[test]
fn the_link_service_follows_the_spec_on_mariadb_non_strict() {
    let rt = runtime();
    let world = rt.block_on(async {
        let t = link_tests::db::mysql_only("model_loose", 1).await?;
        // Every session of both pools runs with `sql_mode = ''` (sea-orm's own `after_connect`
        // runs once per pool, so the pool's per-connection hook is used).
        let loose = |pool: u32| {
            move |options: &mut sea_orm::ConnectOptions| {
                options.max_connections(pool);
                options.map_sqlx_mysql_pool_opts(|pool| {
                    pool.after_connect(|conn, _meta| {
                        Box::pin(async move {
                            use sea_orm::sqlx::Executor;
                            conn.execute("SET SESSION sql_mode = ''").await?;
                            Ok(())
                        })
                    })
                });
            }
        };
        let home = t.connect_with(loose(8)).await;
        let away = t.connect_with(loose(4)).await;
        for db in [&home, &away] {
            let mode = sql_mode(db).await;
            assert_eq!(mode, "", "every session is non-strict");
        }
        Some(create_world(home, away, vec![t]).await)
    });
    if let Some(world) = world {
        run_sequences("MariaDB, sql_mode=''", cases(24), &rt, &world);
    }
}

async fn sql_mode(db: &DatabaseConnection) -> String {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::MySql,
            "SELECT @@SESSION.sql_mode AS mode",
        ))
        .await
        .expect("read sql_mode")
        .expect("a row");
    row.try_get::<String>("", "mode").expect("sql_mode")
}
