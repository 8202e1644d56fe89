//! The application's modules. Each owns its table and knows nothing of the others.

pub mod brand;
pub mod product;
