//! The application's links: declared once, outside the modules they join.

use link_runtime::define_link;

use crate::modules::{brand, product};

define_link! {
    /// A brand has many products; each product has one brand.
    pub ProductBrand: product::Model [is_list] => brand::Model [filterable(name)],
    extra_columns { featured: bool = false },
}
