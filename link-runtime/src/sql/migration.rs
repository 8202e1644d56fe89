//! What a migration of link tables runs, and what differs between backends when it runs it
//! (the migration service asks [`MigrationSql`] instead of matching on a backend): the migration
//! lock, the statements that bring a table to its declaration (`ALTER TABLE`, indexes, renames,
//! drops), this library's ownership table, the read of Medusa's tracking table, and the facts
//! the planner checks (what SQLite cannot alter in place, MySQL's generated `live_` columns,
//! PostgreSQL's primary-key names). Built with sea-query; each hand-written statement says why.
//!
//! A plan shows its statements for review and runs them as they are shown, so they are SQL text
//! with their values inline, written for one backend.

use std::collections::BTreeSet;

use sea_orm::sea_query::extension::postgres::PgBinOper;
use sea_orm::sea_query::{
    Alias, Asterisk, BinOper, ColumnDef, Expr, ExprTrait, Func, Index, IndexDropStatement,
    MysqlQueryBuilder, OnConflict, Order, PostgresQueryBuilder, Query, QueryStatementWriter,
    SchemaStatementBuilder, SelectStatement, SqliteQueryBuilder, Table,
};
use sea_orm::{ConnectionTrait, DbBackend, SqliteTransactionMode, Statement, TransactionOptions};

use super::ddl::{self, IndexDef};
use super::{Dialect, column_type, inline_schema, literal, reported_types};
use crate::definition::{ColumnType, ExtraColumn, LinkSpec};
use crate::naming::TableNames;

/// Medusa's tracking table (`medusa-behaviour.md` §1.3), read to tell Medusa's tables, never
/// written.
pub(crate) const TRACKING_TABLE: &str = "link_module_migrations";

/// This library's ownership table: which application created or adopted which link table.
pub(crate) const OWNERS_TABLE: &str = "link_table_owners";

/// The name of the lock that keeps two instances from migrating one schema at once.
const LOCK: &str = "link_module_migrations";

/// How long MySQL/MariaDB's `GET_LOCK` waits for another instance to finish, in seconds.
const LOCK_TIMEOUT_SECONDS: u32 = 300;

/// How a migration takes (and releases) the lock that keeps two instances from migrating one
/// schema at once.
#[derive(Debug)]
pub(crate) enum MigrationLock {
    /// The exclusive transaction the migration runs in is the lock (SQLite; see
    /// [`MigrationSql::transaction_options`]): nothing to run.
    Transaction,
    /// `take` waits for the lock, which the transaction holds until it ends (PostgreSQL's
    /// advisory transaction lock, per schema).
    UntilCommit {
        /// Run with `execute_unprepared`.
        take: String,
    },
    /// A lock of the session (MySQL/MariaDB's `GET_LOCK`, per database): `take` answers the
    /// column `got`, 1 once it has the lock (anything else: another instance held it for
    /// [`LOCK_TIMEOUT_SECONDS`]). The session goes back to the pool, so `release` runs after
    /// the migration.
    Session {
        /// Run with `query_one_raw`.
        take: Statement,
        /// Run with `execute_unprepared`.
        release: String,
    },
}

/// The statements of a migration, and the facts it checks, for one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MigrationSql {
    backend: DbBackend,
}

impl MigrationSql {
    /// For the backend of `conn`.
    pub(crate) fn of(conn: &impl ConnectionTrait) -> Self {
        Self::for_backend(conn.get_database_backend())
    }

    pub(crate) fn for_backend(backend: DbBackend) -> Self {
        MigrationSql { backend }
    }

    /// The backend, for the public `backend` of a plan, which says what the plan was made for.
    pub(crate) fn backend(self) -> DbBackend {
        self.backend
    }

