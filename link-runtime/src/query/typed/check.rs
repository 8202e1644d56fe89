//! What the code of `#[derive(Selection)]`, `query!` and `define_link!` uses to let the compiler
//! check a typed query: a model's links as trait impls keyed by a hash of the property name,
//! fields reached by field access (so an unknown field is rustc's own error, with its "did you
//! mean"), values checked against the field's type. Each trait's message says the fix.

use std::marker::PhantomData;

use serde_json::{Map, Value as Json};

use super::Selection;
use super::cond::{Col, OrderTerm};
use super::entity::{Queryable, column_of};
use crate::definition::LinkDefinition;
use crate::linkable::Linkable;

pub use crate::linkable::name_hash;

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
/// type `L` (implemented by `define_link!` for each side that gains a property). `N` is a type
/// named as the property, there so an error listing a model's links shows their names.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no link by this name",
    label = "not a link of `{Self}`",
    note = "a link is shown under its side's `alias`, else the other model's name, plural when that side `is_list` (`brand`, `products`); the links of `{Self}` are listed below, each with its name last; links are declared with `define_link!`"
)]
pub trait Property<L, const P: u64, N> {
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

/// Checks that the link property `P` of `M`, declared by `L`, is read into a field of type `F`
/// holding selections `S` of the linked model, which read no other link's columns.
pub fn expect_link<M, L, const P: u64, F, S, N>()
where
    M: Property<L, P, N>,
    F: Fits<<M as Property<L, P, N>>::Many>,
    S: Selection<Model = <M as Property<L, P, N>>::Target>,
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

/// A selection a query may start from: one that reads no link's columns (a selection declared
/// `through` a link is read under a link field, where a link row reached each record).
#[diagnostic::on_unimplemented(
    message = "this selection reads the columns of link `{Self}`, which only a link row reaching its records has: it cannot be a query's root",
    label = "declared `through = {Self}`",
    note = "query a selection of the model without `through` (and its link columns), or read the rows of `{Self}` from its entry point: a selection of its table's `Model`"
)]
pub trait RootSelection {}
impl RootSelection for AnyLink {}

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
///
/// Where the linked model has a field of the same name, the graph reads that field under
/// `tags.<name>`: the column cannot be named in a path, and a condition or order of it fails the
/// query, saying so.
pub fn link_field<M: Queryable, L: LinkDefinition, const P: u64, K, C>(
    via: &Via<M, L, P, K>,
    name: &'static str,
    _access: impl Fn(&L::Extra) -> &C,
) -> Col<C> {
    let path = format!("{}{name}", via.path);
    let invalid = super::entity::has_field::<M>(name).then(|| {
        format!(
            "`{path}`: `{name}` is a field of the linked records too, and a path names their field; read the link's `{name}` from the link's entry point (a selection of its table's `Model`)"
        )
    });
    Col {
        // A nested list's order has no way to fail but its path: one the graph refuses.
        path: match invalid {
            Some(_) => format!("{}link.{name}", via.path),
            None => path,
        },
        invalid,
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
pub fn hop<M, L0, const P0: u64, K0, L, const P: u64, N>(
    from: Via<M, L0, P0, K0>,
    name: &str,
) -> Via<<M as Property<L, P, N>>::Target, L, P, <M as Property<L, P, N>>::Many>
where
    M: Property<L, P, N>,
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
        invalid: None,
        column: PhantomData,
    }
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
