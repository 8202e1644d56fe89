//! The `variant` model of the `product` module: a second model of one module, linked to
//! `product` across a link table rather than a foreign key.

use link_runtime::Linkable;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
#[sea_orm(table_name = "variant")]
#[linkable(module = "product")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub sku: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
