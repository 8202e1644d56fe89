//! An adapter (feature `migration`) so an application's sea-orm-migration `Migrator` applies
//! link tables with its other migrations:
//!
//! ```no_run
//! use link_runtime::define_link;
//! use link_runtime::migration::LinkTables;
//! use sea_orm_migration::{MigrationTrait, MigratorTrait};
//! # mod product { #[derive(link_runtime::Linkable)] #[linkable(module = "product")] pub struct Product { pub id: String } }
//! # mod brand { #[derive(link_runtime::Linkable)] #[linkable(module = "brand")] pub struct Brand { pub id: String } }
//!
//! define_link! { pub ProductBrand: product::Product [is_list] => brand::Brand }
//!
//! pub struct Migrator;
//!
//! impl MigratorTrait for Migrator {
//!     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
//!         vec![
//!             // … the application's own migrations, then:
//!             Box::new(LinkTables::new("m20261122_000001_link_tables", |links| {
//!                 links.application("shop").module("product").module("brand").link::<ProductBrand>()
//!             })),
//!         ]
//!     }
//! }
//! # fn main() {}
//! ```
//!
//! Name the application in `declare` (`links.application("shop")…`) as the runtime registry
//! names it: the tables a migration creates are owned under that name, and only their owner
//! may later drop or rename them.
//!
//! The migration applies the safe steps of the plan ([`Apply::Safe`]) on the migrator's
//! connection, under the migration lock; drops and unsafe steps wait for a reviewed
//! [`Links::apply`]. A migrator runs each named migration once: when the declarations change,
//! add another `LinkTables` with a new name (it applies only what changed).

use sea_orm::{DatabaseConnection, DbErr};
use sea_orm_migration::{MigrationName, MigrationTrait, SchemaManager};

use crate::migrate::{Apply, Plan, locked};
use crate::registry::{Links, LinksBuilder};

/// A sea-orm-migration migration that brings the link tables up to the declarations.
///
/// Example: [the module docs](crate::migration).
#[derive(Debug)]
pub struct LinkTables {
    name: String,
    links: crate::Result<Links>,
}

impl LinkTables {
    /// The migration `name`, for the links `declare` registers (the builder's connection is
    /// not used: the migration runs on the migrator's).
    ///
    /// Example: [the module docs](crate::migration).
    pub fn new(
        name: impl Into<String>,
        declare: impl FnOnce(LinksBuilder) -> LinksBuilder,
    ) -> Self {
        LinkTables {
            name: name.into(),
            links: declare(Links::builder(DatabaseConnection::default())).build(),
        }
    }

    /// The migration `name` for a registry already built (the one the application runs
    /// with, so the two cannot differ).
    ///
    /// ```
    /// # use link_runtime::migration::LinkTables;
    /// # use sea_orm_migration::MigrationName;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let db = sea_orm::Database::connect("sqlite::memory:").await?;
    /// let links = link_runtime::Links::builder(db).application("shop").build()?;
    /// let migration = LinkTables::from_links("m20261122_000001_link_tables", links);
    /// assert_eq!(migration.name(), "m20261122_000001_link_tables");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_links(name: impl Into<String>, links: Links) -> Self {
        LinkTables {
            name: name.into(),
            links: Ok(links),
        }
    }
}

impl MigrationName for LinkTables {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LinkTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let links = self
            .links
            .as_ref()
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        let conn = manager.get_connection();
        let nothing_reviewed = Plan::nothing_reviewed(conn);
        let (ran, left) = locked(links, conn, &nothing_reviewed, Apply::Safe, &mut |_| {})
            .await
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        // A step the declarations need that the data refuses fails the migration, which the
        // migrator then rolls back.
        match crate::migrate::unenforced(&ran, &left) {
            None => Ok(()),
            Some(err) => Err(DbErr::Migration(format!(
                "{err}. The migrator rolls this migration back: on PostgreSQL and SQLite none of its steps stay; on MySQL/MariaDB, which commit each DDL statement, those that ran do"
            ))),
        }
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(String::from(
            "link tables are not rolled back by the migrator: declare the links as they were and review `Links::plan`, then `Links::apply`",
        )))
    }

    /// In a transaction on every backend: PostgreSQL's advisory lock and SQLite's DDL are
    /// transactional, and MySQL's lock belongs to the session the transaction holds.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
