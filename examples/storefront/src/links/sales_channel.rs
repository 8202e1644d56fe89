//! Products are sold in many sales channels, and channels sell many products (many-to-many),
//! with each product's position in the channel.

use link_runtime::define_link;

use crate::modules::{product, sales_channel};

define_link! {
    pub ProductSalesChannel: product::Model [is_list] => sales_channel::Model [is_list, filterable(name)],
    extra_columns { position: i32 = 0 },
    table = "product_sales_channel", id_prefix = "prodsc",
}
