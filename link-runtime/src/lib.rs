//! Module links for sea-orm.
//!
//! A backend split into modules (product, brand, customer, a CMS …) keeps each module's tables
//! free of foreign keys into other modules. A *link* associates records of two models of
//! different modules through a separate link table. Declare the models with
//! `#[derive(Linkable)]` and the links with [`define_link!`]; the compiler checks that every link
//! is used the right way round, and the database enforces the declared cardinality with unique
//! indexes over live rows.
//!
//! # Declaring models: `#[derive(Linkable)]`
//!
//! On a sea-orm `Model` (beside `DeriveEntityModel`) or on a plain struct (an external model):
//! `#[linkable(module = "…")]` is required; `name = "…"` overrides the model name (default: the
//! sea-orm `table_name`, or the struct name in snake case); `primary_key = "…"` names the key
//! field (default: the field marked `#[sea_orm(primary_key)]` or `#[linkable(primary_key)]`, or
//! `id`); `key = "…"` overrides the linkable key (default `<model>_<primary key>`, the column
//! name in link tables). A `deleted_at: Option<…>` field makes the model soft-deletable. The
//! derive adds `Model::key(id) -> Key<Model>`.
//!
//! # Declaring links: `define_link!`
//!
//! `define_link! { #[doc] vis Name: Left [side options] => Right [side options], link options }`
//! declares one link and its marker type `Name`, with `Name::new(left, right)` taking the left
//! record first. Side options: `is_list` (the other side may hold many of this side),
//! `delete_cascade`, `filterable(field, …)`, `alias = "…"`, and for read-only links
//! `field = …` (left) and `primary_key = …` (right). Link options: `extra_columns { name: Type =
//! default, … }` (`Option<T>` is nullable; bool, integers, floats, `String`, chrono date-times,
//! `Uuid`, `serde_json::Value`, `Decimal`), `table = "…"`, `id_prefix = "…"`, `read_only`,
//! `is_list` (read-only links). A stored link also gets a module `name_in_snake_case` with the
//! link table as a sea-orm entity (`Entity`, `Model`, `Column`, `ActiveModel`), `Extra` (a row's
//! typed extra columns) and `Data` (the extra columns a create names, one setter per column).
//!
//! # Example
//!
//! ```
//! use link_runtime::{define_link, Key, Linkable, Links};
//! use sea_orm::entity::prelude::*;
//!
//! mod product {
//!     use link_runtime::Linkable;
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//!     #[sea_orm(table_name = "product")]
//!     #[linkable(module = "product")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub id: String,
//!         pub title: String,
//!     }
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! mod brand {
//!     use link_runtime::Linkable;
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//!     #[sea_orm(table_name = "brand")]
//!     #[linkable(module = "brand")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub id: String,
//!         pub name: String,
//!     }
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! define_link! {
//!     /// A brand has many products; each product has one brand.
//!     pub ProductBrand: product::Model [is_list] => brand::Model,
//!     extra_columns { featured: bool = false },
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! # db.execute_unprepared("create table product (id text primary key, title text not null)").await?;
//! # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
//! # db.execute_unprepared("insert into product values ('prod_1', 'Shirt')").await?;
//! # db.execute_unprepared("insert into brand values ('brand_1', 'Acme')").await?;
//! let links = Links::builder(db.clone())
//!     .module("product")
//!     .module("brand")
//!     .link::<ProductBrand>()
//!     .build()?;
//! links.migrate().await?;
//!
//! let shirt: Key<product::Model> = product::Model::key("prod_1");
//! let acme = brand::Model::key("brand_1");
//! let row = links
//!     .create(&db, ProductBrand::new(shirt.clone(), acme).with(product_brand::Data::default().featured(true)))
//!     .await?;
//! assert!(row.extra.featured);
//! assert_eq!(row.left, shirt);
//! # Ok(())
//! # }
//! ```
//!
//! # Service example
//!
//! The Link service, Query, deleting and restoring, undo and maintenance, end to end:
//!
//! ```
//! # use link_runtime::{define_link, Linkable, Links, ListFilter};
//! # use link_runtime::query::{AllowList, GraphQuery};
//! # use sea_orm::entity::prelude::*;
//! # use serde_json::json;
//! # mod product {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "product")]
//! #     #[linkable(module = "product")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub title: String,
//! #         pub deleted_at: Option<DateTimeUtc>,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # mod brand {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "brand")]
//! #     #[linkable(module = "brand")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub name: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! define_link! {
//!     pub ProductBrand: product::Model [is_list] => brand::Model [filterable(name)],
//!     extra_columns { featured: bool = false },
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! # db.execute_unprepared("create table product (id text primary key, title text not null, deleted_at text)").await?;
//! # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
//! # db.execute_unprepared("insert into product values ('p1', 'Shirt', null), ('p2', 'Hat', null), ('p3', 'Sock', null)").await?;
//! # db.execute_unprepared("insert into brand values ('b1', 'Acme')").await?;
//! let links = Links::builder(db.clone())
//!     .application("shop")
//!     .module("product")
//!     .module("brand")
//!     .link::<ProductBrand>()
//!     .build()?;
//! assert!(!links.plan().await?.is_up_to_date()); // the link table is missing
//! links.migrate().await?;
//! assert!(links.plan().await?.is_up_to_date());
//!
//! let (p1, p2, p3) = (product::Model::key("p1"), product::Model::key("p2"), product::Model::key("p3"));
//! let b1 = brand::Model::key("b1");
//! let pair = |p: &link_runtime::Key<product::Model>| ProductBrand::new(p.clone(), b1.clone());
//! assert_eq!((pair(&p1).left(), pair(&p1).right()), (&p1, &b1));
//! links.create_many(&db, [pair(&p1), pair(&p2)]).await?;
//! let row = links
//!     .update(&db, pair(&p1).with(product_brand::Data::default().featured(true)))
//!     .await?;
//! assert!(row.extra.featured);
//! let of_acme = links.list(&db, ListFilter::<ProductBrand>::all().right([b1.clone()])).await?;
//! assert_eq!(of_acme.len(), 2);
//! assert!(links.dismiss(&db, pair(&p2)).await?);
//!
//! // Medusa's JSON shape.
//! links.create_json(&db, &json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}})).await?;
//! assert_eq!(links.list_json(&db, &json!({"brand": {"brand_id": "b1"}})).await?.len(), 2);
//!
//! // Query, and the typed loader.
//! let page = GraphQuery::new("product")
//!     .fields(["id", "brand.name"])
//!     .filters(json!({"brand": {"name": "Acme"}}))
//!     .order("id", "ASC");
//! assert_eq!(links.graph(&db, &page).await?.data[0]["brand"]["name"], "Acme");
//! let allow = AllowList::new(["id", "brand.name"]);
//! let hidden = GraphQuery::new("product").fields(["title"]);
//! assert!(links.graph_within(&db, &hidden, &allow).await.is_err());
//! let products = product::Entity::find().all(&db).await?;
//! let brands = links.load_right::<ProductBrand, _>(&db, &products).await?;
//! assert_eq!(brands[0][0].name, "Acme");
//!
//! // Delete a product with its links, and restore exactly that.
//! let report = links.delete(&db, [p1.clone()]).await?;
//! assert!(report.records["product.product"].contains("p1"));
//! links.restore(&db, [p1.clone()]).await?;
//!
//! // A write undone.
//! let (_, undo) = links.create_undoable(&db, [pair(&p3)]).await?;
//! links.undo(&db, undo).await?;
//! assert_eq!(links.list(&db, ListFilter::<ProductBrand>::all().left([p3])).await?.len(), 0);
//!
//! // Maintenance.
//! assert_eq!(links.check(&db).await?.dangling(), 0);
//! links.repair(&db).await?;
//! links.purge_all(&db, chrono::Utc::now()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # More of the service
//!
//! Batches, options, events inside a transaction, the rest of the JSON shape, applying a
//! reviewed plan, errors:
//!
//! ```
//! # use link_runtime::{define_link, Apply, Commits, CreateOptions, Error, ErrorKind, LinkConnection, LinkEventKind, Linkable, Links};
//! # use link_runtime::query::{AllowList, GraphQuery};
//! # use sea_orm::entity::prelude::*;
//! # use serde_json::json;
//! # mod product {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "product")]
//! #     #[linkable(module = "product")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub title: String,
//! #         pub deleted_at: Option<DateTimeUtc>,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # mod brand {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "brand")]
//! #     #[linkable(module = "brand")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub name: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! define_link! {
//!     pub ProductBrand: product::Model [is_list] => brand::Model [filterable(name)],
//!     extra_columns { featured: bool = false },
//! }
//!
//! /// Code of your own that writes links takes any connection the service does: a pool, a
//! /// `links.begin()` transaction or a sea-orm one.
//! async fn set_brand(
//!     links: &Links,
//!     conn: &impl LinkConnection,
//!     product: &str,
//!     brand: &str,
//! ) -> link_runtime::Result<()> {
//!     let pair = ProductBrand::new(product::Model::key(product), brand::Model::key(brand));
//!     links.create(conn, pair).await?;
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! # db.execute_unprepared("create table product (id text primary key, title text not null, deleted_at text)").await?;
//! # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
//! # db.execute_unprepared("insert into product values ('p1', 'Shirt', null), ('p2', 'Hat', null), ('p3', 'Sock', null)").await?;
//! # db.execute_unprepared("insert into brand values ('b1', 'Acme'), ('b2', 'Zeta')").await?;
//! let links = Links::builder(db.clone())
//!     .module("product")
//!     .module("brand")
//!     .link::<ProductBrand>()
//!     .build()?;
//! let plan = links.plan().await?;
//! links.apply(&plan, Apply::Safe).await?; // what `migrate()` does
//! assert_eq!(links.table_name::<ProductBrand>()?, "product_product_brand_brand");
//! assert_eq!(links.specs().count(), 1);

//! let (p1, p2) = (product::Model::key("p1"), product::Model::key("p2"));
//! let b1 = brand::Model::key("b1");
//! let mut events = links.subscribe();
//! // A bulk import that knows its records exist.
//! let options = CreateOptions::default().skip_record_check();
//! links
//!     .create_many_with(&db, [ProductBrand::new(p1.clone(), b1.clone())], options)
//!     .await?;
//! let event = events.try_recv()?;
//! assert_eq!((event.name(), event.kind), ("ProductBrand.attached".to_string(), LinkEventKind::Attached));

//! // In a transaction: events wait for its commit.
//! let txn = links.begin(&db).await?;
//! links.create(&txn, ProductBrand::new(p2.clone(), b1.clone())).await?;
//! assert!(events.try_recv().is_err());
//! txn.commit().await?;
//! assert_eq!(events.try_recv()?.rows.len(), 1);
//! // Rolled back: nothing written, no event.
//! let txn = links.begin(&db).await?;
//! assert!(matches!(txn.commits(), Commits::With(_)));
//! set_brand(&links, &txn, "p3", "b1").await?;
//! txn.rollback().await?;
//! assert!(events.try_recv().is_err());
//! assert!(matches!(db.commits(), Commits::Itself));

//! let featured = product_brand::Data::default().featured(true);
//! links
//!     .update_many(&db, [ProductBrand::new(p2.clone(), b1.clone()).with(featured)])
//!     .await?;
//! links.update_json(&db, &json!({"product": {"product_id": "p2"}, "brand": {"brand_id": "b1"}, "data": {"featured": false}})).await?;
//! assert_eq!(links.dismiss_many(&db, [ProductBrand::new(p2.clone(), b1.clone())]).await?, 1);
//! assert_eq!(links.dismiss_json(&db, &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}})).await?, 1);

//! // Records by JSON, and the typed loader from the right side.
//! links.create_json(&db, &json!({"product": {"product_id": "p1"}, "brand": {"brand_id": "b1"}})).await?;
//! let brands = brand::Entity::find().all(&db).await?;
//! assert_eq!(links.load_left::<ProductBrand, _>(&db, &brands).await?[0].len(), 1);
//! let report = links.delete_json(&db, &json!({"product": {"product_id": ["p1"]}})).await?;
//! assert!(!report.links.is_empty());
//! links.restore_json(&db, &json!({"product": {"product_id": ["p1"]}})).await?;

//! // A product has one brand: a second is refused, naming both records.
//! match set_brand(&links, &db, "p1", "b2").await {
//!     Err(Error::Conflict { record: Some(record), already_linked_to: Some(brand), .. }) => {
//!         assert_eq!((record.model.as_str(), record.id.as_str()), ("product.product", "p1"));
//!         assert_eq!((brand.model.as_str(), brand.id.as_str()), ("brand.brand", "b1"));
//!     }
//!     other => panic!("{other:?}"),
//! }

//! // A mistake of the caller's: a kind an HTTP layer maps in one line.
//! let missing = links
//!     .create(&db, ProductBrand::new(product::Model::key("nope"), b1.clone()))
//!     .await
//!     .unwrap_err();
//! assert_eq!((missing.kind(), missing.status()), (ErrorKind::NotFound, 404));
//! # Ok(())
//! # }
//! ```
//!
//! # Declarations and reports
//!
//! What a declaration says, read back; a read-only link; paging and its count; what a delete,
//! an undo, an audit and a plan report:
//!
//! ```
//! # use link_runtime::{define_link, Cardinality, Error, KeyKind, LinkDefinition, Linkable, Links, Selection, StepKind};
//! # use link_runtime::definition::{ColumnType, DefaultValue};
//! # use link_runtime::definition::ExtraColumns;
//! # use link_runtime::linkable::IdField;
//! # use link_runtime::query::{AllowList, GraphQuery, Page, Query};
//! # use link_runtime::schema::{ddl, TableNames};
//! # use link_runtime::SeaOrmLinkable;
//! # use sea_orm::entity::prelude::*;
//! # use sea_orm::Statement;
//! # mod product {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "product")]
//! #     #[linkable(module = "product")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub title: String,
//! #         pub deleted_at: Option<DateTimeUtc>,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # mod brand {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "brand")]
//! #     #[linkable(module = "brand")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub name: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # mod post {
//! #     use link_runtime::Linkable;
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
//! #     #[sea_orm(table_name = "post")]
//! #     #[linkable(module = "blog")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub id: String,
//! #         pub product_id: Option<String>,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! define_link! {
//!     pub ProductBrand: product::Model [is_list] => brand::Model [alias = "maker"],
//!     extra_columns { featured: bool = false },
//! }
//! define_link! { pub PostProduct: post::Model [field = product_id] => product::Model, read_only }
//!
//! #[derive(Debug, Selection)]
//! #[selection(model = product::Model)]
//! struct Title {
//!     id: String,
//!     title: String,
//! }
//!
//! /// Generic code over any linkable sea-orm model reaches its entity.
//! async fn count<M: SeaOrmLinkable>(db: &DatabaseConnection) -> Result<usize, DbErr> {
//!     Ok(M::Entity::find().all(db).await?.len())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = ProductBrand::SPEC;
//! assert_eq!(spec.display_name(), "ProductBrand (product → brand)");
//! assert_eq!(spec.cardinality(), Cardinality::ManyToOne);
//! assert!(spec.left_unique() && !spec.right_unique()); // a product has one brand
//! assert_eq!(spec.right.alias(), "maker");
//! let featured = spec.extra_column("featured").ok_or("no column")?;
//! assert_eq!((featured.ty, featured.default), (ColumnType::Bool, Some(DefaultValue::Bool(false))));
//! assert_eq!(product::Model::MODEL.key_kind, KeyKind::String);
//! // The names Query and the SQL use (they differ for a `column_name`).
//! let model = product::Model::MODEL;
//! assert!(model.has_field("title") && !model.has_field("name"));
//! assert_eq!((model.key_field(), model.column_of("title"), model.field_of("title")), ("id", "title", "title"));
//! assert_eq!(product::Model::key("p1").into_string(), "p1");
//! // The statements that create the link table, for a migration tool of your own.
//! let created = ddl::create_table(sea_orm::DbBackend::Sqlite, &spec, &TableNames::of(&spec));
//! assert!(created[0].starts_with(r#"create table if not exists "product_product_brand_brand""#));
//!
//! # let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! # db.execute_unprepared("create table product (id text primary key, title text not null, deleted_at text)").await?;
//! # db.execute_unprepared("create table brand (id text primary key, name text not null)").await?;
//! # db.execute_unprepared("create table post (id text primary key, product_id text)").await?;
//! # db.execute_unprepared("insert into product values ('p1', 'Shirt', null), ('p2', 'Hat', null)").await?;
//! # db.execute_unprepared("insert into brand values ('b1', 'Acme')").await?;
//! # db.execute_unprepared("insert into post values ('s1', 'p1')").await?;
//! let links = Links::builder(db.clone())
//!     .module("product")
//!     .module("brand")
//!     .module_on("blog", db.clone()) // a module on a connection of its own
//!     .model::<post::Model>()
//!     .link::<ProductBrand>()
//!     .link::<PostProduct>()
//!     .build()?;
//! assert_eq!(links.home().get_database_backend(), sea_orm::DbBackend::Sqlite);
//! assert_eq!(link_runtime::DEFAULT_APPLICATION, "default");
//! let plan = links.plan().await?;
//! assert_eq!(plan.steps_of(StepKind::Create).count(), 1);
//! assert!(StepKind::Create.changes() && !plan.failure_note().is_empty());
//! links.migrate().await?;
//!
//! // A read-only link: the post's own field, one statement.
//! let posts = post::Entity::find().all(&db).await?;
//! let products = links.load_read_only::<PostProduct, _>(&db, &posts).await?;
//! assert_eq!(products[0][0].title, "Shirt");
//! // What the read-only link reads off each post.
//! assert_eq!(posts[0].link_key().as_str(), "s1");
//! assert_eq!(posts[0].field_ids("product_id"), Some(vec!["p1".to_string()]));
//! assert_eq!(posts[0].product_id.ids(), ["p1"]);
//! assert_eq!(count::<post::Model>(&db).await?, 1);
//!
//! // A page and its count, typed and JSON.
//! let typed = Query::<Title>::new().skip(1).take(1);
//! let graph = typed.graph_query();
//! assert_eq!(graph.pagination, Some(Page::default().skip(1).take(1)));
//! let page = links.graph(&db, &GraphQuery::new("product").fields(["title"]).skip(1).take(1)).await?;
//! let info = page.metadata.ok_or("a page")?;
//! assert_eq!((info.count, info.skip, info.take), (2, 1, Some(1)));
//! assert!(AllowList::new(["maker.name"]).permits_link("maker"));
//!
//! // A write undone, merged with another; a dangling link found and reported.
//! let p1 = product::Model::key("p1");
//! let (_, mut undo) = links.create_undoable(&db, [ProductBrand::new(p1.clone(), brand::Model::key("b1"))]).await?;
//! let pair = ProductBrand::new(product::Model::key("p2"), brand::Model::key("b1"));
//! // Nothing named: the columns' defaults are written.
//! assert!(link_runtime::definition::LinkData::named(pair.data()).is_empty());
//! let (_, later) = links.create_undoable(&db, [pair]).await?;
//! undo.merge(later);
//! assert!(!undo.is_empty());
//! // A link row read with plain sea-orm, its extra columns typed.
//! let sql = "select featured from product_product_brand_brand";
//! let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
//! assert!(!product_brand::Extra::from_row(&row.ok_or("a row")?)?.featured);
//! # db.execute_unprepared("delete from brand").await?;
//! let audit = links.check(&db).await?;
//! let product_brand = &audit.links[0];
//! assert_eq!((product_brand.link.as_str(), product_brand.right.dangling), ("ProductBrand", 2));
//! links.undo(&db, undo).await?;
//! assert_eq!(links.purge::<ProductBrand, _>(&db, chrono::Utc::now()).await?, 2);
//!
//! // What a refusal names.
//! let missing = links.create(&db, ProductBrand::new(p1, brand::Model::key("b9"))).await;
//! match missing {
//!     Err(Error::NotFound { records, .. }) => assert_eq!(records["brand.brand"], ["b9"]),
//!     other => panic!("{other:?}"),
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod definition;
mod diagram;
mod entity_fields;
pub mod error;
pub mod events;
mod external;
mod extra_default;
mod hops;
mod input;
pub mod key;
pub mod link;
pub mod link_entity;
mod link_event;
pub mod linkable;
pub mod migrate;
#[cfg(feature = "migration")]
pub mod migration;
#[doc(hidden)]
pub mod naming;
pub mod query;
pub mod registry;
pub mod schema;
mod source;
mod sql;
mod stamp;

#[doc(hidden)]
pub mod __private;

pub use definition::{Cardinality, LinkDefinition, LinkRow, LinkSpec, StoredLink};
pub use diagram::DiagramFormat;
pub use error::{Error, ErrorKind, RecordRef, Result};
pub use events::{Commits, EventRow, LinkConnection, LinkEvent, LinkEventKind, LinkTransaction};
pub use key::Key;
pub use link::{
    Audit, CreateOptions, LifecycleReport, LinkAudit, LinkPair, ListFilter, SideAudit, Undo,
};
pub use linkable::{KeyKind, Linkable, ModelInfo, SeaOrmLinkable};
pub use migrate::{Apply, MissingIndex, Plan, Step, StepKind};
pub use query::Selection;
pub use registry::{DEFAULT_APPLICATION, Links, LinksBuilder};

pub use link_macros::{Linkable, Selection, define_link, query};

/// The sea-orm this crate is built on, so an application can use the exact same version
/// (`use link_runtime::sea_orm;` is enough for sea-orm's derives, too).
pub use sea_orm;
