//! A side whose type has no #[derive(Linkable)].
use link_runtime::define_link;
use link_tests::models::product;

pub struct Invoice {
    pub id: String,
}

define_link! {
    pub ProductInvoice: product::Model => Invoice,
}

fn main() {}
