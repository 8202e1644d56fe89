//! `delete_cascade` on a side whose model cannot be soft-deleted (no `deleted_at`).
use link_runtime::define_link;
use link_tests::models::{brand, product};

define_link! {
    pub ProductBrandCascade: product::Model [is_list] => brand::Model [delete_cascade],
    table = "cascade",
}

fn main() {}
