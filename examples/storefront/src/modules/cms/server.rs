//! A small CMS service, served on its own port so the external link crosses a real HTTP
//! connection (in production it would be another team's system).

use axum::Json;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

/// The pages the CMS holds.
fn pages() -> Vec<Value> {
    vec![
        json!({"id": "page_tee", "product_id": "prod_tee", "headline": "The tee we wear every day"}),
        json!({"id": "page_hoodie", "product_id": "prod_hoodie", "headline": "Warm, and it has pockets"}),
        json!({"id": "page_cap", "product_id": "prod_cap", "headline": "A cap for every season"}),
    ]
}

#[derive(Deserialize)]
struct ListBody {
    model: String,
    field: String,
    ids: Vec<String>,
}

async fn list(Json(body): Json<ListBody>) -> Json<Vec<Value>> {
    if body.model != "cms_page" {
        return Json(Vec::new());
    }
    Json(
        pages()
            .into_iter()
            .filter(|page| {
                page[&body.field]
                    .as_str()
                    .is_some_and(|value| body.ids.iter().any(|id| id == value))
            })
            .collect(),
    )
}

/// The CMS service's routes: `POST /pages/list` with `{model, field, ids}`.
pub fn router() -> axum::Router {
    axum::Router::new().route("/pages/list", post(list))
}
