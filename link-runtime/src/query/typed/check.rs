//! What the code of `#[derive(Selection)]`, `query!` and `define_link!` uses to let the compiler
//! check a typed query: a model's links as trait impls keyed by a hash of the property name,
//! fields reached by field access (so an unknown field is rustc's own error, with its "did you
//! mean"), values checked against the field's type. Each trait's message says the fix.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Selection;
use crate::definition::LinkDefinition;
use crate::linkable::Linkable;

pub use crate::linkable::name_hash;

/// What a selection reads the records of: a linkable model, or a stored link's table through its
/// entry point (`define_link!` implements it for the link's entity `Model`).
pub trait Queryable: 'static {
    /// The primary key's column.
    const KEY: &'static str;
    /// Each field whose column is named otherwise, with its column.
    const COLUMNS: &'static [(&'static str, &'static str)];
    /// Every field.
    const FIELDS: &'static [&'static str];
    /// Its name in a graph query: `module.model`, or `link.<entry point>`.
    fn entity() -> String;
}

impl<M: Linkable> Queryable for M {
    const KEY: &'static str = M::MODEL.primary_key;
    const COLUMNS: &'static [(&'static str, &'static str)] = M::__COLUMNS;
    const FIELDS: &'static [&'static str] = M::MODEL.fields;
    fn entity() -> String {
        M::MODEL.qualified_name()
    }
}

/// The graph entity of a stored link's table: `link.product_tag`.
pub fn entry_point_entity(spec: &crate::definition::LinkSpec) -> String {
    format!("{}.{}", crate::hops::LINK_MODULE, spec.entry_point())
}

/// The link `L` as a row of its entry point reaches its side `S` ([`LeftSide`] or
/// [`RightSide`]): a hop that filters and order cannot go through (the row's key column can be
/// filtered instead). The side keeps the two hops apart even where their names cannot be told
/// apart at compile time.
#[derive(Debug)]
pub struct RowSide<L, S>(PhantomData<fn() -> (L, S)>);

/// The left side of a link row.
#[derive(Debug)]
pub enum LeftSide {}

/// The right side of a link row.
#[derive(Debug)]
pub enum RightSide {}

// Every field passes this check, so a filter through a row's side reports only that it
// cannot go through.
impl<L, S, const P: u64, const F: u64> Filterable<P, F> for RowSide<L, S> {}

/// The column a field of `M` is stored in (its sea-orm `column_name`, else the field's name).
pub const fn column_of<M: Queryable>(field: &'static str) -> &'static str {
    let mut i = 0;
    while i < M::COLUMNS.len() {
        if crate::linkable::const_str_eq(M::COLUMNS[i].0, field) {
            return M::COLUMNS[i].1;
        }
        i += 1;
    }
    field
}

/// Whether `field` is a field of `M`.
pub const fn has_field<M: Queryable>(field: &str) -> bool {
    let mut i = 0;
    while i < M::FIELDS.len() {
        if crate::linkable::const_str_eq(M::FIELDS[i], field) {
            return true;
        }
        i += 1;
    }
    false
}

/// A side of one record.
#[derive(Debug)]
pub enum One {}
/// A list side.
#[derive(Debug)]
pub enum List {}
/// A read-only link through a field whose type decides (an array field is a list).
#[derive(Debug)]
pub enum ByField {}

/// `Self` has a link shown under the property whose name hashes to `P`, declared by the link
/// type `L` (implemented by `define_link!` for each side that gains a property).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no link by this name",
    label = "not a link of `{Self}`",
    note = "a link is shown under its side's `alias`, else the other model's name, plural when that side `is_list` (`brand`, `products`); links are declared with `define_link!`"
)]
pub trait Property<L, const P: u64> {
    /// The linked model.
    type Target: Linkable;
    /// [`One`], [`List`] or [`ByField`].
    type Many;
}

