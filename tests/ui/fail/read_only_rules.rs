//! `filterable` on a read-only link, and a read-only link without `field` on its left side.
use link_runtime::define_link;
use link_tests::models::{post, product};

define_link! {
    pub PostProductFiltered: post::Model [field = product_id] => product::Model [filterable(title)],
    read_only,
}

define_link! {
    pub PostProductNoField: post::Model => product::Model,
    read_only,
}

fn main() {}
