//! The cart module: a cart may belong to a customer, by id.

use link_runtime::Linkable;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable, Serialize, Deserialize)]
#[sea_orm(table_name = "cart")]
#[linkable(module = "cart")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: Option<String>,
    /// In cents.
    pub total: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
