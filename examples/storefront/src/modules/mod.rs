//! The application's modules. Each owns its table and holds no foreign key into another
//! module's; links (in `crate::links`) associate their records.

pub mod blog;
pub mod brand;
pub mod cart;
pub mod cms;
pub mod customer;
pub mod product;
pub mod review;
pub mod sales_channel;
pub mod wishlist;
