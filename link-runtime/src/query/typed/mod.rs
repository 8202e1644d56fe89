//! Typed Query (SPEC §9): a selection declared as a Rust struct, whose fields, links, filters
//! and order the compiler checks, answered as values of that struct.
//!
//! - `#[derive(Selection)]` on a struct declares what to read of one model: each field names a
//!   field of the model (with its type) or, marked `#[selection(link)]`, a link of it, whose
//!   type is another selection in an `Option` (one record) or a `Vec` (a list side).
//! - [`query!`](crate::query!) adds filters and order, checked against the models and links;
//!   [`Query::take`] and [`Query::skip`] page the roots.
//! - [`Query::all`] and [`Query::page`] run it through the same engine as
//!   [`Links::graph`](crate::Links::graph), in the same statements.

pub(crate) mod check;
pub(crate) mod cond;
pub(crate) mod entity;
pub(crate) mod record;

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::request::{GraphQuery, Page};
use crate::error::{Error, Result};
use crate::registry::Links;

pub use cond::Cond;

/// A struct that is a selection of one model's fields and links. Implemented by
/// `#[derive(Selection)]`; see [`query!`](crate::query!) for an example.
///
/// Example: [`Query`](crate::query::Query).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a selection",
    label = "a linked record is read into a struct with `#[derive(Selection)]`",
    note = "add `#[derive(Selection)]` and `#[selection(model = …)]` to `{Self}`"
)]
pub trait Selection: Sized {
    /// The model whose records this selection reads (or, for a link's entry point, the
    /// link table's entity `Model`).
    ///
    /// Example: [`Query`](crate::query::Query).
    type Model: entity::Queryable;

    /// The link whose columns it reads beside the model's fields
    /// (`#[selection(through = ProductTag)]`), or `AnyLink` when it reads none.
    #[doc(hidden)]
    type Through;

    /// Adds the field paths this selection reads, under `prefix` (`""` at the root,
    /// `"brand."` under a link), and the pages of its nested lists.
    #[doc(hidden)]
    fn __select(prefix: &str, fields: &mut Vec<String>, nested: &mut BTreeMap<String, Page>);

    /// One record of the graph's answer as this struct.
    #[doc(hidden)]
    fn __from_record(record: Map<String, Json>) -> std::result::Result<Self, String>;
}

/// A typed query: the records of `T`'s model that match its filters, in its order, each read
/// as a `T`. Made by [`query!`](crate::query!) (or [`Query::new`] for every record).
///
/// ```
/// use link_runtime::{define_link, query, Linkable, Links, Selection};
/// use sea_orm::entity::prelude::*;
///
/// mod product {
///     use link_runtime::Linkable;
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
///     #[sea_orm(table_name = "product")]
///     #[linkable(module = "product")]
///     pub struct Model {
///         #[sea_orm(primary_key, auto_increment = false)]
///         pub id: String,
///         pub title: String,
///     }
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///     impl ActiveModelBehavior for ActiveModel {}
/// }
///
/// mod brand {
///     use link_runtime::Linkable;
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
///     #[sea_orm(table_name = "brand")]
///     #[linkable(module = "brand")]
///     pub struct Model {
///         #[sea_orm(primary_key, auto_increment = false)]
///         pub id: String,
///         pub name: String,
///     }
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///     impl ActiveModelBehavior for ActiveModel {}
/// }
///
/// define_link! {
///     pub ProductBrand: product::Model [is_list] => brand::Model [filterable(name)],
/// }
///
/// /// A product with its brand's name.
/// #[derive(Debug, PartialEq, Selection)]
/// #[selection(model = product::Model)]
/// struct Card {
///     id: String,
///     title: String,
///     #[selection(link)]
///     brand: Option<BrandName>,
/// }
///
/// #[derive(Debug, PartialEq, Selection)]
/// #[selection(model = brand::Model)]
/// struct BrandName {
///     id: String,
///     name: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = sea_orm::Database::connect("sqlite::memory:").await?;
/// # db.execute_unprepared("create table product (id text primary key, title text not null)").await?;
/// # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
/// # db.execute_unprepared("insert into product values ('p1', 'Shirt'), ('p2', 'Hat')").await?;
/// # db.execute_unprepared("insert into brand values ('b1', 'Acme')").await?;
/// let links = Links::builder(db.clone())
///     .module("product")
///     .module("brand")
///     .link::<ProductBrand>()
///     .build()?;
/// links.migrate().await?;
/// links
///     .create(&db, ProductBrand::new(product::Model::key("p1"), brand::Model::key("b1")))
///     .await?;
///
/// let acme = "Acme";
/// let cards = query!(Card, filter = brand.name == acme, order = [title.desc()])
///     .all(&links, &db)
///     .await?;
/// assert_eq!(
///     cards,
///     [Card {
///         id: "p1".into(),
///         title: "Shirt".into(),
///         brand: Some(BrandName { id: "b1".into(), name: "Acme".into() }),
///     }]
/// );
/// let page = query!(Card, order = [title]).take(1).page(&links, &db).await?;
/// assert_eq!((page.count, page.data[0].title.as_str(), page.data[0].brand.is_none()), (2, "Hat", true));
/// # Ok(())
/// # }
/// ```
///
/// The options of `#[derive(Selection)]`: `#[selection(model = Type)]` on the struct (required),
/// with `through = LinkType` for a selection that reads that link's own columns; on a field,
/// `#[selection(link)]` (or `link = LinkType` where two links in the build give the model this
/// property), with `take = n`, `skip = n` and `order = [path, path.desc()]` to page a nested
/// list per parent, or `#[selection(link_column)]` for a column of the link row that reached the
/// record (of the struct's `through` link, with the column's type). A selection must hold its
/// model's primary key.
///
/// `query!(Selection, filter = …, order = […])`: a filter compares a field path (`title`,
/// `brand.name`, `(brand as ProductBrand).name`, `tags.link.weight` for the `weight` column of
/// the product–tag row) with `==`, `!=`, `<`, `<=`, `>`, `>=`, or calls `like`, `ilike`,
/// `is_in`, `not_in`, `is_null` or `is_not_null` on it, combined with `&&`, `||` and `!`; an
/// order is a list of paths, each optionally `.asc()` or `.desc()` (a nested list's order may
/// name `link.weight`).
pub struct Query<T> {
    filters: Vec<Cond>,
    page: Page,
    selection: PhantomData<fn() -> T>,
}

