//! External models (SPEC §9.6): records that no database of ours holds, served by a service
//! (a CMS, a PIM, another team's API). A module registers one with
//! [`LinksBuilder::external`](crate::LinksBuilder::external); Query calls it once per hop with
//! every id the hop needs.

use std::future::Future;
use std::pin::Pin;

/// The error an external service returns.
///
/// Example: [`ExternalModels`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What Query asks an external service for: the records of `model` whose `field` holds one of
/// `ids`. `field` is the model's primary key, or, for an inverse read-only link, the field that
/// points back at the parent (as Medusa calls `listPosts({product_id: ids})`).
///
/// Example: [`ExternalModels`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ListRequest<'a> {
    /// The model's name, e.g. `review`.
    pub model: &'a str,
    /// The field the ids are matched against.
    pub field: &'a str,
    /// Every id the hop needs, once each.
    pub ids: &'a [String],
}

impl<'a> ListRequest<'a> {
    /// A request for the records of `model` whose `field` is one of `ids` (what Query sends;
    /// for testing a service on its own).
    ///
    /// Example: [`ExternalModels`].
    pub fn new(model: &'a str, field: &'a str, ids: &'a [String]) -> Self {
        ListRequest { model, field, ids }
    }
}

/// A service serving the records of a module's external models.
///
/// ```
/// use link_runtime::query::{BoxError, ExternalModels, GraphQuery, ListRequest};
/// use link_runtime::{define_link, Linkable, Links};
/// use serde_json::{json, Value};
/// # use sea_orm::ConnectionTrait;
/// # mod product {
/// #     use link_runtime::Linkable;
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
/// #     #[sea_orm(table_name = "product")]
/// #     #[linkable(module = "product")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub id: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
///
/// /// A CMS page: no table of ours holds it.
/// #[derive(Clone, Debug, PartialEq, Linkable)]
/// #[linkable(module = "cms")]
/// pub struct Page {
///     pub id: String,
///     pub product_id: String,
///     pub title: String,
/// }
///
/// define_link! {
///     pub ProductPage: product::Model [field = id] => Page [primary_key = product_id],
///     read_only,
/// }
///
/// struct Cms;
///
/// impl ExternalModels for Cms {
///     async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
///         // A real service calls its API here, once, with every id.
///         Ok(request
///             .ids
///             .iter()
///             .map(|id| json!({"id": format!("page_{id}"), "product_id": id, "title": "About"}))
///             .collect())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), BoxError> {
/// // The service on its own, as Query calls it.
/// let ids = ["p1".to_string()];
/// let pages = Cms.list(ListRequest::new("page", "product_id", &ids)).await?;
/// assert_eq!(pages[0]["product_id"], "p1");
///
/// // Registered for the module `cms`, and followed by Query.
/// # let db = sea_orm::Database::connect("sqlite::memory:").await?;
/// # db.execute_unprepared("create table product (id text primary key)").await?;
/// # db.execute_unprepared("insert into product values ('p1')").await?;
/// let links = Links::builder(db.clone())
///     .module("product")
///     .external("cms", Cms)
///     .link::<ProductPage>()
///     .build()?;
/// let found = links.graph(&db, &GraphQuery::new("product").fields(["id", "page.title"])).await?;
/// assert_eq!(found.data[0]["page"]["title"], "About");
/// # Ok(())
/// # }
/// ```
pub trait ExternalModels: Send + Sync + 'static {
    /// The records the request names, as JSON objects holding the requested field, in any
    /// order. Ids the service does not know are left out (they read as no record).
    ///
    /// Example: [`ExternalModels`].
    fn list(
        &self,
        request: ListRequest<'_>,
    ) -> impl Future<Output = Result<Vec<serde_json::Value>, BoxError>> + Send;
}

type ListFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<serde_json::Value>, BoxError>> + Send + 'a>>;

/// [`ExternalModels`] made object-safe, so the registry can hold any service.
pub(crate) trait ErasedExternal: Send + Sync + 'static {
    fn list_boxed<'a>(&'a self, request: ListRequest<'a>) -> ListFuture<'a>;
}

impl<T: ExternalModels> ErasedExternal for T {
    fn list_boxed<'a>(&'a self, request: ListRequest<'a>) -> ListFuture<'a> {
        Box::pin(self.list(request))
    }
}

impl std::fmt::Debug for dyn ErasedExternal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("external service")
    }
}
