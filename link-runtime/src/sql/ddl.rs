//! The DDL of a link table: Medusa's columns, primary key and indexes, plus the unique indexes
//! over live rows that enforce the declared cardinality.

use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Func};

use crate::definition::{ExtraColumn, LinkColumn, LinkColumnKind, LinkDefault, LinkSpec};
use crate::naming::TableNames;
use crate::sql::{Dialect, column_type, current_timestamp, default_literal, quote, timestamp_type};

/// The name of the MySQL generated column that holds `key` on live rows and NULL on dismissed
/// ones (MySQL has no partial indexes; a unique index ignores NULLs).
pub(crate) fn live_column(key: &str) -> String {
    format!("live_{key}")
}

/// MySQL's type of a key column: ids compare byte for byte (its default collations would make
/// `P1` and `p1` one key).
const MYSQL_KEY_TYPE: &str = "varchar(255) collate utf8mb4_bin";

/// The type of the key columns (see [`MYSQL_KEY_TYPE`]).
fn key_type(backend: DbBackend) -> &'static str {
    if backend == DbBackend::MySql {
        MYSQL_KEY_TYPE
    } else {
        "varchar(255)"
    }
}

/// The definition of a column of a link table (see [`LinkSpec::columns`]), as `CREATE TABLE`
/// writes it on `backend`.
pub(crate) fn column_definition(backend: DbBackend, column: &LinkColumn) -> String {
    let ty = match column.kind {
        LinkColumnKind::Key => key_type(backend),
        LinkColumnKind::Timestamp => timestamp_type(backend),
        LinkColumnKind::Extra(ty) => column_type(backend, ty),
    };
    let mut def = format!("{} {ty}", quote(backend, column.name));
    def.push_str(if column.nullable {
        " null"
    } else {
        " not null"
    });
    match (column.default, column.kind) {
        (Some(LinkDefault::Now), _) => {
            def.push_str(" default ");
            def.push_str(current_timestamp(backend));
        }
        (Some(LinkDefault::Value(default)), LinkColumnKind::Extra(ty)) => {
            def.push_str(" default ");
            def.push_str(&default_literal(backend, ty, default));
        }
        _ => {}
    }
    def
}

/// An extra column as [`column_definition`] writes it, as a sea-query column, for the `ALTER
/// TABLE`s of a migration.
pub(crate) fn extra_column_def(backend: DbBackend, column: &ExtraColumn) -> ColumnDef {
    let mut def = ColumnDef::new(column.name);
    def.custom(Alias::new(column_type(backend, column.ty)));
    if column.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if let Some(default) = column.default {
        // Not `ColumnDef::default`: sea-query puts an expression default in parentheses (an
        // expression default on MySQL, not a literal one) and escapes backslashes in its own
        // literals, which MySQL reads per `sql_mode`; the default goes as `default_literal`
        // writes it, as in `CREATE TABLE`.
        def.extra(format!(
            "DEFAULT {}",
            default_literal(backend, column.ty, default)
        ));
    }
    def
}

/// The definition of MySQL's generated column holding `key` on live rows.
pub(crate) fn live_column_definition(backend: DbBackend, key: &str) -> String {
    let q = |name: &str| quote(backend, name);
    format!(
        "{} {MYSQL_KEY_TYPE} as (if({} is null, {}, null)) stored",
        q(&live_column(key)),
        q("deleted_at"),
        q(key)
    )
}

/// [`live_column_definition`] as a sea-query column, for the `ALTER TABLE` that adds it to a
/// table made before its link's cardinality asked for it.
pub(crate) fn live_column_def(key: &str) -> ColumnDef {
    let live = Func::cust("if")
        .arg(Expr::col("deleted_at").is_null())
        .arg(Expr::col(Alias::new(key)))
        .arg(Expr::null());
    ColumnDef::new(live_column(key))
        .custom(Alias::new(MYSQL_KEY_TYPE))
        .generated(live, true)
        .to_owned()
}

/// The key columns that must be unique among live rows, per the link's cardinality.
pub(crate) fn unique_keys(spec: &LinkSpec) -> Vec<&'static str> {
    let (left, right) = (spec.left.column, spec.right.column);
    [(spec.left_unique(), left), (spec.right_unique(), right)]
        .into_iter()
        .filter_map(|(unique, key)| unique.then_some(key))
        .collect()
}

/// One index of a link table: its name, the key column it makes unique among live rows (for
/// the cardinality indexes), and the statement that creates it on its own.
#[derive(Debug, Clone)]
pub(crate) struct IndexDef {
    pub(crate) name: String,
    pub(crate) unique_key: Option<&'static str>,
    pub(crate) sql: String,
}

