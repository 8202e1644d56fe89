//! Medusa's tracking table, `link_module_migrations` (`medusa-behaviour.md` §1.3): one row per
//! link table with the link's descriptor, so a database shared with a Medusa backend stays
//! consistent for both.

use sea_orm::{ConnectionTrait, DbBackend};

use crate::definition::LinkSpec;
use crate::dialect::{Sql, literal, quote};
use crate::error::{Error, Result};

/// The tracking table's name, as Medusa names it.
pub(crate) const TABLE: &str = "link_module_migrations";

/// What a tracking row says a link table is for: Medusa's `link_descriptor`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    pub(crate) from_module: String,
    pub(crate) to_module: String,
    pub(crate) from_model: String,
    pub(crate) to_model: String,
}

impl Descriptor {
    pub(crate) fn of(spec: &LinkSpec) -> Self {
        Descriptor {
            from_module: spec.left.model.module.to_string(),
            to_module: spec.right.model.module.to_string(),
            from_model: spec.left.alias().to_string(),
            to_model: spec.right.alias().to_string(),
        }
    }

    /// The same link, comparing module names case-insensitively as Medusa does.
    pub(crate) fn matches(&self, other: &Descriptor) -> bool {
        self.from_module.eq_ignore_ascii_case(&other.from_module)
            && self.to_module.eq_ignore_ascii_case(&other.to_module)
            && self.from_model == other.from_model
            && self.to_model == other.to_model
    }

    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// `CREATE TABLE IF NOT EXISTS link_module_migrations (…)` with Medusa's columns.
pub(crate) fn create_sql(backend: DbBackend) -> String {
    let table = quote(backend, TABLE);
    match backend {
        DbBackend::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {table} (\"id\" SERIAL PRIMARY KEY, \"table_name\" VARCHAR(255) NOT NULL UNIQUE, \"link_descriptor\" JSONB NOT NULL DEFAULT '{{}}', \"created_at\" TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        ),
        DbBackend::MySql => format!(
            "CREATE TABLE IF NOT EXISTS {table} (`id` INT AUTO_INCREMENT PRIMARY KEY, `table_name` VARCHAR(255) NOT NULL UNIQUE, `link_descriptor` JSON NOT NULL DEFAULT ('{{}}'), `created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        ),
        _ => format!(
            "CREATE TABLE IF NOT EXISTS {table} (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"table_name\" VARCHAR(255) NOT NULL UNIQUE, \"link_descriptor\" TEXT NOT NULL DEFAULT '{{}}', \"created_at\" TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
        ),
    }
}

/// Starts tracking `table` (nothing if it already is).
pub(crate) fn insert_sql(backend: DbBackend, table: &str, descriptor: &Descriptor) -> String {
    let json = literal(backend, &descriptor.json());
    let name = literal(backend, table);
    let tracking = quote(backend, TABLE);
    match backend {
        DbBackend::Postgres => format!(
            "INSERT INTO {tracking} (\"table_name\", \"link_descriptor\") VALUES ({name}, CAST({json} AS jsonb)) ON CONFLICT (\"table_name\") DO NOTHING"
        ),
        DbBackend::MySql => format!(
            "INSERT IGNORE INTO {tracking} (`table_name`, `link_descriptor`) VALUES ({name}, {json})"
        ),
        _ => format!(
            "INSERT INTO {tracking} (\"table_name\", \"link_descriptor\") VALUES ({name}, {json}) ON CONFLICT (\"table_name\") DO NOTHING"
        ),
    }
}

/// Moves the tracking row of a renamed table.
pub(crate) fn rename_sql(backend: DbBackend, from: &str, to: &str) -> String {
    format!(
        "UPDATE {} SET {} = {} WHERE {} = {}",
        quote(backend, TABLE),
        quote(backend, "table_name"),
        literal(backend, to),
        quote(backend, "table_name"),
        literal(backend, from)
    )
}

/// Stops tracking a dropped table.
pub(crate) fn delete_sql(backend: DbBackend, table: &str) -> String {
    format!(
        "DELETE FROM {} WHERE {} = {}",
        quote(backend, TABLE),
        quote(backend, "table_name"),
        literal(backend, table)
    )
}

/// The tracked tables with their descriptors (a descriptor Medusa left empty reads as none).
pub(crate) async fn rows<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, Option<Descriptor>)>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    let text = if backend == DbBackend::MySql {
        "char"
    } else {
        "text"
    };
    sql.push("SELECT ")
        .ident("table_name")
        .push(" AS t, CAST(")
        .ident("link_descriptor")
        .push(&format!(" AS {text}) AS d FROM "))
        .ident(TABLE)
        .push(" ORDER BY ")
        .ident("id");
    let rows = conn
        .query_all_raw(sql.build())
        .await
        .map_err(Error::database(format!("reading `{TABLE}`")))?;
    Ok(rows
        .iter()
        .map(|row| {
            let table = row.try_get::<String>("", "t").unwrap_or_default();
            let descriptor = row
                .try_get::<String>("", "d")
                .ok()
                .and_then(|d| serde_json::from_str(&d).ok());
            (table, descriptor)
        })
        .collect())
}