/// Through the property hashing to `P`, the field hashing to `F` of the linked model may be
/// filtered and ordered by (`define_link!`'s `filterable(…)`, and the primary key).
#[diagnostic::on_unimplemented(
    message = "this field is not filterable through link `{Self}`",
    label = "not declared `filterable` on this side of `{Self}`",
    note = "add the field to `filterable(…)` on this side of the link in its `define_link!`"
)]
pub trait Filterable<const P: u64, const F: u64> {}

/// A link Query may filter and order through: a stored link (read-only links are not
/// filterable, as in Medusa).
#[diagnostic::on_unimplemented(
    message = "filters and order cannot go through `{Self}`: a read-only link (not filterable or sortable, as in Medusa), or a side of a link row read from its entry point",
    label = "filters and order cannot go through this link",
    note = "filter on the field that holds the linked id instead (a link row's `left` or `right`)"
)]
pub trait FilterableLink {}

/// A field type that fits the cardinality `C` of a link.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit the cardinality of this link",
    label = "this link's other side is `{C}`",
    note = "a list side is read into a `Vec<_>`, a side of one record into an `Option<_>`"
)]
pub trait Fits<C> {}
impl<S> Fits<One> for Option<S> {}
impl<S> Fits<List> for Vec<S> {}
impl<S> Fits<ByField> for Option<S> {}
impl<S> Fits<ByField> for Vec<S> {}

/// A side of at most one record, which order may go through.
#[diagnostic::on_unimplemented(
    message = "cannot order through a list side: each record has many of them",
    label = "this link is a list",
    note = "order by a field of a record each has at most one of, or page the nested list with its own `order`"
)]
pub trait Single {}
impl Single for One {}

/// A text field, which `like` and `ilike` match.
#[diagnostic::on_unimplemented(
    message = "`like` and `ilike` match text, and this field is `{Self}`",
    label = "not a text field",
    note = "compare it with ==, !=, <, <=, >, >=, is_in or not_in"
)]
pub trait Textual {}
impl Textual for String {}
impl Textual for Option<String> {}

/// A value a field of type `C` may be compared with.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be compared with a `{C}` field",
    label = "expected a value of the field's type, `{C}`"
)]
pub trait FilterValue<C> {
    /// The value as the JSON the graph's filters take.
    fn to_json(&self) -> Result<Json, String>;
}
impl<T: Serialize> FilterValue<T> for T {
    fn to_json(&self) -> Result<Json, String> {
        json(self)
    }
}
impl<T: Serialize> FilterValue<Option<T>> for T {
    fn to_json(&self) -> Result<Json, String> {
        json(self)
    }
}
impl<T: Serialize> FilterValue<T> for &T {
    fn to_json(&self) -> Result<Json, String> {
        json(*self)
    }
}
impl<T: Serialize> FilterValue<Option<T>> for &T {
    fn to_json(&self) -> Result<Json, String> {
        json(*self)
    }
}
impl FilterValue<String> for &str {
    fn to_json(&self) -> Result<Json, String> {
        Ok(Json::from(*self))
    }
}
impl FilterValue<Option<String>> for &str {
    fn to_json(&self) -> Result<Json, String> {
        Ok(Json::from(*self))
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Json, String> {
    // The graph reads the JSON back with the column's type. A value that does not serialize
    // makes the whole query fail: read as null it would widen the filter.
    serde_json::to_value(value)
        .map_err(|err| format!("a filter value cannot be written as JSON: {err}"))
}

/// Checks that the link property `P` of `M`, declared by `L`, is read into a field of type `F`
/// holding selections `S` of the linked model, which read no other link's columns.
pub fn expect_link<M, L, const P: u64, F, S>()
where
    M: Property<L, P>,
    F: Fits<<M as Property<L, P>>::Many>,
    S: Selection<Model = <M as Property<L, P>>::Target>,
    S::Through: Reached<L>,
{
}

/// Checks that a selection's field has the type of the model's field it names.
pub fn expect_field<M, T>(_: impl Fn(&M) -> &T) {}

/// The `Through` of a selection that reads no link's columns: it fits under any link.
#[derive(Debug)]
pub enum AnyLink {}

/// A selection reading the columns of link `Self` is reached through link `L`.
#[diagnostic::on_unimplemented(
    message = "this selection reads the columns of link `{Self}`, and this field reaches it through link `{L}`",
    label = "reached through `{L}`, not `{Self}`",
    note = "a selection with `through = {Self}` is read under a link field of `{Self}`; use another selection here, or name the link with `link = {Self}`"
)]
pub trait Reached<L> {}
impl<L> Reached<L> for AnyLink {}
impl<L: LinkDefinition> Reached<L> for L {}

