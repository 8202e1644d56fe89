//! An isolated database per test on every backend this machine offers: a fresh SQLite file
//! always; a schema of its own on PostgreSQL when `LINK_TEST_POSTGRES_URL` is set; a database of
//! its own on MySQL/MariaDB when `LINK_TEST_MYSQL_URL` is set. Without those variables the
//! server backends are skipped (said on stderr), so a newcomer's `cargo test` passes.

use std::sync::{Arc, Mutex};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    IntoActiveModel, Schema, Statement,
};

use crate::models::{brand, collection, customer, post, product, region, tag, variant, wishlist};

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// Whether benchmarks keep PostgreSQL's planner statistics (`LINK_BENCH_STATISTICS=none`:
/// never).
pub fn bench_keeps_statistics() -> bool {
    std::env::var("LINK_BENCH_STATISTICS").as_deref() != Ok("none")
}

/// One isolated database, with every statement sent through `db` recorded.
pub struct TestDb {
    pub backend: Backend,
    pub db: DatabaseConnection,
    statements: Arc<Mutex<Vec<Statement>>>,
    url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDb({:?})", self.backend)
    }
}

/// The isolated databases of the test `name`: SQLite, plus PostgreSQL and MySQL when configured.
pub async fn test_databases(name: &str) -> Vec<TestDb> {
    let mut dbs = vec![sqlite(20).await];
    match std::env::var("LINK_TEST_POSTGRES_URL") {
        Ok(url) => dbs.push(postgres(&url, name, 20).await),
        Err(_) => eprintln!("{name}: PostgreSQL skipped: LINK_TEST_POSTGRES_URL is not set"),
    }
    match std::env::var("LINK_TEST_MYSQL_URL") {
        Ok(url) => dbs.push(mysql(&url, name, 20).await),
        Err(_) => eprintln!("{name}: MySQL/MariaDB skipped: LINK_TEST_MYSQL_URL is not set"),
    }
    for db in &dbs {
        db.create_module_tables().await;
    }
    dbs
}

/// A fresh SQLite database with the module tables, e.g. as a second connection.
pub async fn sqlite_database() -> TestDb {
    let db = sqlite(5).await;
    db.create_module_tables().await;
    db
}

/// The isolated PostgreSQL database of `name`, if configured, with a pool of `pool` connections.
pub async fn postgres_only(name: &str, pool: u32) -> Option<TestDb> {
    match std::env::var("LINK_TEST_POSTGRES_URL") {
        Ok(url) => {
            let db = postgres(&url, name, pool).await;
            db.create_module_tables().await;
            Some(db)
        }
        Err(_) => {
            eprintln!("{name}: skipped: LINK_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// The isolated MySQL/MariaDB database of `name`, if configured.
pub async fn mysql_only(name: &str, pool: u32) -> Option<TestDb> {
    match std::env::var("LINK_TEST_MYSQL_URL") {
        Ok(url) => {
            let db = mysql(&url, name, pool).await;
            db.create_module_tables().await;
            Some(db)
        }
        Err(_) => {
            eprintln!("{name}: skipped: LINK_TEST_MYSQL_URL is not set");
            None
        }
    }
}

fn recorder(db: &mut DatabaseConnection) -> Arc<Mutex<Vec<Statement>>> {
    let statements = Arc::new(Mutex::new(Vec::new()));
    let sink = statements.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut all) = sink.lock() {
            all.push(info.statement.clone());
        }
    });
    statements
}

async fn sqlite(pool: u32) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let mut options = ConnectOptions::new(url.clone());
    options.max_connections(pool).sqlx_logging(false);
    let mut db = Database::connect(options).await.expect("open SQLite");
    let statements = recorder(&mut db);
    TestDb {
        backend: Backend::Sqlite,
        db,
        statements,
        url,
        schema: None,
        _dir: Some(dir),
    }
}

async fn postgres(url: &str, name: &str, pool: u32) -> TestDb {
    let schema = format!("lt_{name}").to_lowercase();
    let admin = Database::connect(url)
        .await
        .expect("connect to LINK_TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .expect("drop schema");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create schema");
    admin.close().await.ok();
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(pool)
        .sqlx_logging(false)
        .set_schema_search_path(schema.clone());
    let mut db = Database::connect(options)
        .await
        .expect("connect to the test schema");
    let statements = recorder(&mut db);
    TestDb {
        backend: Backend::Postgres,
        db,
        statements,
        url: url.to_string(),
        schema: Some(schema),
        _dir: None,
    }
}

