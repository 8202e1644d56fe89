//! Link tables: their names (Medusa's, exactly) and their DDL on each backend.

pub mod ddl;
pub(crate) mod inspect;
pub mod naming;

pub use naming::TableNames;
