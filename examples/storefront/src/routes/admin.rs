//! `/admin`: writes. Links in Medusa's dynamic shape, products and brands, a cascading delete
//! and its restore, and the declared link graph.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use link_runtime::schema::TableNames;
use sea_orm::{ActiveModelTrait, IntoActiveModel, TransactionTrait};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, quoted};
use crate::links::ProductBrand;
use crate::modules::{brand, product};

/// `POST /admin/links`: one link or an array, `{"product": {"product_id": "…"}, "brand":
/// {"brand_id": "…"}, "data": {…}}`, atomically.
pub async fn create_links(
    State(state): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body?;
    let rows = state.links.create_json(&state.db, &body).await?;
    Ok(Json(json!({"links": rows})))
}

/// `POST /admin/links/dismiss`: the same shape; a missing pair is not an error.
pub async fn dismiss_links(
    State(state): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body?;
    let dismissed = state.links.dismiss_json(&state.db, &body).await?;
    Ok(Json(json!({"dismissed": dismissed})))
}

/// `DELETE /admin/products/{id}`: the product, its links, and its posts (`delete_cascade`).
pub async fn delete_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let report = state
        .links
        .delete_json(&state.db, &json!({"product": {"product_id": id}}))
        .await?;
    if !report
        .records
        .get("product.product")
        .is_some_and(|ids| ids.contains(&id))
    {
        return Err(ApiError::not_found(format!(
            "product {} was not found",
            quoted(&id)
        )));
    }
    Ok(Json(json!({"id": id, "deleted": report})))
}

/// `POST /admin/products/{id}/restore`: exactly what the delete removed.
pub async fn restore_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let report = state
        .links
        .restore_json(&state.db, &json!({"product": {"product_id": id}}))
        .await?;
    if report.records.is_empty() {
        return Err(ApiError::not_found(format!(
            "no deleted product {} to restore",
            quoted(&id)
        )));
    }
    Ok(Json(json!({"id": id, "restored": report})))
}

/// An id a client chose: 1 to 255 bytes (what link tables hold), without NUL.
fn checked_id(what: &str, id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 255 || id.contains('\0') {
        return Err(ApiError::invalid(format!(
            "a {what} id is 1 to 255 bytes without NUL; got {}",
            quoted(id)
        )));
    }
    Ok(())
}

/// Text a client sent, which no database of ours can hold with a NUL byte (PostgreSQL).
fn checked_text(field: &str, text: &str) -> Result<(), ApiError> {
    if text.contains('\0') {
        return Err(ApiError::invalid(format!(
            "`{field}` must not contain a NUL byte"
        )));
    }
    Ok(())
}

/// The body of `POST /admin/products`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    id: Option<String>,
    title: String,
    handle: Option<String>,
    price: i64,
    /// Links the product to this brand in the same transaction.
    brand_id: Option<String>,
}

/// `POST /admin/products`: the product, and its brand link in the same transaction.
pub async fn create_product(
    State(state): State<AppState>,
    body: Result<Json<NewProduct>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(new) = body?;
    if new.title.trim().is_empty() {
        return Err(ApiError::invalid("`title` must not be empty"));
    }
    if new.price < 0 {
        return Err(ApiError::invalid("`price` (in cents) must not be negative"));
    }
    let handle = new
        .handle
        .unwrap_or_else(|| new.title.to_lowercase().replace(' ', "-"));
    let id = new.id.unwrap_or_else(|| format!("prod_{handle}"));
    checked_id("product", &id)?;
    checked_text("title", &new.title)?;
    checked_text("handle", &handle)?;
    let txn = state.db.begin().await?;
    let model = product::Model {
        id: id.clone(),
        title: new.title,
        handle,
        price: new.price,
        deleted_at: None,
    }
    .into_active_model()
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::invalid(format!("a product with id {} exists already", quoted(&id)))
        }
        _ => ApiError::from(e),
    })?;
    if let Some(brand) = new.brand_id {
        state
            .links
            .create(
                &txn,
                ProductBrand::new(product::Model::key(&id), brand::Model::key(brand)),
            )
            .await?;
    }
    txn.commit().await?;
    Ok(Json(json!({"product": model})))
}

/// The body of `POST /admin/brands`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBrand {
    id: Option<String>,
    name: String,
}

/// `POST /admin/brands`.
pub async fn create_brand(
    State(state): State<AppState>,
    body: Result<Json<NewBrand>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(new) = body?;
    if new.name.trim().is_empty() {
        return Err(ApiError::invalid("`name` must not be empty"));
    }
    let id = new
        .id
        .unwrap_or_else(|| format!("brand_{}", new.name.to_lowercase().replace(' ', "_")));
    checked_id("brand", &id)?;
    checked_text("name", &new.name)?;
    let model = brand::Model {
        id: id.clone(),
        name: new.name,
    }
    .into_active_model()
    .insert(&state.db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::invalid(format!("a brand with id {} exists already", quoted(&id)))
        }
        _ => ApiError::from(e),
    })?;
    Ok(Json(json!({"brand": model})))
}

/// `GET /admin/links`: the declared links, as the registry knows them.
pub async fn list_links(State(state): State<AppState>) -> Json<Value> {
    let side = |side: &link_runtime::definition::Side| {
        json!({
            "module": side.model.module,
            "model": side.model.name,
            "key": side.model.key,
            "alias": side.alias(),
            "is_list": side.is_list,
            "delete_cascade": side.delete_cascade,
            "filterable": side.filterable,
        })
    };
    let links: Vec<Value> = state
        .links
        .specs()
        .map(|spec| {
            json!({
                "name": spec.name,
                "left": side(&spec.left),
                "right": side(&spec.right),
                "cardinality": format!("{:?}", spec.cardinality()),
                "read_only": spec.read_only,
                "table": (!spec.read_only).then(|| TableNames::of(spec).table),
                "extra_columns": spec.extra_columns.iter().map(|c| c.name).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({"links": links}))
}
