//! The `collection` model of the `collection` module: it holds the ids of its products in an
//! array field, followed by a read-only link.

use link_runtime::Linkable;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
#[sea_orm(table_name = "collection")]
#[linkable(module = "collection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    /// A JSON array of product ids.
    pub product_ids: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
