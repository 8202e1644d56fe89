//! Fields Query looks records up by through a link, in tables that are not ours: a `filterable`
//! field of a side, and the field an inverse read-only link finds its records by. Without an
//! index that begins with the field, each such lookup reads the whole module table; the plan
//! cannot add one (the module owns its table), so it names the field and the statement.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::linkable::ModelInfo;
use crate::registry::{Links, ModuleBinding};
use crate::sql::catalogue;
use crate::sql::ddl::{record_index, record_pattern_index};

/// A field of a module's table that Query looks records up by, through the links named, with
/// no index that begins with it.
///
/// Example: [`Links::missing_indexes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MissingIndex {
    /// The model, as `module.model`.
    pub model: String,
    /// Its table.
    pub table: String,
    /// The column of the field.
    pub column: String,
    /// The links whose queries look records up by it.
    pub links: Vec<&'static str>,
    /// The statement that adds the index, for the module's owner to run.
    pub create_index: String,
    /// Whether the index is the one a `$like` prefix needs on PostgreSQL under a collation
    /// other than `C` (a `*_pattern_ops` operator class, which cannot order): the field then
    /// has two entries, this and the plain index that filters and orders.
    pub like_prefix: bool,
}

impl Links {
    /// The fields Query filters, orders or finds records by through a link that no index of
    /// their module's table begins with: each side's `filterable` fields, and the field an
    /// inverse read-only link (`primary_key = …`) finds its records by. Primary keys always have
    /// one. `links plan` and `links check` print them as warnings. Reads only.
    ///
    /// ```
    /// # use link_runtime::{define_link, Links};
    /// # use sea_orm::ConnectionTrait;
    /// # mod product {
    /// #     use link_runtime::Linkable;
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    /// #     #[sea_orm(table_name = "product")]
    /// #     #[linkable(module = "product")]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key, auto_increment = false)]
    /// #         pub id: String,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # mod brand {
    /// #     use link_runtime::Linkable;
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    /// #     #[sea_orm(table_name = "brand")]
    /// #     #[linkable(module = "brand")]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key, auto_increment = false)]
    /// #         pub id: String,
    /// #         pub name: String,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// define_link! { pub ProductBrand: product::Model [is_list] => brand::Model [filterable(name)] }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await?;
    /// # db.execute_unprepared("create table product (id text primary key)").await?;
    /// # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
    /// let links = Links::builder(db.clone())
    ///     .module("product")
    ///     .module("brand")
    ///     .link::<ProductBrand>()
    ///     .build()?;
    /// let missing = links.missing_indexes().await?;
    /// assert_eq!((missing[0].table.as_str(), missing[0].column.as_str()), ("brand", "name"));
    /// assert_eq!(missing[0].create_index, r#"CREATE INDEX "IDX_brand_name" ON "brand" ("name")"#);
    ///
    /// db.execute_unprepared(&missing[0].create_index).await?; // the brand module's owner
    /// assert!(links.missing_indexes().await?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn missing_indexes(&self) -> Result<Vec<MissingIndex>> {
        // (model, column) → the links that look records up by it.
        let mut wanted: BTreeMap<(&str, &str, &str), (ModelInfo, Vec<&'static str>)> =
            BTreeMap::new();
        let mut want = |model: ModelInfo, field: &'static str, link: &'static str| {
            if field == model.key_field() {
                return;
            }
            let column = model.column_of(field);
            let (_, links) = wanted
                .entry((model.module, model.name, column))
                .or_insert((model, Vec::new()));
            if !links.contains(&link) {
                links.push(link);
            }
        };
        for spec in self.specs() {
            if spec.read_only {
                if let Some(back) = spec.right.primary_key {
                    want(spec.right.model, back, spec.name);
                }
                continue;
            }
            for side in [&spec.left, &spec.right] {
                for &field in side.filterable {
                    want(side.model, field, spec.name);
                }
            }
        }

        let mut missing = Vec::new();
        let mut plain_like = None;
        for ((_, _, column), (model, links)) in wanted {
            let conn = match (model.table, self.binding(model.module)) {
                (Some(_), Some(ModuleBinding::Home)) => self.home(),
                (Some(_), Some(ModuleBinding::Elsewhere(conn))) => conn,
                // No table of ours to look in: an external model, or a module not bound.
                _ => continue,
            };
            let Some(table) = model.table else { continue };
            let Some(live) = catalogue::table(conn, table).await? else {
                continue; // The module has not created its table yet.
            };
            let column_type = live.columns.get(column).map_or("", |c| c.ty.as_str());
            let entry = |create_index: String, like_prefix: bool| MissingIndex {
                model: model.qualified_name(),
                table: table.to_string(),
                column: column.to_string(),
                links: links.clone(),
                create_index,
                like_prefix,
            };
            if !catalogue::leading_index_columns(conn, table, false)
                .await?
                .contains(column)
            {
                missing.push(entry(
                    record_index(
                        conn.get_database_backend(),
                        table,
                        column,
                        model.soft_deletable,
                        column_type,
                    ),
                    false,
                ));
            }
            // Read once, from the home database: modules elsewhere share its server's rules
            // in every setup this library supports (one backend per registry).
            let like_uses_plain = match plain_like {
                Some(known) => known,
                None => *plain_like.insert(catalogue::like_uses_plain_indexes(conn).await?),
            };
            if like_uses_plain {
                continue;
            }
            let Some(pattern) =
                record_pattern_index(table, column, model.soft_deletable, column_type)
            else {
                continue;
            };
            if !catalogue::leading_index_columns(conn, table, true)
                .await?
                .contains(column)
            {
                missing.push(entry(pattern, true));
            }
        }
        Ok(missing)
    }
}
