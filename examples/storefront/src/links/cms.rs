//! A product's editorial page, held by the external CMS service, which points back at the
//! product (an inverse read-only link to an external model).

use link_runtime::define_link;

use crate::modules::{cms, product};

define_link! {
    pub ProductCmsPage: product::Model [field = id] => cms::Page [primary_key = product_id],
    read_only,
}
