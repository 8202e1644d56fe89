//! Link tables: their names (Medusa's, exactly) and their DDL on each backend.
//!
//! A public face over two layers: the names are part of the model (`crate::naming`), the DDL
//! part of the SQL layer (`crate::sql::ddl`).

pub use crate::naming;
pub use crate::sql::ddl;

pub use naming::TableNames;