/// Checks that a selection's `#[selection(link_column)]` field has the type of the column of
/// link `L` it names.
pub fn expect_column<L: LinkDefinition, T>(_: impl Fn(&L::Extra) -> &T) {}

/// The records `via` reached, as the start of paths relative to them (a nested list's order):
/// the same model and link, an empty path.
pub fn rebase<M, L, const P: u64, K>(via: Via<M, L, P, K>) -> Via<M, L, P, K> {
    Via {
        path: String::new(),
        model: via.model,
    }
}

/// The column `name` of the link row that reached the records of `via` (`tags.link.weight`),
/// of type `C` (found by `access`, a field access on the link's `Extra` the compiler checks).
/// The graph names it without `link`: `tags.weight`.
pub fn link_field<M, L: LinkDefinition, const P: u64, K, C>(
    via: &Via<M, L, P, K>,
    name: &'static str,
    _access: impl Fn(&L::Extra) -> &C,
) -> Col<C> {
    Col {
        path: format!("{}{name}", via.path),
        column: PhantomData,
    }
}

/// A type carried for the compiler only.
type Marker<T> = PhantomData<fn() -> T>;

/// A model reached by a path of properties: the model `M`, through the link `L` under the
/// property `P`, whose cardinality is `K` (the root: `()`, 0 and [`One`]).
#[derive(Debug)]
pub struct Via<M, L, const P: u64, K> {
    path: String,
    model: Marker<(M, L, K)>,
}

/// The root of a path: the model of the selection `S`.
pub fn root<S: Selection>() -> Via<S::Model, (), 0, One> {
    Via {
        path: String::new(),
        model: PhantomData,
    }
}

/// One step along the property `name` (hashing to `P`) of `M`.
pub fn hop<M, L0, const P0: u64, K0, L, const P: u64>(
    from: Via<M, L0, P0, K0>,
    name: &str,
) -> Via<<M as Property<L, P>>::Target, L, P, <M as Property<L, P>>::Many>
where
    M: Property<L, P>,
{
    Via {
        path: format!("{}{name}.", from.path),
        model: PhantomData,
    }
}

/// Filters and order may go through the link `L`.
pub fn through_stored<M, L: FilterableLink, const P: u64, K>(_: &Via<M, L, P, K>) {}

/// Order may go through the last step: a side of one record.
pub fn through_single<M, L, const P: u64, K: Single>(_: &Via<M, L, P, K>) {}

/// The field hashing to `F` may be filtered through the link `L` under `P`.
pub fn filterable<M, L: Filterable<P, F>, const P: u64, const F: u64, K>(_: &Via<M, L, P, K>) {}

/// The field `name` of the model reached by `via`, of type `C` (found by `access`, a field
/// access the compiler checks).
pub fn field<M: Queryable, L, const P: u64, K, C>(
    via: &Via<M, L, P, K>,
    name: &'static str,
    _access: impl Fn(&M) -> &C,
) -> Col<C> {
    Col {
        path: format!("{}{}", via.path, column_of::<M>(name)),
        column: PhantomData,
    }
}

/// A field at the end of a path, of type `C`: what a filter compares and an order sorts by.
#[derive(Debug)]
pub struct Col<C> {
    path: String,
    column: PhantomData<fn() -> C>,
}

