//! What differs between SQLite, PostgreSQL and MySQL/MariaDB: identifier quoting, placeholders,
//! column types, bind-parameter limits and how a unique violation is recognised.

use sea_orm::{DbBackend, DbErr, RuntimeErr, Statement, Value};

use crate::definition::{ColumnType, DefaultValue};

/// A SQL statement being written, with its bound values and the placeholders of its backend.
#[derive(Debug)]
pub(crate) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Appends SQL text (never user input: identifiers go through [`Sql::ident`]).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a quoted identifier.
    pub(crate) fn ident(&mut self, name: &str) -> &mut Self {
        let quoted = quote(self.backend, name);
        self.text.push_str(&quoted);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn param(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push('$');
                self.text.push_str(&n.to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(p1, p2, …)` bound to `values`.
    pub(crate) fn param_list<I, V>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(value);
        }
        self.push(")")
    }

    pub(crate) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// Quotes an identifier for `backend`, doubling any quote character inside it.
pub(crate) fn quote(backend: DbBackend, name: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// How many values one statement may bind on `backend` (SQLite ≥ 3.32: 32 766; PostgreSQL and
/// MySQL: 65 535), with a margin for the values a statement binds besides its rows.
pub(crate) fn bind_limit(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Sqlite => 32_766 - 16,
        _ => 65_535 - 16,
    }
}

/// How many rows of `values_per_row` bound values fit in one statement.
pub(crate) fn rows_per_statement(backend: DbBackend, values_per_row: usize) -> usize {
    (bind_limit(backend) / values_per_row.max(1)).max(1)
}

/// The column type of a timestamp column (`created_at`, `updated_at`, `deleted_at`).
pub(crate) fn timestamp_type(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "timestamptz",
        DbBackend::MySql => "datetime(6)",
        _ => "text",
    }
}

/// The default of a timestamp column.
pub(crate) fn current_timestamp(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::MySql => "CURRENT_TIMESTAMP(6)",
        _ => "CURRENT_TIMESTAMP",
    }
}

/// The column type of an extra column.
pub(crate) fn column_type(backend: DbBackend, ty: ColumnType) -> &'static str {
    use ColumnType::*;
    match (backend, ty) {
        (DbBackend::Postgres, Bool) => "boolean",
        (DbBackend::MySql, Bool) => "tinyint(1)",
        (_, Bool) => "boolean",
        (_, SmallInt) => "smallint",
        (DbBackend::MySql, Integer) => "int",
        (_, Integer) => "integer",
        (_, BigInt) => "bigint",
        (DbBackend::Postgres, Float) => "real",
        (DbBackend::MySql, Float) => "float",
        (_, Float) => "real",
        (DbBackend::Postgres, Double) => "double precision",
        (DbBackend::MySql, Double) => "double",
        (_, Double) => "real",
        (_, Text) => "text",
        (DbBackend::Postgres, TimestampTz) => "timestamptz",
        (DbBackend::Postgres, Timestamp) => "timestamp",
        (DbBackend::MySql, TimestampTz | Timestamp) => "datetime(6)",
        (_, TimestampTz | Timestamp) => "text",
        (DbBackend::Sqlite, Date) => "text",
        (_, Date) => "date",
        (DbBackend::Postgres, Uuid) => "uuid",
        (DbBackend::MySql, Uuid) => "binary(16)",
        (_, Uuid) => "blob",
        (DbBackend::Postgres, Json) => "jsonb",
        (DbBackend::MySql, Json) => "json",
        (_, Json) => "json_text",
        (DbBackend::Postgres, Decimal) => "numeric",
        (DbBackend::MySql, Decimal) => "decimal(65, 30)",
        (_, Decimal) => "real",
    }
}

/// The names a backend's catalogue reports for the column type [`column_type`] writes, so the
/// migration planner can tell a column of the declared type from a changed one.
pub(crate) fn reported_types(backend: DbBackend, ty: ColumnType) -> &'static [&'static str] {
    use ColumnType::*;
    match (backend, ty) {
        (DbBackend::Postgres, TimestampTz) => &["timestamp with time zone"],
        (DbBackend::Postgres, Timestamp) => &["timestamp without time zone"],
        (DbBackend::Postgres, Double) => &["double precision"],
        // A Medusa extra column of type `string` is `varchar(255)`: a Rust `String` reads and
        // writes it (values longer than 255 characters are refused by the database).
        (DbBackend::Postgres, Text) => &["text", "character varying"],
        (DbBackend::MySql, Text) => &["text", "varchar"],
        (DbBackend::Postgres, Json) => &["jsonb", "json"],
        (DbBackend::MySql, Bool) => &["tinyint"],
        (DbBackend::MySql, TimestampTz | Timestamp) => &["datetime"],
        (DbBackend::MySql, Uuid) => &["binary"],
        // MariaDB stores JSON as longtext.
        (DbBackend::MySql, Json) => &["json", "longtext"],
        (DbBackend::MySql, Decimal) => &["decimal"],
        (DbBackend::MySql, Double) => &["double"],
        _ => match column_type(backend, ty) {
            "boolean" => &["boolean"],
            "smallint" => &["smallint"],
            "integer" => &["integer"],
            "int" => &["int"],
            "bigint" => &["bigint"],
            "real" => &["real"],
            "float" => &["float"],
            "text" => &["text"],
            "date" => &["date"],
            "uuid" => &["uuid"],
            "blob" => &["blob"],
            "jsonb" => &["jsonb"],
            "json_text" => &["json_text"],
            "numeric" => &["numeric"],
            _ => &[],
        },
    }
}

/// A string as a SQL literal, for statements a plan shows for review (no bound values): quotes
/// doubled, which every backend reads alike. On MySQL/MariaDB a backslash means an escape unless
/// `sql_mode` has `NO_BACKSLASH_ESCAPES`, so text with one is written as hexadecimal instead,
/// which reads the same in every mode (converted, not introduced: MariaDB writes an introduced
/// hex literal back into a column default unescaped; collated as this library's names are, so
/// it compares with them).
pub(crate) fn literal(backend: DbBackend, text: &str) -> String {
    if backend == DbBackend::MySql && text.contains('\\') {
        let hex: String = text.bytes().map(|b| format!("{b:02X}")).collect();
        return format!("CONVERT(X'{hex}' USING utf8mb4) COLLATE utf8mb4_bin");
    }
    format!("'{}'", text.replace('\'', "''"))
}

/// A declared default as a SQL literal.
pub(crate) fn default_literal(backend: DbBackend, default: DefaultValue) -> String {
    match (backend, default) {
        (DbBackend::Postgres, DefaultValue::Bool(b)) => b.to_string(),
        (_, DefaultValue::Bool(b)) => u8::from(b).to_string(),
        (_, DefaultValue::Int(i)) => i.to_string(),
        (_, DefaultValue::Float(f)) => format!("{f:?}"),
        // MySQL needs an expression default (in parentheses) on text and JSON columns; and
        // escapes backslashes in strings, as `literal` does.
        (DbBackend::MySql, DefaultValue::Str(s)) => format!("({})", literal(backend, s)),
        (_, DefaultValue::Str(s)) => literal(backend, s),
    }
}

/// A value of type `ty` that satisfies NOT NULL, for the INSERT half of an upsert whose row is
/// known to exist (its update half never assigns it).
pub(crate) fn placeholder(ty: ColumnType) -> Value {
    use ColumnType::*;
    match ty {
        Bool => false.into(),
        SmallInt => 0i16.into(),
        Integer => 0i32.into(),
        BigInt => 0i64.into(),
        Float => 0f32.into(),
        Double => 0f64.into(),
        TimestampTz => chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.into(),
        Timestamp => chrono::DateTime::<chrono::Utc>::UNIX_EPOCH
            .naive_utc()
            .into(),
        Date => chrono::DateTime::<chrono::Utc>::UNIX_EPOCH
            .date_naive()
            .into(),
        Uuid => sea_orm::prelude::Uuid::nil().into(),
        Json => serde_json::Value::Null.into(),
        Decimal => sea_orm::prelude::Decimal::ZERO.into(),
        _ => String::new().into(),
    }
}

/// Whether `err` is a violation of a unique index or primary key.
pub(crate) fn is_unique_violation(backend: DbBackend, err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    if backend == DbBackend::MySql {
        return database_code(err).as_deref() == Some("23000");
    }
    false
}

/// Whether `err` is a deadlock or serialization failure: the database rolled the transaction
/// back to let another one through, and the same work may simply be run again.
pub(crate) fn is_transient(err: &DbErr) -> bool {
    matches!(database_code(err).as_deref(), Some("40001" | "40P01")) || is_duplicate_row(err)
}

/// Whether `err` is MySQL's duplicate primary key of a link row: a concurrent create inserted
/// the same pair after ours found it absent; run again, ours finds it and updates it.
fn is_duplicate_row(err: &DbErr) -> bool {
    database_code(err).as_deref() == Some("23000") && err.to_string().contains("PRIMARY'")
}

/// Whether `err` says a NOT NULL column got no value.
pub(crate) fn is_not_null_violation(backend: DbBackend, err: &DbErr) -> bool {
    match backend {
        DbBackend::Postgres => database_code(err).as_deref() == Some("23502"),
        // 1364: "Field doesn't have a default value".
        DbBackend::MySql => {
            database_code(err).as_deref() == Some("HY000") && err.to_string().contains("1364")
                || err.to_string().contains("doesn't have a default value")
        }
        _ => err.to_string().contains("NOT NULL constraint failed"),
    }
}

/// The SQLSTATE (or driver code) of a database error.
fn database_code(err: &DbErr) -> Option<String> {
    let runtime = match err {
        DbErr::Exec(e) | DbErr::Query(e) | DbErr::Conn(e) => e,
        _ => return None,
    };
    match runtime {
        RuntimeErr::SqlxError(e) => match &**e {
            sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// A sea-query schema statement (`CREATE TABLE …`, no values) as SQL text for `backend`.
pub(crate) fn inline_schema<S: sea_orm::sea_query::SchemaStatementBuilder>(
    backend: DbBackend,
    statement: &S,
) -> String {
    use sea_orm::sea_query::{MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder};
    match backend {
        DbBackend::Postgres => statement.to_string(PostgresQueryBuilder),
        DbBackend::MySql => statement.to_string(MysqlQueryBuilder),
        _ => statement.to_string(SqliteQueryBuilder),
    }
}
