//! The HTTP routes: `/store` (read, allow-listed), `/admin` (write), and the page at `/`.

mod admin;
mod admin_page;
mod auth;
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
    /// The token every `/admin` route needs, if one is configured.
    pub admin_token: Option<AdminToken>,
}

/// The admin token; its `Debug` does not show it.
#[derive(Clone)]
pub struct AdminToken(std::sync::Arc<str>);

impl AdminToken {
    /// The token `text`.
    pub fn new(text: &str) -> Self {
        AdminToken(text.into())
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(…)")
    }
}

/// Every route of the storefront: the pages and `/store` open, `/admin` behind the admin token
/// when one is configured.
pub fn router(state: AppState) -> Router {
    let admin = Router::new()
        .route("/admin", get(admin_page::admin_page))
        .route("/admin/forms/brand", post(admin_page::brand_form))
        .route("/admin/forms/channel", post(admin_page::channel_form))
        .route("/admin/forms/json", post(admin_page::json_form))
        .route("/admin/forms/delete", post(admin_page::delete_form))
        .route("/admin/forms/restore", post(admin_page::restore_form))
        .route(
            "/admin/links",
            get(admin::list_links).post(admin::create_links),
        )
        .route("/admin/links/dismiss", post(admin::dismiss_links))
        .route("/admin/products", post(admin::create_product))
        .route("/admin/products/{id}", delete(admin::delete_product))
        .route("/admin/products/{id}/restore", post(admin::restore_product))
        .route("/admin/brands", post(admin::create_brand))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_admin,
        ));
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
            "/admin/sign-in",
            get(auth::sign_in_form).post(auth::sign_in),
        )
        .merge(admin)
        .with_state(state)
}
