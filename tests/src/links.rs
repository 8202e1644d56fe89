//! Links of every cardinality between the test modules.

use chrono::{DateTime, Utc};
use link_runtime::define_link;

use crate::models::{
    brand, cms, collection, customer, post, product, region, tag, variant, wishlist,
};

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

define_link! {
    /// Products and their variants: two models of the one `product` module.
    pub ProductVariant: product::Model => variant::Model [is_list],
}

define_link! {
    /// A second link between products and brands, told apart by aliases: the brand that makes
    /// a product.
    pub ProductMaker: product::Model [is_list, alias = "made_product"]
        => brand::Model [alias = "maker", filterable(name)],
    table = "product_maker",
}

define_link! {
    /// A collection lists its products in an array field (no table).
    pub CollectionProducts: collection::Model [field = product_ids] => product::Model [is_list],
    read_only,
}

define_link! {
    /// A product's posts, found through the posts' own `product_id` (inverse, no table).
    pub ProductPosts: product::Model [field = id] => post::Model [primary_key = product_id, is_list],
    read_only,
}

define_link! {
    /// Reviews, served by the external `cms` module, linked through a table of ours.
    pub ProductReview: product::Model => cms::Review [is_list],
}

define_link! {
    /// A product's CMS page, served by the external `cms` module, pointing back at the product.
    pub ProductPage: product::Model [field = id] => cms::Page [primary_key = product_id],
    read_only,
}
