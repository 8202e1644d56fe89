//! Reviews hold their product's and customer's ids: read-only links follow those fields (no
//! table), and an inverse read-only link gives each product its reviews.

use link_runtime::define_link;

use crate::modules::{customer, product, review};

define_link! {
    /// The product a review is about.
    pub ReviewProduct: review::Model [field = product_id] => product::Model,
    read_only,
}

define_link! {
    /// The customer who wrote a review.
    pub ReviewCustomer: review::Model [field = customer_id] => customer::Model,
    read_only,
}

define_link! {
    /// A product's reviews, found through their `product_id`.
    pub ProductReviews: product::Model [field = id] => review::Model [primary_key = product_id, is_list],
    read_only,
}
