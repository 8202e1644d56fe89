//! Medusa's tables as this library's models, and the links `tests/medusa/harness.mjs` declares
//! with `defineLink`, declared again in Rust: same modules, models, keys and cardinality.

use link_runtime::define_link;

macro_rules! medusa_model {
    ($module:ident, $table:literal, $linkable_module:literal, $field:ident) => {
        pub mod $module {
            //! A Medusa model (a few of its columns).
            use link_runtime::Linkable;
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
            #[sea_orm(table_name = $table)]
            #[linkable(module = $linkable_module)]
            pub struct Model {
                #[sea_orm(primary_key, auto_increment = false)]
                pub id: String,
                pub $field: String,
                pub deleted_at: Option<DateTimeUtc>,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

medusa_model!(product, "product", "product", title);
medusa_model!(product_variant, "product_variant", "product", title);
medusa_model!(product_tag, "product_tag", "product", value);
medusa_model!(product_category, "product_category", "product", name);
medusa_model!(brand, "brand", "brand", name);

define_link! {
    /// `defineLink({ linkable: product, isList: true }, brand)`: a brand has many products.
    pub ProductBrand: product::Model [is_list] => brand::Model,
}

define_link! {
    /// `defineLink(productVariant, brand)`: one-to-one.
    pub VariantBrand: product_variant::Model => brand::Model,
}

define_link! {
    /// `defineLink({ linkable: productTag, isList: true }, { linkable: brand, isList: true })`.
    pub TagBrand: product_tag::Model [is_list] => brand::Model [is_list],
}

define_link! {
    /// `defineLink(productCategory, { linkable: brand, isList: true }, { database: {
    /// extraColumns } })`: a category has many brands, each brand one category, with extra
    /// columns of Medusa's types boolean, integer, string, text, json, datetime, bigint, double.
    pub CategoryBrand: product_category::Model => brand::Model [is_list],
    extra_columns {
        featured: bool = false,
        position: Option<i32>,
        label: Option<String>,
        note: Option<String>,
        meta: Option<serde_json::Value>,
        since: Option<chrono::DateTime<chrono::Utc>>,
        rank: Option<i64>,
        weight: Option<f64>,
    },
}

define_link! {
    /// A link only the Rust service declares: Medusa must never see its table.
    pub FavouriteTagBrand: product_tag::Model [is_list, alias = "favourite_tag"] => brand::Model [is_list, alias = "favoured_brand"],
    table = "rust_tag_favourite_brand",
}
