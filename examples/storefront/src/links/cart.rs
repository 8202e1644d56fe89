//! The customer a cart belongs to, through the cart's `customer_id` (read-only).

use link_runtime::define_link;

use crate::modules::{cart, customer};

define_link! {
    pub CartCustomer: cart::Model [field = customer_id] => customer::Model,
    read_only,
}