/// Every index of the link table of `spec`: Medusa's four, then the cardinality indexes.
///
/// Hand-written text: each is the statement Medusa's own migration runs, letter for letter,
/// so that a table either side made reads the same to the other.
pub(crate) fn indexes(backend: DbBackend, spec: &LinkSpec, names: &TableNames) -> Vec<IndexDef> {
    let dialect = Dialect::for_backend(backend);
    let q = |name: &str| quote(backend, name);
    let table = q(&names.table);
    let (left, right) = (spec.left.column, spec.right.column);
    let partial = |column: &str| {
        if !dialect.partial_indexes {
            format!(
                "create index {} on {table} ({})",
                q(&names.index(column)),
                q(column)
            )
        } else {
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON {table} ({}) WHERE deleted_at IS NULL",
                q(&names.index(column)),
                q(column)
            )
        }
    };
    let plain = |column: &str| {
        let if_not_exists = if dialect.index_if_not_exists {
            "if not exists "
        } else {
            ""
        };
        format!(
            "create index {if_not_exists}{} on {table} ({})",
            q(&names.index(column)),
            q(column)
        )
    };
    let mut out = vec![
        IndexDef {
            name: names.index("id"),
            unique_key: None,
            sql: plain("id"),
        },
        IndexDef {
            name: names.index(left),
            unique_key: None,
            sql: partial(left),
        },
        IndexDef {
            name: names.index(right),
            unique_key: None,
            sql: partial(right),
        },
        IndexDef {
            name: names.index("deleted_at"),
            unique_key: None,
            sql: plain("deleted_at"),
        },
    ];
    for key in unique_keys(spec) {
        let name = names.live_unique_index(key);
        let sql = if !dialect.partial_indexes {
            format!(
                "create unique index {} on {table} ({})",
                q(&name),
                q(&live_column(key))
            )
        } else {
            format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {table} ({}) WHERE deleted_at IS NULL",
                q(&name),
                q(key)
            )
        };
        out.push(IndexDef {
            name,
            unique_key: Some(key),
            sql,
        });
    }
    out
}

/// The statements that create the link table of `spec` and its indexes, each idempotent
/// (`IF NOT EXISTS`), in the order they must run.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
pub fn create_table(backend: DbBackend, spec: &LinkSpec, names: &TableNames) -> Vec<String> {
    let q = |name: &str| quote(backend, name);
    let table = q(&names.table);
    let (left, right) = (spec.left.column, spec.right.column);
    let mut columns: Vec<String> = spec
        .columns()
        .map(|column| column_definition(backend, &column))
        .collect();
    let indexes = indexes(backend, spec, names);

    let dialect = Dialect::for_backend(backend);
    if !dialect.index_if_not_exists {
        // Everything inline, so `CREATE TABLE IF NOT EXISTS` alone makes it idempotent. An
        // inline index cannot be partial: the cardinality's unique indexes are over generated
        // `live_` columns (MySQL has neither).
        debug_assert!(!dialect.partial_indexes, "inline indexes are never partial");
        let unique_keys = unique_keys(spec);
        for key in &unique_keys {
            columns.push(live_column_definition(backend, key));
        }
        columns.push(format!("primary key ({}, {})", q(left), q(right)));
        for column in ["id", left, right, "deleted_at"] {
            columns.push(format!("index {} ({})", q(&names.index(column)), q(column)));
        }
        for key in &unique_keys {
            columns.push(format!(
                "unique index {} ({})",
                q(&names.live_unique_index(key)),
                q(&live_column(key))
            ));
        }
        return vec![format!(
            "create table if not exists {table} ({})",
            columns.join(", ")
        )];
    }

    columns.push(format!(
        "constraint {} primary key ({}, {})",
        q(&format!("{}_pkey", names.table)),
        q(left),
        q(right)
    ));
    let mut statements = vec![format!(
        "create table if not exists {table} ({})",
        columns.join(", ")
    )];
    statements.extend(indexes.into_iter().map(|index| index.sql));
    statements
}

/// The `CREATE INDEX` a module's owner would run so Query can look the records of `table` up
/// by `column` (only printed: a module's table is not ours to change). Over live records
/// where the backend has partial indexes and the model soft-deletes (Medusa's own indexes are
/// partial so); on MySQL, a text column by its first 191 characters (all a key of utf8mb4 may
/// hold), which `column_type` (as the catalogue names it) tells.
pub(crate) fn record_index(
    backend: DbBackend,
    table: &str,
    column: &str,
    soft_deletable: bool,
    column_type: &str,
) -> String {
    let q = |name: &str| quote(backend, name);
    let name = q(&format!("IDX_{table}_{column}"));
    let indexed = match backend {
        DbBackend::MySql if column_type.ends_with("text") || column_type.ends_with("blob") => {
            format!("{}(191)", q(column))
        }
        _ => q(column),
    };
    let mut sql = format!("CREATE INDEX {name} ON {} ({indexed})", q(table));
    if soft_deletable && Dialect::for_backend(backend).partial_indexes {
        sql.push_str(&format!(" WHERE {} IS NULL", q("deleted_at")));
    }
    sql
}

/// The PostgreSQL index of a module's text column that serves a `LIKE` prefix under a
/// collation other than `C` (a `*_pattern_ops` operator class), or `None` for a column that is
/// not text.
pub(crate) fn record_pattern_index(
    table: &str,
    column: &str,
    soft_deletable: bool,
    column_type: &str,
) -> Option<String> {
    let class = match column_type {
        "character varying" => "varchar_pattern_ops",
        "text" => "text_pattern_ops",
        "character" => "bpchar_pattern_ops",
        _ => return None,
    };
    let q = |name: &str| quote(DbBackend::Postgres, name);
    let mut sql = format!(
        "CREATE INDEX {} ON {} ({} {class})",
        q(&format!("IDX_{table}_{column}_pattern")),
        q(table),
        q(column)
    );
    if soft_deletable {
        sql.push_str(&format!(" WHERE {} IS NULL", q("deleted_at")));
    }
    Some(sql)
}
