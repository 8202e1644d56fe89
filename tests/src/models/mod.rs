//! Data models of the test modules. Each module owns its table; none holds a foreign key into
//! another module.

pub mod brand;
pub mod cms;
pub mod collection;
pub mod customer;
pub mod post;
pub mod product;
pub mod region;
pub mod tag;
pub mod variant;
pub mod wishlist;
