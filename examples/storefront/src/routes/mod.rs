//! The HTTP routes: `/store` (read, allow-listed), `/admin` (write), and the page at `/`.

mod admin;
pub mod error;
mod html;
mod page;
mod selections;
mod showcase;
pub mod store;

use axum::Router;
use axum::routing::{delete, get, post};
use link_runtime::Links;
use sea_orm::DatabaseConnection;

/// What every route gets.
#[derive(Debug, Clone)]
pub struct AppState {
    pub links: Links,
    pub db: DatabaseConnection,
}

/// Every route of the storefront.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page::storefront))
        .route("/products/{handle}", get(showcase::product))
        .route("/brands/{id}", get(showcase::brand))
        .route("/customers/{id}", get(showcase::customer))
        .route("/links", get(showcase::graph))
        .route("/store/products", get(store::list_products))
        .route("/store/products/{id}", get(store::get_product))
        .route("/store/brands", get(store::list_brands))
        .route(
            "/admin/links",
            get(admin::list_links).post(admin::create_links),
        )
        .route("/admin/links/dismiss", post(admin::dismiss_links))
        .route("/admin/products", post(admin::create_product))
        .route("/admin/products/{id}", delete(admin::delete_product))
        .route("/admin/products/{id}/restore", post(admin::restore_product))
        .route("/admin/brands", post(admin::create_brand))
        .with_state(state)
}
