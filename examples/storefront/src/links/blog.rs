//! A product has many blog posts; deleting the product deletes its posts.

use link_runtime::define_link;

use crate::modules::{blog, product};

define_link! {
    pub ProductPost: product::Model => blog::Model [is_list, delete_cascade, filterable(title)],
}
