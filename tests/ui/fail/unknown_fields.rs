//! `filterable`, `field` and `primary_key` names that are not fields of their model.
use link_runtime::define_link;
use link_tests::models::{brand, post, product};

define_link! {
    pub ProductBrandTypo: product::Model [is_list] => brand::Model [filterable(id, nmae)],
    table = "typo",
}

define_link! {
    pub PostProductTypo: post::Model [field = produkt_id] => product::Model,
    read_only,
}

define_link! {
    pub ProductPostsTypo: product::Model [field = id] => post::Model [primary_key = product, is_list],
    read_only,
}

fn main() {}
