//! What a graph query asks for and what it returns, in Medusa's shape so an HTTP route can
//! deserialize the request and serialize the answer as they are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A graph query (SPEC §9.1): an entity, the fields to return (paths across links), filters on
/// the entity (and on `filterable` fields of linked records), pagination, and per-parent
/// pagination of nested lists.
///
/// A stored link's own columns are named after the link like the linked record's fields
/// (`tags.weight`): selected, filtered by and ordering a nested list, each record showing its
/// link row's value. The entity may be a stored link's table by its entry point
/// (`product_tag`, [`LinkSpec::entry_point`](crate::LinkSpec::entry_point)): its live rows
/// with every column, and both sides under their aliases (`product.title`, `tag.*`).
///
/// ```
/// use link_runtime::query::{GraphQuery, Page};
/// use serde_json::json;
///
/// let query = GraphQuery::new("product")
///     .fields(["id", "title", "brand.*", "posts.body"])
///     .filters(json!({"brand": {"name": "Acme"}, "title": {"$ilike": "%shirt%"}}))
///     .order("brand.name", "ASC")
///     .take(20)
///     .nested("posts", Page::default().take(3).order("body", "ASC"));
/// // The same query, as an HTTP client would send it:
/// let sent: GraphQuery = serde_json::from_value(json!({
///     "entity": "product",
///     "fields": ["id", "title", "brand.*", "posts.body"],
///     "filters": {"brand": {"name": "Acme"}, "title": {"$ilike": "%shirt%"}},
///     "pagination": {"take": 20, "order": {"brand.name": "ASC"}},
///     "nested": {"posts": {"take": 3, "order": {"body": "ASC"}}}
/// }))?;
/// assert_eq!(sent, query);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphQuery {
    /// The root model, by name (`product`) or as `module.model`, or a stored link's entry point
    /// (`product_tag`, or `link.product_tag`).
    pub entity: String,
    /// Field paths: `id`, `title`, `*`, `brand.*`, `brand.name`, `brand.posts.*`. Empty: every
    /// field of the root.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Medusa-shaped filters on the root: `{"title": "Shirt"}`, `{"id": ["a", "b"]}`,
    /// `{"title": {"$like": "S%"}}`, `{"$or": [...]}`, `{"brand": {"name": "Acme"}}`.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub filters: Value,
    /// The root's page and order; with `skip` or `take`, the answer carries `metadata` with
    /// the total count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Page>,
    /// Per-parent pages of nested lists, keyed by path (`posts`, `brand.products`): for
    /// example the first three posts of each product.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nested: BTreeMap<String, Page>,
}

/// A page: how many records to skip and take, and their order
/// (`{"title": "ASC", "brand.name": "DESC"}`; the primary key breaks ties).
///
/// Example: [`GraphQuery`](crate::query::GraphQuery).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Records to skip.
    #[serde(default)]
    pub skip: u64,
    /// Records to take; `None` takes the rest.
    #[serde(default)]
    pub take: Option<u64>,
    /// Field paths with `"ASC"` or `"DESC"`, in priority order.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub order: Map<String, Value>,
}

impl Page {
    /// Skips `skip` records.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = skip;
        self
    }

    /// Takes at most `take` records.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn take(mut self, take: u64) -> Self {
        self.take = Some(take);
        self
    }

    /// Orders by `path` (`"ASC"` or `"DESC"`) after the orders given before.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn order(mut self, path: impl Into<String>, direction: &str) -> Self {
        self.order
            .insert(path.into(), Value::String(direction.to_string()));
        self
    }
}

impl GraphQuery {
    /// A query of every field of `entity`'s records.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn new(entity: impl Into<String>) -> Self {
        GraphQuery {
            entity: entity.into(),
            ..GraphQuery::default()
        }
    }

    /// The field paths to return.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// The filters, in Medusa's shape.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn filters(mut self, filters: Value) -> Self {
        self.filters = filters;
        self
    }

    /// Skips `skip` root records.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn skip(mut self, skip: u64) -> Self {
        self.pagination = Some(self.pagination.unwrap_or_default().skip(skip));
        self
    }

    /// Takes at most `take` root records.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn take(mut self, take: u64) -> Self {
        self.pagination = Some(self.pagination.unwrap_or_default().take(take));
        self
    }

    /// Orders the roots by `path` (`"ASC"` or `"DESC"`).
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn order(mut self, path: impl Into<String>, direction: &str) -> Self {
        self.pagination = Some(self.pagination.unwrap_or_default().order(path, direction));
        self
    }

    /// Pages the list at `path` per parent.
    ///
    /// Example: [`GraphQuery`](crate::query::GraphQuery).
    pub fn nested(mut self, path: impl Into<String>, page: Page) -> Self {
        self.nested.insert(path.into(), page);
        self
    }
}

/// The answer: the records, and `metadata` when the query asked for a page (`skip` or `take`).
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// The root records with their linked records nested under each link's name.
    pub data: Vec<Value>,
    /// The page, with the total number of matching roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<PageInfo>,
}

/// What a paginated answer says about its page.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    /// How many roots match the filters, across all pages.
    pub count: u64,
    /// Roots skipped.
    pub skip: u64,
    /// Roots asked for (`None`: all the rest).
    pub take: Option<u64>,
}