impl<C> Col<C> {
    fn op(self, op: &str, value: Result<Json, String>) -> Cond {
        match value {
            Ok(value) => Cond::Leaf {
                path: self.path,
                op: op.to_string(),
                value,
            },
            Err(message) => Cond::Invalid(format!("filter on `{}`: {message}", self.path)),
        }
    }

    /// `== value` (`$eq`; `None` is `IS NULL`).
    pub fn eq<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$eq", value.to_json())
    }
    /// `!= value` (`$ne`).
    pub fn ne<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$ne", value.to_json())
    }
    /// `< value`.
    pub fn lt<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$lt", value.to_json())
    }
    /// `<= value`.
    pub fn lte<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$lte", value.to_json())
    }
    /// `> value`.
    pub fn gt<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$gt", value.to_json())
    }
    /// `>= value`.
    pub fn gte<V: FilterValue<C>>(self, value: V) -> Cond {
        self.op("$gte", value.to_json())
    }
    /// One of `values` (`$in`).
    pub fn is_in<I>(self, values: I) -> Cond
    where
        I: IntoIterator,
        I::Item: FilterValue<C>,
    {
        let values: Result<Vec<Json>, String> = values.into_iter().map(|v| v.to_json()).collect();
        self.op("$in", values.map(Json::Array))
    }
    /// None of `values` (`$nin`).
    pub fn not_in<I>(self, values: I) -> Cond
    where
        I: IntoIterator,
        I::Item: FilterValue<C>,
    {
        let values: Result<Vec<Json>, String> = values.into_iter().map(|v| v.to_json()).collect();
        self.op("$nin", values.map(Json::Array))
    }
    /// `IS NULL`.
    pub fn is_null(self) -> Cond {
        self.op("$eq", Ok(Json::Null))
    }
    /// `IS NOT NULL`.
    pub fn is_not_null(self) -> Cond {
        self.op("$ne", Ok(Json::Null))
    }
    /// Ascending order (missing or NULL values last).
    pub fn asc(self) -> OrderTerm {
        OrderTerm {
            path: self.path,
            direction: "ASC",
        }
    }
    /// Descending order (missing or NULL values first).
    pub fn desc(self) -> OrderTerm {
        OrderTerm {
            path: self.path,
            direction: "DESC",
        }
    }
}

// On every column, bounded per method, so `like` on a number is the `Textual` message
// rather than "method not found".
impl<C> Col<C> {
    /// SQL `LIKE` (`$like`): `%` matches any run of characters, `_` one.
    pub fn like(self, pattern: impl AsRef<str>) -> Cond
    where
        C: Textual,
    {
        self.op("$like", Ok(Json::from(pattern.as_ref())))
    }
    /// Case-insensitive `LIKE` (`$ilike`).
    pub fn ilike(self, pattern: impl AsRef<str>) -> Cond
    where
        C: Textual,
    {
        self.op("$ilike", Ok(Json::from(pattern.as_ref())))
    }
}

/// An order entry: a field path and `ASC` or `DESC`.
#[derive(Debug)]
pub struct OrderTerm {
    pub(super) path: String,
    pub(super) direction: &'static str,
}

/// A checked filter condition, written as the graph's filters (Medusa's shape).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// A comparison of the field at `path` (`brand.name`).
    #[doc(hidden)]
    Leaf {
        /// The field path.
        path: String,
        /// `$eq`, `$like` …
        op: String,
        /// The operand.
        value: Json,
    },
    /// All of them (`&&`).
    #[doc(hidden)]
    And(Vec<Cond>),
    /// Any of them (`||`).
    #[doc(hidden)]
    Or(Vec<Cond>),
    /// Not it (`!`).
    #[doc(hidden)]
    Not(Box<Cond>),
    /// A value that could not be written: the query fails with this message.
    #[doc(hidden)]
    Invalid(String),
}

