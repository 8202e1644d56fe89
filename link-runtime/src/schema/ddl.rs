//! The DDL of a link table: Medusa's columns, primary key and indexes, plus the unique indexes
//! over live rows that enforce the declared cardinality.

use sea_orm::DbBackend;

use crate::definition::LinkSpec;
use crate::dialect::{column_type, current_timestamp, default_literal, quote, timestamp_type};
use crate::schema::naming::TableNames;

/// The name of the MySQL generated column that holds `key` on live rows and NULL on dismissed
/// ones (MySQL has no partial indexes; a unique index ignores NULLs).
pub(crate) fn live_column(key: &str) -> String {
    format!("live_{key}")
}

/// The statements that create the link table of `spec` and its indexes, each idempotent
/// (`IF NOT EXISTS`), in the order they must run.
pub fn create_table(backend: DbBackend, spec: &LinkSpec, names: &TableNames) -> Vec<String> {
    let q = |name: &str| quote(backend, name);
    let table = q(&names.table);
    let (left, right) = (spec.left.model.key, spec.right.model.key);
    let ts = timestamp_type(backend);
    let now = current_timestamp(backend);

    // Ids compare byte for byte: MySQL's default collations would make `P1` and `p1` one key.
    let key_type = if backend == DbBackend::MySql {
        "varchar(255) collate utf8mb4_bin"
    } else {
        "varchar(255)"
    };
    let mut columns = vec![
        format!("{} {key_type} not null", q(left)),
        format!("{} {key_type} not null", q(right)),
        format!("{} {key_type} not null", q("id")),
        format!("{} {ts} not null default {now}", q("created_at")),
        format!("{} {ts} not null default {now}", q("updated_at")),
        format!("{} {ts} null", q("deleted_at")),
    ];
    for column in spec.extra_columns {
        let mut def = format!("{} {}", q(column.name), column_type(backend, column.ty));
        def.push_str(if column.nullable {
            " null"
        } else {
            " not null"
        });
        if let Some(default) = column.default {
            def.push_str(" default ");
            def.push_str(&default_literal(backend, default));
        }
        columns.push(def);
    }
    let unique_keys: Vec<&str> = [(spec.left_unique(), left), (spec.right_unique(), right)]
        .into_iter()
        .filter_map(|(unique, key)| unique.then_some(key))
        .collect();

    if backend == DbBackend::MySql {
        // Everything inline, so `CREATE TABLE IF NOT EXISTS` alone makes it idempotent
        // (MySQL has no `CREATE INDEX IF NOT EXISTS`).
        for key in &unique_keys {
            columns.push(format!(
                "{} varchar(255) collate utf8mb4_bin as (if({} is null, {}, null)) stored",
                q(&live_column(key)),
                q("deleted_at"),
                q(key)
            ));
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
    statements.push(format!(
        "create index if not exists {} on {table} ({})",
        q(&names.index("id")),
        q("id")
    ));
    for key in [left, right] {
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {table} ({}) WHERE deleted_at IS NULL",
            q(&names.index(key)),
            q(key)
        ));
    }
    statements.push(format!(
        "create index if not exists {} on {table} ({})",
        q(&names.index("deleted_at")),
        q("deleted_at")
    ));
    for key in unique_keys {
        statements.push(format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {table} ({}) WHERE deleted_at IS NULL",
            q(&names.live_unique_index(key)),
            q(key)
        ));
    }
    statements
}