    fn dialect(self) -> &'static Dialect {
        Dialect::for_backend(self.backend)
    }

    /// A sea-query statement as text, its values inline.
    fn inline(self, statement: &impl QueryStatementWriter) -> String {
        match self.backend {
            DbBackend::Postgres => statement.to_string(PostgresQueryBuilder),
            DbBackend::MySql => statement.to_string(MysqlQueryBuilder),
            _ => statement.to_string(SqliteQueryBuilder),
        }
    }

    fn schema(self, statement: &impl SchemaStatementBuilder) -> String {
        inline_schema(self.backend, statement)
    }

    /// A string as a literal, as [`literal`] writes it (sea-query's own literals escape
    /// backslashes, which MySQL reads per `sql_mode`).
    fn literal(self, text: &str) -> Expr {
        Expr::cust(literal(self.backend, text))
    }

    // The transaction and the lock.

    /// Whether DDL runs in the migration's transaction ([`Dialect::transactional_ddl`]).
    pub(crate) fn transactional_ddl(self) -> bool {
        self.dialect().transactional_ddl
    }

    /// The options of the transaction a migration runs in: on SQLite an exclusive one, which
    /// is its migration lock.
    pub(crate) fn transaction_options(self) -> TransactionOptions {
        match self.backend {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Exclusive),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions::default(),
        }
    }

    /// The options of the transaction a plan reads in: on PostgreSQL one snapshot for every
    /// statement (`REPEATABLE READ`, read only), so a plan made while another instance
    /// migrates sees the tables before that migration or after it, not half of each; SQLite's
    /// read transaction is one snapshot already. MySQL's and MariaDB's catalogue ignores a
    /// snapshot (and a snapshot's read of a table created since fails): the default there.
    pub(crate) fn read_options(self) -> TransactionOptions {
        match self.backend {
            DbBackend::Postgres => TransactionOptions {
                isolation_level: Some(sea_orm::IsolationLevel::RepeatableRead),
                access_mode: Some(sea_orm::AccessMode::ReadOnly),
                ..TransactionOptions::default()
            },
            _ => TransactionOptions::default(),
        }
    }

    /// The migration lock for the schema (or database): PostgreSQL's advisory lock,
    /// MySQL/MariaDB's `GET_LOCK`, the exclusive transaction on SQLite.
    pub(crate) fn lock(self) -> MigrationLock {
        let name = || Expr::val(format!(".{LOCK}"));
        match self.backend {
            DbBackend::Postgres => {
                let schema_lock = Expr::expr(Func::cust("current_schema"))
                    .binary(BinOper::PgOperator(PgBinOper::Concatenate), name());
                let take = Query::select()
                    .expr(
                        Func::cust("pg_advisory_xact_lock")
                            .arg(Func::cust("hashtext").arg(schema_lock)),
                    )
                    .to_owned();
                MigrationLock::UntilCommit {
                    take: self.inline(&take),
                }
            }
            DbBackend::MySql => {
                let lock = || Func::cust("CONCAT").arg(Func::cust("DATABASE")).arg(name());
                let take = Query::select()
                    .expr_as(
                        Func::cust("GET_LOCK").arg(lock()).arg(LOCK_TIMEOUT_SECONDS),
                        "got",
                    )
                    .to_owned();
                let release = Query::select()
                    .expr(Func::cust("RELEASE_LOCK").arg(lock()))
                    .to_owned();
                MigrationLock::Session {
                    take: Statement::from_string(self.backend, self.inline(&take)),
                    release: self.inline(&release),
                }
            }
            // The exclusive transaction is the lock.
            _ => MigrationLock::Transaction,
        }
    }

    /// The statement that holds Medusa's tracking table still while a plan is made and
    /// applied: Medusa's planner takes no lock of ours, and starts tracking tables as it plans.
    /// PostgreSQL only, where this role may (a SHARE lock needs more than reading it).
    pub(crate) fn hold_tracking_table(self) -> Option<String> {
        if self.backend != DbBackend::Postgres {
            return None;
        }
        // Hand-written: sea-query has no `LOCK TABLE`, nor the `DO` block that takes it only
        // where the table exists and this role may.
        Some(format!(
            "DO $$ BEGIN IF to_regclass('{table}') IS NOT NULL AND has_table_privilege('{table}', 'UPDATE') THEN LOCK TABLE {table} IN SHARE MODE; END IF; END $$",
            table = TRACKING_TABLE
        ))
    }

    // Medusa's tracking table and this library's ownership table.

    /// The tracked tables with their descriptors, as `t` and `d` (text), in Medusa's order.
    pub(crate) fn read_tracking(self) -> SelectStatement {
        Query::select()
            .expr_as(Expr::col("table_name"), "t")
            .expr_as(self.dialect().as_text(Expr::col("link_descriptor")), "d")
            .from(TRACKING_TABLE)
            .order_by("id", Order::Asc)
            .to_owned()
    }

    /// `CREATE TABLE IF NOT EXISTS link_table_owners (…)`. On MySQL/MariaDB its names compare
    /// byte for byte, as they do in Rust (the server's default collation may ignore case).
    pub(crate) fn create_owners_table(self) -> String {
        let name = |column: &str, len: u32| {
            let mut def = ColumnDef::new(column.to_string());
            if self.backend == DbBackend::MySql {
                def.custom(format!(
                    "varchar({len}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                ));
            } else {
                def.string_len(len);
            }
            def.not_null();
            def
        };
        let statement = Table::create()
            .table(OWNERS_TABLE)
            .if_not_exists()
            .col(name("table_name", 255))
            .col(name("application", 64))
            .col(name("origin", 16))
            .col(ColumnDef::new("link_descriptor").text().not_null())
            .col(
                ColumnDef::new("created_at")
                    .timestamp()
                    .default(Expr::current_timestamp()),
            )
            .primary_key(Index::create().col("table_name").col("application"))
            .to_owned();
        self.schema(&statement)
    }

    /// Every ownership row, of every application: `table_name`, `application`, `origin`,
    /// `link_descriptor`.
    pub(crate) fn read_owners() -> SelectStatement {
        Query::select()
            .columns(["table_name", "application", "origin", "link_descriptor"])
            .from(OWNERS_TABLE)
            .order_by("table_name", Order::Asc)
            .to_owned()
    }

    /// Records that `application` owns `table` (nothing if it already does): `ON CONFLICT DO
    /// NOTHING`, or on MySQL/MariaDB `ON DUPLICATE KEY UPDATE` of the key to itself.
    pub(crate) fn claim_owner(
        self,
        table: &str,
        application: &str,
        origin: &str,
        descriptor: &str,
    ) -> String {
        let statement = Query::insert()
            .into_table(OWNERS_TABLE)
            .columns(["table_name", "application", "origin", "link_descriptor"])
            .values_panic([table, application, origin, descriptor].map(|v| self.literal(v)))
            .on_conflict(OnConflict::new().do_nothing_on(["table_name"]).to_owned())
            .to_owned();
        self.inline(&statement)
    }

    /// `WHERE table_name = … AND application = …`.
    fn owner_row(self, table: &str, application: &str) -> [Expr; 2] {
        [
            Expr::col("table_name").eq(self.literal(table)),
            Expr::col("application").eq(self.literal(application)),
        ]
    }

    /// Moves `application`'s row of a renamed table.
    pub(crate) fn move_owner(self, from: &str, to: &str, application: &str) -> String {
        let [is_table, is_application] = self.owner_row(from, application);
        let statement = Query::update()
            .table(OWNERS_TABLE)
            .value("table_name", self.literal(to))
            .and_where(is_table)
            .and_where(is_application)
            .to_owned();
        self.inline(&statement)
    }

    /// Forgets `application`'s row of `table` (dropped, gone, or no longer declared).
    pub(crate) fn release_owner(self, table: &str, application: &str) -> String {
        let [is_table, is_application] = self.owner_row(table, application);
        let statement = Query::delete()
            .from_table(OWNERS_TABLE)
            .and_where(is_table)
            .and_where(is_application)
            .to_owned();
        self.inline(&statement)
    }

    // Reading a link table's rows.

    /// `SELECT COUNT(*) AS n FROM table` (live rows only when `live`).
    pub(crate) fn count_rows(table: &str, live: bool) -> SelectStatement {
        let mut select = Query::select()
            .expr_as(Expr::col(Asterisk).count(), "n")
            .from(Alias::new(table))
            .to_owned();
        if live {
            select.and_where(Expr::col("deleted_at").is_null());
        }
        select
    }

    /// The rows of `table` without a value in each of `columns`, in one scan: `COUNT(col)`
    /// skips NULLs, so `COUNT(*) - COUNT(col)` as `n0`, `n1`, … in `columns`' order.
    pub(crate) fn count_nulls(table: &str, columns: &[&str]) -> SelectStatement {
        let mut select = Query::select().from(Alias::new(table)).to_owned();
        for (i, column) in columns.iter().enumerate() {
            select.expr_as(
                Expr::col(Asterisk)
                    .count()
                    .sub(Expr::col(Alias::new(*column)).count()),
                format!("n{i}"),
            );
        }
        select
    }

    /// Up to ten keys of `table`, as `k`, with more than one live row: what a unique index on
    /// `key` over live rows would refuse.
    pub(crate) fn duplicated_keys(table: &str, key: &str) -> SelectStatement {
        Query::select()
            .expr_as(Expr::col(Alias::new(key)), "k")
            .from(Alias::new(table))
            .and_where(Expr::col("deleted_at").is_null())
            .group_by_col(Alias::new(key))
            .and_having(Expr::col(Asterisk).count().gt(1))
            .order_by(Alias::new(key), Order::Asc)
            .limit(10)
            .to_owned()
    }

    // Link tables.

    /// The statements that create the link table of `spec` and its indexes
    /// ([`ddl::create_table`]).
    pub(crate) fn create_link_table(self, spec: &LinkSpec, names: &TableNames) -> Vec<String> {
        ddl::create_table(self.backend, spec, names)
    }

    /// Every index of the link table of `spec` ([`ddl::indexes`]).
    pub(crate) fn indexes(self, spec: &LinkSpec, names: &TableNames) -> Vec<IndexDef> {
        ddl::indexes(self.backend, spec, names)
    }

    /// `ALTER TABLE from RENAME TO to` (MySQL/MariaDB: `RENAME TABLE from TO to`).
    pub(crate) fn rename_table(self, from: &str, to: &str) -> String {
        self.schema(
            &Table::rename()
                .table(Alias::new(from), Alias::new(to))
                .to_owned(),
        )
    }

    /// After `from` was renamed `to`: the statement that renames its primary key after the new
    /// name, where the backend names the primary key after the table, schema-wide (PostgreSQL's
    /// `<table>_pkey`) and `indexes` (the old table's) has the old one.
    pub(crate) fn rename_primary_key(
        self,
        from: &str,
        to: &str,
        indexes: &BTreeSet<String>,
    ) -> Option<String> {
        let old_pkey = format!("{from}_pkey");
        if self.backend != DbBackend::Postgres || !indexes.contains(&old_pkey) {
            return None;
        }
        let q = |name: &str| super::quote(self.backend, name);
        // Hand-written: sea-query's `ALTER TABLE` has no `RENAME CONSTRAINT`.
        Some(format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            q(to),
            q(&old_pkey),
            q(&format!("{to}_pkey"))
        ))
    }

    /// `DROP TABLE IF EXISTS table`.
    pub(crate) fn drop_table(self, table: &str) -> String {
        self.schema(
            &Table::drop()
                .table(Alias::new(table))
                .if_exists()
                .to_owned(),
        )
    }

    /// The statement that drops the index `name` of `table` (a cardinality the declaration
    /// relaxed, an index named after a table's old name).
    pub(crate) fn drop_index(self, name: &str, table: &str) -> String {
        let mut statement: IndexDropStatement =
            Index::drop().name(name).table(Alias::new(table)).to_owned();
        // MySQL has no `DROP INDEX IF EXISTS`.
        if self.backend != DbBackend::MySql {
            statement.if_exists();
        }
        self.schema(&statement)
    }

    /// `ALTER TABLE table ADD COLUMN <column as declared>`.
    pub(crate) fn add_column(self, table: &str, column: &ExtraColumn) -> String {
        let statement = Table::alter()
            .table(Alias::new(table))
            .add_column(ddl::extra_column_def(self.backend, column))
            .to_owned();
        self.schema(&statement)
    }

    /// `ALTER TABLE table DROP COLUMN column`.
    pub(crate) fn drop_column(self, table: &str, column: &str) -> String {
        let statement = Table::alter()
            .table(Alias::new(table))
            .drop_column(Alias::new(column))
            .to_owned();
        self.schema(&statement)
    }

    /// Whether a NOT NULL column without a default can be added to a table without rows
    /// ([`Dialect::adds_required_columns_to_empty_tables`]).
    pub(crate) fn adds_required_column_to_empty_table(self) -> bool {
        self.dialect().adds_required_columns_to_empty_tables
    }

    /// Whether a column's type changes in place ([`Dialect::changes_types_in_place`]; where
    /// not, see [`Self::change_column_type`]).
    pub(crate) fn changes_type_in_place(self) -> bool {
        self.dialect().changes_types_in_place
    }

    /// The statements that give `column` of `table` its declared type: PostgreSQL converts the
    /// values (`USING`), MySQL/MariaDB redefine the column, SQLite drops it and adds it again.
    pub(crate) fn change_column_type(self, table: &str, column: &ExtraColumn) -> Vec<String> {
        match self.backend {
            DbBackend::Postgres => {
                let ty = Alias::new(column_type(self.backend, column.ty));
                let change = ColumnDef::new(column.name)
                    .custom(ty.clone())
                    .using(Expr::col(column.name).cast_as(ty))
                    .to_owned();
                let statement = Table::alter()
                    .table(Alias::new(table))
                    .modify_column(change)
                    .to_owned();
                vec![self.schema(&statement)]
            }
            DbBackend::MySql => {
                let statement = Table::alter()
                    .table(Alias::new(table))
                    .modify_column(ddl::extra_column_def(self.backend, column))
                    .to_owned();
                vec![self.schema(&statement)]
            }
            _ => vec![
                self.drop_column(table, column.name),
                self.add_column(table, column),
            ],
        }
    }

    /// The column type a column of type `ty` is declared with.
    pub(crate) fn column_type(self, ty: ColumnType) -> &'static str {
        column_type(self.backend, ty)
    }

    /// The type of a link table's time columns (`created_at`, …).
    pub(crate) fn timestamp_type(self) -> &'static str {
        super::timestamp_type(self.backend)
    }

    /// Whether `found`, a column type as the catalogue names it, is the declared type `ty`.
    pub(crate) fn is_declared_type(self, ty: ColumnType, found: &str) -> bool {
        reported_types(self.backend, ty).contains(&found)
    }

    /// Whether a column the catalogue reports as `found` reads as a `String`, as a link
    /// table's key columns and `id` are read.
    pub(crate) fn reads_as_text(self, found: &str) -> bool {
        match self.backend {
            // Not `character` (nor MySQL's `char`): it pads or trims, so a key read back would
            // not be the key written.
            DbBackend::Postgres => matches!(found, "character varying" | "text"),
            DbBackend::MySql => matches!(
                found,
                "varchar" | "text" | "tinytext" | "mediumtext" | "longtext"
            ),
            // A declared type with `INT` has integer affinity: an id that looks like a number
            // is stored as one, which does not read back as text.
            _ => !found.to_ascii_lowercase().contains("int"),
        }
    }

    /// Whether a column the catalogue reports as `found` reads as a `DateTime<Utc>`, as a link
    /// table's `created_at`, `updated_at` and `deleted_at` are read: PostgreSQL's `timestamp`
    /// without a zone does not; MySQL's `datetime` and `timestamp` do; SQLite's text does.
    pub(crate) fn reads_as_timestamp(self, found: &str) -> bool {
        match self.backend {
            DbBackend::Postgres => found == "timestamp with time zone",
            DbBackend::MySql => matches!(found, "datetime" | "timestamp"),
            _ => true,
        }
    }

    /// Whether the backend enforces cardinality with a generated `live_<key>` column
    /// ([`ddl::live_column`]) under the unique index: where it has no partial indexes.
    pub(crate) fn has_live_columns(self) -> bool {
        !self.dialect().partial_indexes
    }

    /// Whether `column` is such a generated `live_` column, which the declaration implies.
    pub(crate) fn is_live_column(self, column: &str) -> bool {
        self.has_live_columns() && column.starts_with("live_")
    }

    /// `ALTER TABLE table ADD COLUMN live_<key> …` (see [`Self::has_live_columns`]).
    pub(crate) fn add_live_column(self, table: &str, key: &str) -> String {
        let statement = Table::alter()
            .table(Alias::new(table))
            .add_column(ddl::live_column_def(key))
            .to_owned();
        self.schema(&statement)
    }
}