impl Cond {
    /// The condition in the graph's filter shape: `{"brand": {"name": {"$eq": "Acme"}}}`.
    pub fn to_json(&self) -> Json {
        match self {
            Cond::Leaf { path, op, value } => {
                let mut json = Json::Object(Map::from_iter([(op.clone(), value.clone())]));
                for step in path.rsplit('.') {
                    json = Json::Object(Map::from_iter([(step.to_string(), json)]));
                }
                json
            }
            Cond::And(all) => {
                serde_json::json!({ "$and": all.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::Or(any) => {
                serde_json::json!({ "$or": any.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::Not(inner) => serde_json::json!({ "$not": inner.to_json() }),
            // Refused by the graph as an unknown operator, never read as "no filter".
            Cond::Invalid(message) => serde_json::json!({ "$invalid": message }),
        }
    }

    /// The first value that could not be written, if any.
    pub(super) fn invalid(&self) -> Option<&str> {
        match self {
            Cond::Invalid(message) => Some(message),
            Cond::Leaf { .. } => None,
            Cond::And(parts) | Cond::Or(parts) => parts.iter().find_map(Cond::invalid),
            Cond::Not(inner) => inner.invalid(),
        }
    }
}

/// `a && b` (what `query!` expands `&&` to).
pub fn and(parts: Vec<Cond>) -> Cond {
    Cond::And(parts)
}

/// `a || b`.
pub fn or(parts: Vec<Cond>) -> Cond {
    Cond::Or(parts)
}

/// `!a`.
pub fn not(cond: Cond) -> Cond {
    Cond::Not(Box::new(cond))
}

/// The hash a link's `Filterable` impl for the primary key `key` is keyed by: the key's own
/// hash, or, when `filterable(…)` lists the key too (already an impl), one no name hashes to
/// in practice.
pub const fn key_hash(key: &str, declared: &[&str]) -> u64 {
    let mut i = 0;
    while i < declared.len() {
        if crate::linkable::const_str_eq(declared[i], key) {
            return !name_hash(key);
        }
        i += 1;
    }
    name_hash(key)
}

/// A nested list's page in a selection: `skip`, `take` and the order terms.
pub fn nested_page(skip: u64, take: Option<u64>, order: Vec<OrderTerm>) -> crate::query::Page {
    let mut page = crate::query::Page::default().skip(skip);
    page.take = take;
    for term in order {
        page = page.order(term.path, term.direction);
    }
    page
}

/// A record of the graph's answer, as the generated `__from_record` takes it.
pub type Record = Map<String, Json>;

/// A field holding a list side, which `take`, `skip` and `order` may page.
#[diagnostic::on_unimplemented(
    message = "only a list side can be paged, and `{Self}` holds at most one record",
    label = "`take`, `skip` and `order` page a `Vec<_>` of a list side",
    note = "remove `take`, `skip` and `order` from this field's `#[selection(link, …)]`"
)]
pub trait Pageable {}
impl<S> Pageable for Vec<S> {}

/// Checks that a paged link field is a list.
pub fn expect_list<F: Pageable>() {}

/// Whether the selection fields `fields` of `M` hold its primary key (checked at compile
/// time: the graph always reads the key, and a selection reads exactly what the graph does).
pub const fn holds_key<M: Queryable>(fields: &[&'static str]) -> bool {
    let mut i = 0;
    while i < fields.len() {
        if crate::linkable::const_str_eq(column_of::<M>(fields[i]), M::KEY) {
            return true;
        }
        i += 1;
    }
    false
}

/// The model of a selection that names none (its derive already reported the error).
#[derive(Debug)]
pub enum NoModel {}

impl Linkable for NoModel {
    const MODEL: crate::linkable::ModelInfo = crate::linkable::ModelInfo {
        module: "",
        name: "",
        primary_key: "id",
        key_kind: crate::linkable::KeyKind::String,
        key: "",
        fields: &[],
        soft_deletable: false,
        table: None,
        rust_type: "",
    };

    fn link_key(&self) -> crate::key::Key<Self> {
        match *self {}
    }

    fn field_ids(&self, _: &str) -> Option<Vec<String>> {
        match *self {}
    }
}
