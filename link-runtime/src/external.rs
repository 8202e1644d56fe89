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
    pub fn new(model: &'a str, field: &'a str, ids: &'a [String]) -> Self {
        ListRequest { model, field, ids }
    }
}

/// A service serving the records of a module's external models.
///
/// ```
/// use link_runtime::query::{BoxError, ExternalModels, ListRequest};
/// use serde_json::{json, Value};
///
/// struct Cms;
///
/// impl ExternalModels for Cms {
///     async fn list(&self, request: ListRequest<'_>) -> Result<Vec<Value>, BoxError> {
///         // A real service calls its API here, once, with every id.
///         Ok(request.ids.iter().map(|id| json!({"id": id, "model": request.model})).collect())
///     }
/// }
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
