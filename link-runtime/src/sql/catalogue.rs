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

/// The columns of `table` that some valid index begins with (a lookup by such a column can walk
/// the index; one that is second in every index it is part of cannot). An index on an
/// expression begins with no column. With `pattern` (PostgreSQL only), the indexes counted are
/// those of a `*_pattern_ops` operator class, which serve a `LIKE` prefix under any collation
/// but no order; without it, those are left out.
pub(crate) async fn leading_index_columns<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    pattern: bool,
) -> Result<BTreeSet<String>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::for_backend(backend);
    match backend {
        DbBackend::Postgres => {
            sql.push("SELECT CAST(a.attname AS text) AS name FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] JOIN pg_opclass o ON o.oid = x.indclass[0] WHERE x.indisvalid AND n.nspname = current_schema() AND ")
                .push(if pattern { "" } else { "NOT " })
                .push("o.opcname LIKE '%pattern_ops' AND t.relname = ")
                .param(table);
        }
        _ if pattern => return Ok(BTreeSet::new()),
        DbBackend::MySql => {
            sql.push("SELECT CAST(column_name AS char) AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND seq_in_index = 1 AND column_name IS NOT NULL AND table_name = ")
                .param(table);
        }
        _ => {
            // An INTEGER PRIMARY KEY is the rowid, in no index list: `pk = 1` names it.
            sql.push("SELECT ii.name AS name FROM pragma_index_list(")
                .param(table)
                .push(") AS il, pragma_index_info(il.name) AS ii WHERE ii.seqno = 0 AND ii.name IS NOT NULL UNION SELECT name FROM pragma_table_info(")
                .param(table)
                .push(") WHERE pk = 1");
        }
    }
    rows(conn, sql, "indexes")
        .await?
        .iter()
        .map(|row| text(row, "name"))
        .collect()
}

/// Whether PostgreSQL's `LIKE` walks a plain b-tree index for a prefix in this database: only
/// under the `C` (or `POSIX`) collation, in PostgreSQL 15 and 16 not even `C.UTF-8`. Other
/// backends: always.
pub(crate) async fn like_uses_plain_indexes<C: ConnectionTrait>(conn: &C) -> Result<bool> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let mut sql = Sql::for_backend(DbBackend::Postgres);
    sql.push("SELECT CAST(datcollate AS text) AS name FROM pg_database WHERE datname = current_database()");
    let rows = rows(conn, sql, "the database's collation").await?;
    let collation = rows.first().map(|row| text(row, "name")).transpose()?;
    Ok(matches!(collation.as_deref(), Some("C" | "POSIX")))
}

/// Refuses a MySQL or MariaDB server too old for the statements this layer writes: pairs are
/// matched through `JSON_TABLE` (see `Dialect::pairs_as_json_table`), which MySQL has from
/// 8.0.4 and MariaDB from 10.6. Other backends, and a version text it cannot read, pass.
/// Returns what it learnt of the server, so that a migration reads `VERSION()` once.
pub(crate) async fn check_server<C: ConnectionTrait>(conn: &C) -> Result<Server> {
    if conn.get_database_backend() != DbBackend::MySql {
        return Ok(Server { mariadb: false });
    }
    let Some(version) = server_version(conn).await? else {
        return Ok(Server { mariadb: false });
    };
    match too_old(&version) {
        Some(needed) => Err(Error::Schema {
            message: format!(
                "the database server is {version}; module links needs {needed} or later (it matches pairs of keys with JSON_TABLE): upgrade the server"
            ),
        }),
        None => Ok(Server {
            mariadb: version.contains("MariaDB"),
        }),
    }
}

/// What [`check_server`] learnt of the server, so a migration reads `VERSION()` once.
pub(crate) struct Server {
    /// Whether a MySQL connection reaches MariaDB (see [`is_mariadb`]).
    pub(crate) mariadb: bool,
}

/// Whether a MySQL connection reaches MariaDB, which (unlike MySQL) returns the rows an
/// `INSERT` writes (see `Dialect::inserts_return_rows`).
pub(crate) async fn is_mariadb<C: ConnectionTrait>(conn: &C) -> Result<bool> {
    Ok(conn.get_database_backend() == DbBackend::MySql
        && server_version(conn)
            .await?
            .is_some_and(|version| version.contains("MariaDB")))
}

/// `VERSION()` of a MySQL or MariaDB server.
async fn server_version<C: ConnectionTrait>(conn: &C) -> Result<Option<String>> {
    let mut sql = Sql::for_backend(DbBackend::MySql);
    sql.push("SELECT CAST(VERSION() AS char) AS version");
    rows(conn, sql, "server version")
        .await?
        .first()
        .map(|row| text(row, "version"))
        .transpose()
}

/// The oldest version of the server `version` (as `VERSION()` gives it) names, when it is older
/// than that; `None` when it is recent enough or cannot be read.
fn too_old(version: &str) -> Option<&'static str> {
    let mariadb = version.contains("MariaDB");
    // A MariaDB server may report itself behind MySQL 5.5's number, `5.5.5-10.6.4-MariaDB`.
    let number = if mariadb {
        version.strip_prefix("5.5.5-").unwrap_or(version)
    } else {
        version
    };
    let mut parts = number
        .split(|c: char| !c.is_ascii_digit())
        .map(|part| part.parse::<u32>().ok());
    let (major, minor, patch) = match (parts.next(), parts.next(), parts.next()) {
        (Some(Some(major)), Some(Some(minor)), patch) => {
            (major, minor, patch.flatten().unwrap_or(0))
        }
        _ => return None,
    };
    let (needed, text) = if mariadb {
        ((10, 6, 0), "MariaDB 10.6")
    } else {
        ((8, 0, 4), "MySQL 8.0.4")
    };
    ((major, minor, patch) < needed).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::too_old;

    #[test]
    fn servers_without_json_table_are_too_old() {
        for (version, expected) in [
            ("10.11.19-MariaDB-0+deb12u1", None),
            ("10.6.0-MariaDB", None),
            ("11.4.2-MariaDB-log", None),
            ("5.5.5-10.6.4-MariaDB", None),
            ("10.5.23-MariaDB", Some("MariaDB 10.6")),
            ("5.5.5-10.4.1-MariaDB", Some("MariaDB 10.6")),
            ("8.0.36", None),
            ("8.0.4-rc-log", None),
            ("8.4.3", None),
            ("9.1.0-commercial", None),
            ("8.0.3-rc", Some("MySQL 8.0.4")),
            ("5.7.44-log", Some("MySQL 8.0.4")),
            ("", None),
            ("unknown", None),
        ] {
            assert_eq!(too_old(version), expected, "{version}");
        }
    }
}
