//! `/store`: what shoppers may read. Products with their linked records, filtered, sorted and
//! paged by the query string, reaching only the allow-listed fields.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use link_runtime::query::{AllowList, GraphQuery, Page};
use serde_json::{Map, Value, json};

use super::AppState;
use super::error::{ApiError, quoted};
use super::selections::BrandProducts;

/// What `/store` callers may reach: no emails, no soft-delete stamps.
pub fn allow_list() -> AllowList {
    AllowList::new([
        "id",
        "title",
        "handle",
        "price",
        "brand.*",
        "posts.id",
        "posts.title",
        "posts.body",
        "sales_channels.*",
        "reviews.id",
        "reviews.rating",
        "reviews.body",
        "reviews.customer.name",
        "cms_page.*",
    ])
}

const DEFAULT_FIELDS: [&str; 5] = ["id", "title", "handle", "price", "brand.name"];
const MAX_LIMIT: u64 = 100;
const MAX_OFFSET: u64 = 1_000_000;

/// The query string of a product listing, read.
#[derive(Debug, Default)]
pub struct Listing {
    pub fields: Vec<String>,
    pub limit: u64,
    pub offset: u64,
    pub order: Map<String, Value>,
    pub filters: Map<String, Value>,
}

/// Reads `fields=id,title,brand.name`, `limit`, `offset`, `order=-brand.name,title` and every
/// other key as a filter: `title=Shirt`, `brand.name=Acme`, `price[$gt]=1000`,
/// `id[$in]=a,b`, `id=a&id=b`.
pub fn listing(pairs: &[(String, String)]) -> Result<Listing, ApiError> {
    let mut listing = Listing {
        limit: 20,
        ..Listing::default()
    };
    let number = |key: &str, value: &str, max: u64| {
        value
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "`{key}` must be a whole number from 0 to {max}, not {value:?}"
                ))
            })
    };
    for (key, value) in pairs {
        match key.as_str() {
            "fields" => listing.fields.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(String::from),
            ),
            "limit" => listing.limit = number(key, value, MAX_LIMIT)?,
            "offset" => listing.offset = number(key, value, MAX_OFFSET)?,
            "order" => {
                for term in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    let (path, direction) = match term.strip_prefix('-') {
                        Some(path) => (path, "DESC"),
                        None => (term, "ASC"),
                    };
                    listing.order.insert(path.to_string(), json!(direction));
                }
            }
            _ => add_filter(&mut listing.filters, key, value)?,
        }
    }
    if listing.fields.is_empty() {
        listing.fields = DEFAULT_FIELDS.map(String::from).to_vec();
    }
    Ok(listing)
}

/// Puts `key=value` into Medusa's nested filter shape.
fn add_filter(filters: &mut Map<String, Value>, key: &str, value: &str) -> Result<(), ApiError> {
    let (path, operator) = match key.split_once('[') {
        Some((path, rest)) => {
            let operator = rest.strip_suffix(']').ok_or_else(|| {
                ApiError::invalid(format!(
                    "filter `{key}`: write an operator as `field[$op]=value`"
                ))
            })?;
            (path, Some(operator))
        }
        None => (key, None),
    };
    let segments: Vec<&str> = path.split('.').collect();
    let (field, hops) = segments
        .split_last()
        .ok_or_else(|| ApiError::invalid("an empty filter key"))?;
    let mut target = filters;
    for hop in hops {
        let entry = target
            .entry(hop.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        target = entry
            .as_object_mut()
            .ok_or_else(|| ApiError::invalid(format!("filter `{key}` conflicts with `{hop}`")))?;
    }
    let value = match operator {
        Some(op @ ("$in" | "$nin")) => json!({op: value.split(',').collect::<Vec<_>>()}),
        Some(op) => json!({op: value}),
        None => json!(value),
    };
    match (target.get_mut(*field), value) {
        (None, value) => {
            target.insert(field.to_string(), value);
        }
        // `id=a&id=b`: any of them.
        (Some(Value::String(first)), Value::String(second)) => {
            let first = std::mem::take(first);
            target.insert(field.to_string(), json!([first, second]));
        }
        (Some(Value::Array(values)), Value::String(next)) => values.push(json!(next)),
        (Some(Value::Object(ops)), Value::Object(more)) => ops.extend(more),
        _ => {
            return Err(ApiError::invalid(format!(
                "filter `{key}` given twice in incompatible forms"
            )));
        }
    }
    Ok(())
}

/// `GET /store/products`: `{"products": [...], "count", "limit", "offset"}`.
pub async fn list_products(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(pairs) = query?;
    let listing = listing(&pairs)?;
    let mut page = Page::default().skip(listing.offset).take(listing.limit);
    page.order = listing.order;
    let mut query = GraphQuery::new("product")
        .fields(listing.fields)
        .filters(Value::Object(listing.filters));
    query.pagination = Some(page);
    let graph = state
        .links
        .graph_within(&state.db, &query, &allow_list())
        .await?;
    Ok(Json(json!({
        "products": graph.data,
        "count": graph.metadata.map(|m| m.count).unwrap_or_default(),
        "limit": listing.limit,
        "offset": listing.offset,
    })))
}

/// `GET /store/products/{id}`: `{"product": {...}}`, or 404.
pub async fn get_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(pairs) = query?;
    let fields: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k == "fields").collect();
    let listing = listing(&fields)?;
    let query = GraphQuery::new("product")
        .fields(listing.fields)
        .filters(json!({"id": id}));
    let graph = state
        .links
        .graph_within(&state.db, &query, &allow_list())
        .await?;
    let product = graph
        .data
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("product {} was not found", quoted(&id))))?;
    Ok(Json(json!({"product": product})))
}

/// `GET /store/brands`: `{"brands": [{"id", "name", "products": [...]}]}`, every brand with its
/// products by title, read as typed selections (a fixed shape, so no allow-list is needed).
pub async fn list_brands(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let brands = link_runtime::query!(BrandProducts, order = [name])
        .all(&state.links, &state.db)
        .await?;
    Ok(Json(json!({ "brands": brands })))
}
