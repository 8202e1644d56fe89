//! A brand has many products; each product has one brand. Products can be filtered and sorted
//! by their brand's name, and a link can mark a product as featured by its brand.

use link_runtime::define_link;

use crate::modules::{brand, product};

define_link! {
    pub ProductBrand: product::Model [is_list] => brand::Model [filterable(id, name)],
    extra_columns { featured: bool = false },
}
