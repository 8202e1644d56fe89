//! The storefront: a worked example of an application built from isolated modules (product,
//! brand, customer, wishlist, blog, review, cart, sales channel, and an external CMS) and the
//! links between them, served over HTTP in Medusa's style.
//!
//! - `modules/`: one folder per module, each owning its table and nothing else.
//! - `links/`: one file per link; `links::registry` binds modules and links.
//! - `routes/`: `/store` (read, allow-listed fields), `/admin` (write), and the page at `/`.
//! - `app.rs`: start-up; `seed.rs`: demo data.

pub mod app;
pub mod links;
pub mod modules;
pub mod routes;
pub mod seed;
