//! Reading what a database holds: its tables, and a table's columns and indexes, from each
//! backend's own catalogue, so the migration planner can compare them with the declarations.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DbBackend, QueryResult};

use crate::error::{Error, Result};
use crate::sql::Sql;

/// A column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveColumn {
    /// The type as the catalogue names it, lowercased (`integer`, `double precision`, `int`).
    pub(crate) ty: String,
    pub(crate) nullable: bool,
}

/// A table as the database describes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct LiveTable {
    pub(crate) columns: BTreeMap<String, LiveColumn>,
    pub(crate) indexes: BTreeSet<String>,
}

async fn rows<C: ConnectionTrait>(conn: &C, sql: Sql, what: &str) -> Result<Vec<QueryResult>> {
    conn.query_all_raw(sql.build())
        .await
        .map_err(Error::database(format!(
            "reading the {what} of the database"
        )))
}

fn text(row: &QueryResult, column: &str) -> Result<String> {
    crate::error::column(row, column, "the database's catalogue")
}

/// The tables of the connection's schema (PostgreSQL's current schema, MySQL's current
/// database).
pub(crate) async fn tables<C: ConnectionTrait>(conn: &C) -> Result<BTreeSet<String>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::for_backend(backend);
    sql.push(match backend {
        DbBackend::Postgres => {
            "SELECT CAST(table_name AS text) AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        DbBackend::MySql => {
            "SELECT CAST(table_name AS char) AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
    });
    rows(conn, sql, "tables")
        .await?
        .iter()
        .map(|row| text(row, "name"))
        .collect()
}

/// The columns and indexes of `table`, or `None` when there is no such table.
pub(crate) async fn table<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Option<LiveTable>> {
    let backend = conn.get_database_backend();
    let mut live = LiveTable::default();

    let mut sql = Sql::for_backend(backend);
    match backend {
        DbBackend::Postgres => {
            sql.push("SELECT CAST(column_name AS text) AS name, CAST(data_type AS text) AS ty, CAST(is_nullable AS text) AS nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ")
                .param(table);
        }
        DbBackend::MySql => {
            sql.push("SELECT CAST(column_name AS char) AS name, CAST(data_type AS char) AS ty, CAST(is_nullable AS char) AS nullable FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ")
                .param(table);
        }
        _ => {
            sql.push("SELECT name, type AS ty, CASE WHEN \"notnull\" = 1 THEN 'NO' ELSE 'YES' END AS nullable FROM pragma_table_info(")
                .param(table)
                .push(")");
        }
    }
    for row in rows(conn, sql, "columns").await? {
        live.columns.insert(
            text(&row, "name")?,
            LiveColumn {
                ty: text(&row, "ty")?.to_lowercase(),
                nullable: text(&row, "nullable")? == "YES",
            },
        );
    }
    if live.columns.is_empty() {
        return Ok(None);
    }

    let mut sql = Sql::for_backend(backend);
    match backend {
        DbBackend::Postgres => {
            sql.push("SELECT CAST(indexname AS text) AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ")
                .param(table);
        }
        DbBackend::MySql => {
            sql.push("SELECT DISTINCT CAST(index_name AS char) AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ")
                .param(table);
        }
        _ => {
            sql.push("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ")
                .param(table);
        }
    }
    live.indexes = rows(conn, sql, "indexes")
        .await?
        .iter()
        .map(|row| text(row, "name"))
        .collect::<Result<_>>()?;
    Ok(Some(live))
}
