//! The product module: what the store sells. It knows nothing of brands, posts or reviews;
//! links attach them.

use link_runtime::Linkable;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable, Serialize, Deserialize)]
#[sea_orm(table_name = "product")]
#[linkable(module = "product")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    pub handle: String,
    /// In cents.
    pub price: i64,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
