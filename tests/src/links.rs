//! Links of every cardinality between the test modules.

use chrono::{DateTime, Utc};
use link_runtime::define_link;

use crate::models::{brand, customer, post, product, region, tag, wishlist};

define_link! {
    /// A brand has many products; each product has one brand (many-to-one from product).
    pub ProductBrand: product::Model [is_list] => brand::Model [filterable(id, name)],
    extra_columns { featured: bool = false, position: i32 = 0, note: Option<String> },
}

define_link! {
    /// Each customer has one wishlist and each wishlist one customer (one-to-one).
    pub CustomerWishlist: customer::Model => wishlist::Model [delete_cascade],
}

define_link! {
    /// A brand has many posts; each post has one brand (one-to-many).
    pub BrandPost: brand::Model => post::Model [is_list],
    table = "brand_post", id_prefix = "bpost",
}

define_link! {
    /// Products and tags, many-to-many, with typed extra data.
    pub ProductTag: product::Model [is_list] => tag::Model [is_list],
    extra_columns {
        weight: f64 = 1.5,
        added_at: Option<DateTime<Utc>>,
        meta: Option<serde_json::Value>,
        label: String = "plain",
    },
}

define_link! {
    /// Regions (integer keys) and brands, many-to-many.
    pub RegionBrand: region::Model [is_list] => brand::Model [is_list],
}

define_link! {
    /// A post points at a product through its own `product_id` field (no table).
    pub PostProduct: post::Model [field = product_id] => product::Model,
    read_only,
}

define_link! {
    /// Tags on posts, with a required reason (NOT NULL, no default).
    pub TagPost: tag::Model [is_list] => post::Model [is_list],
    extra_columns { reason: String, votes: Option<i64> },
}