async fn mysql(url: &str, name: &str, pool: u32) -> TestDb {
    let database = format!("lt_{name}").to_lowercase();
    let admin = Database::connect(url)
        .await
        .expect("connect to LINK_TEST_MYSQL_URL");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{database}`"))
        .await
        .expect("drop database");
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE `{database}` CHARACTER SET utf8mb4"
        ))
        .await
        .expect("create database");
    admin.close().await.ok();
    let base = url.split('?').next().unwrap_or(url);
    let server = base
        .rsplit_once('/')
        .map(|(server, _)| server)
        .unwrap_or(base);
    let db_url = format!("{server}/{database}");
    let mut options = ConnectOptions::new(db_url.clone());
    options.max_connections(pool).sqlx_logging(false);
    let mut db = Database::connect(options)
        .await
        .expect("connect to the test database");
    let statements = recorder(&mut db);
    TestDb {
        backend: Backend::MySql,
        db,
        statements,
        url: db_url,
        schema: None,
        _dir: None,
    }
}

impl TestDb {
    /// A second, independent pool on the same isolated database.
    pub async fn connect_again(&self, pool: u32) -> DatabaseConnection {
        self.connect_with(|options| {
            options.max_connections(pool);
        })
        .await
    }

    /// A second pool on the same isolated database, with options of the caller's (a pool size,
    /// an acquire timeout …).
    pub async fn connect_with(
        &self,
        configure: impl FnOnce(&mut ConnectOptions),
    ) -> DatabaseConnection {
        let mut options = ConnectOptions::new(self.url.clone());
        options.sqlx_logging(false);
        if let Some(schema) = &self.schema {
            options.set_schema_search_path(schema.clone());
        }
        configure(&mut options);
        Database::connect(options).await.expect("connect again")
    }

    /// The SQL of every statement sent through `db` since the last [`TestDb::take_statements`].
    pub fn take_statements(&self) -> Vec<String> {
        self.take_bound_statements()
            .into_iter()
            .map(|statement| statement.sql)
            .collect()
    }

    /// Every statement sent through `db` since the last take, with its bound values.
    pub fn take_bound_statements(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.statements.lock().expect("statements"))
    }

    /// The live pairs of link `L`, as (left id, right id).
    pub async fn live_pairs<L: link_runtime::StoredLink>(
        &self,
        links: &link_runtime::Links,
    ) -> std::collections::BTreeSet<(String, String)> {
        links
            .list::<L, _>(&self.db, link_runtime::ListFilter::all())
            .await
            .expect("list")
            .into_iter()
            .map(|row| (row.left.to_string(), row.right.to_string()))
            .collect()
    }

    pub fn sea_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// What autovacuum would have done by now (it is off on some servers): on PostgreSQL,
    /// `VACUUM ANALYZE` of `tables`; with `LINK_BENCH_STATISTICS=none` (the regime of a freshly
    /// loaded table, or of any table before autovacuum reaches it) `VACUUM` and their statistics
    /// removed instead. Other backends: nothing. For the benchmarks.
    pub async fn maintain(&self, tables: &[&str]) {
        if self.backend != Backend::Postgres {
            return;
        }
        for table in tables {
            if bench_keeps_statistics() {
                self.exec(&format!("VACUUM ANALYZE {table}")).await;
            } else {
                self.exec(&format!("VACUUM {table}")).await;
                self.forget_statistics(table).await;
            }
        }
    }

    /// Removes what ANALYZE gathered about `table` (PostgreSQL, as a superuser).
    pub async fn forget_statistics(&self, table: &str) {
        self.exec(&format!(
            "DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass"
        ))
        .await;
    }

    /// Runs `sql` (fixtures, or what another application would do), or panics naming it.
    pub async fn exec(&self, sql: &str) {
        self.db
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", self.backend));
    }

    /// The first column of every row of `sql`, as text.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        self.db
            .query_all_raw(sea_orm::Statement::from_string(self.sea_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", self.backend))
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("text"))
            .collect()
    }

    /// The columns of `table`, by name (none when there is no such table).
    pub async fn columns(&self, table: &str) -> Vec<String> {
        let sql = match self.sea_backend() {
            DbBackend::Postgres => format!(
                "SELECT CAST(column_name AS text) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY column_name"
            ),
            DbBackend::MySql => format!(
                "SELECT CAST(column_name AS char) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY column_name"
            ),
            _ => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY name"),
        };
        self.texts(&sql).await
    }

    /// The names of the indexes of `table`.
    pub async fn indexes(&self, table: &str) -> Vec<String> {
        let sql = match self.sea_backend() {
            DbBackend::Postgres => format!(
                "SELECT CAST(indexname AS text) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{table}' ORDER BY 1"
            ),
            DbBackend::MySql => format!(
                "SELECT DISTINCT CAST(index_name AS char) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY 1"
            ),
            _ => format!(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' ORDER BY 1"
            ),
        };
        self.texts(&sql).await
    }

    /// The one integer `sql` returns (a `COUNT(*)`).
    pub async fn count(&self, sql: &str) -> i64 {
        self.db
            .query_one_raw(sea_orm::Statement::from_string(self.sea_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", self.backend))
            .expect("a row")
            .try_get_by_index::<i64>(0)
            .expect("a count")
    }

    async fn create_module_tables(&self) {
        let schema = Schema::new(self.sea_backend());
        macro_rules! create {
            ($($entity:path),*) => {$(
                self.db
                    .execute(&schema.create_table_from_entity($entity))
                    .await
                    .expect("create a module table");
            )*};
        }
        create!(
            product::Entity,
            brand::Entity,
            customer::Entity,
            wishlist::Entity,
            post::Entity,
            tag::Entity,
            region::Entity,
            variant::Entity,
            collection::Entity
        );
        self.take_statements();
    }

    pub async fn products(&self, ids: &[impl AsRef<str>]) {
        self.seed::<product::Entity, _>(ids, |id| {
            let id = id.as_ref();
            product::Model {
                id: id.to_string(),
                title: format!("Product {id}"),
                deleted_at: None,
            }
        })
        .await;
    }

    pub async fn brands(&self, ids: &[impl AsRef<str>]) {
        self.seed::<brand::Entity, _>(ids, |id| {
            let id = id.as_ref();
            brand::Model {
                id: id.to_string(),
                name: format!("Brand {id}"),
            }
        })
        .await;
    }

    pub async fn customers(&self, ids: &[impl AsRef<str>]) {
        self.seed::<customer::Entity, _>(ids, |id| {
            let id = id.as_ref();
            customer::Model {
                id: id.to_string(),
                email: format!("{id}@example.com"),
            }
        })
        .await;
    }

    pub async fn wishlists(&self, ids: &[impl AsRef<str>]) {
        self.seed::<wishlist::Entity, _>(ids, |id| {
            let id = id.as_ref();
            wishlist::Model {
                id: id.to_string(),
                title: format!("Wishlist {id}"),
                deleted_at: None,
            }
        })
        .await;
    }

    pub async fn posts(&self, ids: &[impl AsRef<str>]) {
        self.seed::<post::Entity, _>(ids, |id| {
            let id = id.as_ref();
            post::Model {
                id: id.to_string(),
                body: format!("Post {id}"),
                product_id: None,
                deleted_at: None,
            }
        })
        .await;
    }

    pub async fn tags(&self, ids: &[impl AsRef<str>]) {
        self.seed::<tag::Entity, _>(ids, |id| {
            let id = id.as_ref();
            tag::Model {
                id: id.to_string(),
                label: format!("Tag {id}"),
            }
        })
        .await;
    }

    pub async fn regions(&self, ids: &[i32]) {
        self.seed::<region::Entity, _>(ids, |id| region::Model {
            id: *id,
            name: format!("Region {id}"),
        })
        .await;
    }

    /// Inserts one record of `E` per id, 500 a statement.
    async fn seed<E, K>(&self, ids: &[K], model: impl Fn(&K) -> E::Model)
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel>,
    {
        let rows: Vec<E::ActiveModel> =
            ids.iter().map(|id| model(id).into_active_model()).collect();
        for chunk in rows.chunks(500) {
            E::insert_many(chunk.to_vec())
                .exec(&self.db)
                .await
                .expect("insert fixture rows");
        }
    }
}