impl<T> Clone for Query<T> {
    fn clone(&self) -> Self {
        Query {
            filters: self.filters.clone(),
            page: self.page.clone(),
            selection: PhantomData,
        }
    }
}

impl<T: Selection> fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Query").field(&self.graph_query()).finish()
    }
}

impl<T: Selection> Default for Query<T>
where
    T::Through: check::RootSelection,
{
    fn default() -> Self {
        Self::new()
    }
}

/// A page of a typed query's answer, with how many records match in all.
///
/// Example: [`Query`](crate::query::Query).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    /// The records of this page.
    pub data: Vec<T>,
    /// How many records match the filters, across all pages.
    pub count: u64,
    /// Records skipped.
    pub skip: u64,
    /// Records asked for (`None`: all the rest).
    pub take: Option<u64>,
}

impl<T: Selection> Query<T> {
    /// Every record of `T`'s model, in key order.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn new() -> Self
    where
        T::Through: check::RootSelection,
    {
        Query {
            filters: Vec::new(),
            page: Page::default(),
            selection: PhantomData,
        }
    }

    /// Skips `skip` records.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn skip(mut self, skip: u64) -> Self {
        self.page = self.page.skip(skip);
        self
    }

    /// Takes at most `take` records.
    ///
    /// Example: [`Query`](crate::query::Query).
    pub fn take(mut self, take: u64) -> Self {
        self.page = self.page.take(take);
        self
    }

    /// Adds a filter (what `query!`'s `filter = …` expands to).
    #[doc(hidden)]
    pub fn __filter(mut self, cond: Cond) -> Self {
        self.filters.push(cond);
        self
    }

    /// Adds an order (what `query!`'s `order = […]` expands to).
    #[doc(hidden)]
    pub fn __order(mut self, order: cond::OrderTerm) -> Self {
        if let Some(message) = order.invalid {
            // The query fails with it, as for a filter that cannot be written.
            self.filters.push(Cond::Invalid(message));
        }
        self.page = self.page.order(order.path, order.direction);
        self
    }

    /// The [`GraphQuery`] this query runs, as [`Links::graph`] would take it from JSON.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn graph_query(&self) -> GraphQuery {
        let mut fields = Vec::new();
        let mut nested = BTreeMap::new();
        T::__select("", &mut fields, &mut nested);
        let filters = match self.filters.as_slice() {
            [] => Json::Null,
            [one] => one.to_json(),
            many => {
                serde_json::json!({ "$and": many.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
        };
        let mut query = GraphQuery::new(<T::Model as entity::Queryable>::entity())
            .fields(fields)
            .filters(filters);
        query.nested = nested;
        if self.page != Page::default() {
            query.pagination = Some(self.page.clone());
        }
        query
    }

    /// The graph query, unless a filter value could not be written.
    fn checked(&self) -> Result<GraphQuery> {
        match self.filters.iter().find_map(Cond::invalid) {
            Some(message) => Err(Error::invalid(message)),
            None => Ok(self.graph_query()),
        }
    }

    /// The matching records, each read as a `T`.
    ///
    /// Example: [`Query`](crate::query::Query).
    pub async fn all<C: ConnectionTrait>(&self, links: &Links, conn: &C) -> Result<Vec<T>> {
        let graph = links.graph(conn, &self.checked()?).await?;
        graph.data.into_iter().map(record::read::<T>).collect()
    }

    /// A page of the matching records, with how many match in all (counted in one more
    /// statement when the query takes or skips).
    ///
    /// Example: [`Query`](crate::query::Query).
    pub async fn page<C: ConnectionTrait>(&self, links: &Links, conn: &C) -> Result<Paged<T>> {
        let graph = links.graph(conn, &self.checked()?).await?;
        let count = match graph.metadata {
            Some(info) => info.count,
            None => graph.data.len() as u64,
        };
        let data = graph
            .data
            .into_iter()
            .map(record::read::<T>)
            .collect::<Result<Vec<T>>>()?;
        Ok(Paged {
            data,
            count,
            skip: self.page.skip,
            take: self.page.take,
        })
    }
}
