//! An unknown option, a duplicated option, `is_list` twice on a side, options of the wrong
//! form and a text default holding a NUL byte, all reported at once.
use link_runtime::define_link;
use link_tests::models::{brand, product};

define_link! {
    pub ProductBrandBad: product::Model [is_list, is_list] => brand::Model [delet_cascade, alias = brand_alias],
    table = "bad", table = "worse", id_prefix = "p-b", readonly,
    extra_columns { featured: bool = "yes", position: u128, id: String, extra: i32, left_: i32, r#type: i32, note: String = "a\0b" },
}

fn main() {}
