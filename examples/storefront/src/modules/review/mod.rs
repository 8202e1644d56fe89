//! The review module: a review holds the ids of its product and customer in its own fields,
//! which read-only links follow.

use link_runtime::Linkable;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable, Serialize, Deserialize)]
#[sea_orm(table_name = "review")]
#[linkable(module = "review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub product_id: String,
    pub customer_id: String,
    pub rating: i32,
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
