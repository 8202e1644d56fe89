//! Each customer has one wishlist; deleting the customer deletes the wishlist.

use link_runtime::define_link;

use crate::modules::{customer, wishlist};

define_link! {
    pub CustomerWishlist: customer::Model => wishlist::Model [delete_cascade],
}
