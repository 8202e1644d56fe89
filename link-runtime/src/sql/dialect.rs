//! What differs between SQLite, PostgreSQL and MySQL/MariaDB, declared once per backend (as
//! diesel's `SqlDialect` does): [`Dialect`] for what statements and services ask, and the
//! column types, literals and error codes of each backend.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, RuntimeErr, Value};

use super::text_match::TextMatch;
use crate::definition::{ColumnType, DefaultValue};
use crate::extra_default::TextDefault;
use crate::key::KeyKind;

/// What one backend does differently, as the statements above this layer need to know it.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct Dialect {
    backend: DbBackend,
    /// `UPDATE … RETURNING` gives back the rows changed. MySQL/MariaDB's cannot, so a service
    /// reads them first, locked.
    pub(crate) returning: bool,
    /// `INSERT … RETURNING` gives back the rows written: PostgreSQL, SQLite, and MariaDB (from
    /// 10.5), not MySQL. sea-query's MySQL writer leaves the clause out, so MariaDB's is added
    /// to the statement's text (see `LinkTable::upsert`).
    pub(crate) inserts_return_rows: bool,
    /// A `VALUES` list in `FROM` names its columns `column1`, `column2`, … (PostgreSQL,
    /// SQLite). MariaDB names them after the first row's values, so rows an upsert selects are
    /// a derived table of `SELECT ? AS column1, … UNION ALL SELECT ?, …` there.
    pub(crate) values_lists_name_columns: bool,
    /// The collation the keys of an upsert's derived rows are declared in, where they need one
    /// (MariaDB: `utf8mb4_nopad_bin`, bytes without padding). MariaDB caches a correlated
    /// subquery's result by its outer values compared in their collation, the connection's
    /// case-insensitive one: a batch naming record `s2` and then `S2` (no record) found `S2`
    /// in the cache and wrote it, whatever the subquery compared.
    pub(crate) derived_keys_collation: Option<&'static str>,
    /// Rows can be locked (`FOR UPDATE`, a share lock). SQLite runs one writer at a time and
    /// has no row locks.
    pub(crate) row_locks: bool,
    /// The upsert fires on any unique index (MySQL's `ON DUPLICATE KEY UPDATE`), not only on
    /// the conflict target named (`ON CONFLICT (…)`).
    pub(crate) upsert_on_any_unique: bool,
    /// Its planner does better with a filter through a link as a semi-join (`IN (SELECT …)`)
    /// than as an inner join the order shares (SQLite; measured in BENCHMARKS.md).
    pub(crate) prefers_semi_joins: bool,
    /// Pairs are matched as `(l, r) IN (SELECT * FROM unnest($1, $2))`, the two keys bound as
    /// two arrays (PostgreSQL: a long list of row values becomes a deep OR expression that
    /// exhausts its parser's stack; the pair is the primary key, so each is one probe of its
    /// index, whatever the statistics say).
    pub(crate) pairs_as_arrays: bool,
    /// Live link rows are found by one side's keys one probe of that key's index at a time:
    /// `unnest($1)` joined `LATERAL` to the rows of each key (PostgreSQL). Bound as
    /// `key = ANY($1) AND deleted_at IS NULL`, a table without statistics looks to the planner
    /// as if 0.5 % of its rows were live, and it walks the `deleted_at` index through every
    /// live row to find the few the keys name. Each probe costs the same with or without
    /// statistics.
    pub(crate) probes_keys: bool,
    /// Pairs are matched as `(l, r) IN (SELECT l, r FROM JSON_TABLE(?, …) AS v)`, all pairs
    /// bound as one JSON array, in a `SELECT`, and an `UPDATE` of pairs updates the rows such a
    /// `SELECT` found, by id (MySQL ≥ 8.0.4, MariaDB ≥ 10.6). MariaDB tests each row against a
    /// list of row values one pair at a time (1,000 pairs: 1.4 s), and a single-table `UPDATE`
    /// runs a subquery per row of the table; the pairs as a derived table of `SELECT ? AS l, ?
    /// AS r UNION ALL …` are joined on the primary key but parsed anew as 1,000 selects
    /// (measured in BENCHMARKS.md).
    pub(crate) pairs_as_json_table: bool,
    /// `deleted_at IS NULL` beside a primary key is written as a `CASE` the planner cannot
    /// guess from (see [`Dialect::is_live_by_primary_key`]).
    live_test_hidden_from_planner: bool,
    /// A UUID key casts to the text a link table holds (PostgreSQL's `uuid`); elsewhere it is
    /// bytes, compared only when bound as a UUID.
    pub(crate) uuid_casts_to_text: bool,
    /// A list of keys is bound as one array, `key = ANY($1)` (PostgreSQL): the statement's
    /// text is the same for any number of keys, so one prepared statement serves them all, and
    /// PostgreSQL's generic plan for it (chosen after five runs) scans the key's index, where
    /// the generic plan of a long `IN ($1, …)` could fall to a sequential scan.
    lists_as_arrays: bool,
    /// DDL runs inside the migration's transaction, all or nothing. MySQL/MariaDB commit each
    /// DDL statement on its own.
    pub(crate) transactional_ddl: bool,
    /// A NOT NULL column without a default can be added to a table without rows (SQLite
    /// refuses it whatever the rows).
    pub(crate) adds_required_columns_to_empty_tables: bool,
    /// A column's type changes in place, converting its values. SQLite cannot: the column is
    /// dropped and added again, losing its values.
    pub(crate) changes_types_in_place: bool,
    /// Indexes can be partial (`… WHERE deleted_at IS NULL`). MySQL/MariaDB's cannot, so the
    /// cardinality's unique index is over a generated `live_<key>` column instead.
    pub(crate) partial_indexes: bool,
    /// `CREATE INDEX IF NOT EXISTS` is understood (MySQL's is not: a link table's indexes are
    /// declared inside its `CREATE TABLE IF NOT EXISTS` instead).
    pub(crate) index_if_not_exists: bool,
    /// The type an integer or UUID key is cast to, to be compared as text.
    pub(super) text_type: &'static str,
    /// The types a key held as text is cast back to: integer, UUID (`None`: compared as text).
    integer_type: &'static str,
    uuid_type: Option<&'static str>,
    /// How many values one statement may bind, less a margin for the values a statement binds
    /// besides its rows (SQLite ≥ 3.32: 32 766; PostgreSQL and MySQL: 65 535).
    bind_limit: usize,
    /// The `LIMIT` an `OFFSET` needs to be valid (`None`: an `OFFSET` stands alone).
    pub(super) limit_for_offset: Option<u64>,
    /// How text is matched exactly, as PostgreSQL's `=` and `LIKE` match it (see
    /// `text_match.rs`).
    pub(super) text_match: TextMatch,
    /// `LIKE` patterns and the bounds of a range (`>`, `>=`, `<`, `<=`) are written into the
    /// statement as literals, not bound. PostgreSQL plans a prepared statement for its bound
    /// values five times, then may keep one generic plan, in which a bound pattern is guessed
    /// to match 0.5 % of the rows and a bound range a third of them: after a few broad
    /// searches, a narrow one hashed the whole link table (100 ms at a million links where its
    /// own plan takes 2), and a range of ten titles walked every product in id order. A
    /// literal is planned for what it says (from the column's statistics).
    pub(super) literals_for_estimates: bool,
}

/// SQLite.
pub(crate) const SQLITE: Dialect = Dialect {
    backend: DbBackend::Sqlite,
    returning: true,
    inserts_return_rows: true,
    values_lists_name_columns: true,
    derived_keys_collation: None,
    row_locks: false,
    upsert_on_any_unique: false,
    prefers_semi_joins: true,
    pairs_as_arrays: false,
    probes_keys: false,
    pairs_as_json_table: false,
    live_test_hidden_from_planner: false,
    uuid_casts_to_text: false,
    lists_as_arrays: false,
    transactional_ddl: true,
    adds_required_columns_to_empty_tables: false,
    changes_types_in_place: false,
    partial_indexes: true,
    index_if_not_exists: true,
    text_type: "text",
    integer_type: "integer",
    uuid_type: None,
    bind_limit: 32_766 - 16,
    // The largest limit SQLite binds (an i64): no limit.
    limit_for_offset: Some(u64::MAX >> 1),
    text_match: TextMatch::Glob,
    literals_for_estimates: false,
};

/// PostgreSQL.
pub(crate) const POSTGRES: Dialect = Dialect {
    backend: DbBackend::Postgres,
    returning: true,
    inserts_return_rows: true,
    values_lists_name_columns: true,
    derived_keys_collation: None,
    row_locks: true,
    upsert_on_any_unique: false,
    prefers_semi_joins: false,
    pairs_as_arrays: true,
    pairs_as_json_table: false,
    probes_keys: true,
    live_test_hidden_from_planner: true,
    uuid_casts_to_text: true,
    lists_as_arrays: true,
    transactional_ddl: true,
    adds_required_columns_to_empty_tables: true,
    changes_types_in_place: true,
    partial_indexes: true,
    index_if_not_exists: true,
    text_type: "text",
    integer_type: "bigint",
    uuid_type: Some("uuid"),
    bind_limit: 65_535 - 16,
    limit_for_offset: None,
    text_match: TextMatch::Native,
    literals_for_estimates: true,
};

/// MySQL, and MariaDB where a statement does not need to know which (see [`MARIADB`]).
pub(crate) const MYSQL: Dialect = Dialect {
    backend: DbBackend::MySql,
    returning: false,
    inserts_return_rows: false,
    values_lists_name_columns: false,
    derived_keys_collation: None,
    row_locks: true,
    upsert_on_any_unique: true,
    prefers_semi_joins: false,
    pairs_as_arrays: false,
    probes_keys: false,
    pairs_as_json_table: true,
    live_test_hidden_from_planner: false,
    uuid_casts_to_text: false,
    lists_as_arrays: false,
    transactional_ddl: false,
    adds_required_columns_to_empty_tables: true,
    changes_types_in_place: true,
    partial_indexes: false,
    index_if_not_exists: false,
    text_type: "char",
    integer_type: "SIGNED",
    uuid_type: None,
    bind_limit: 65_535 - 16,
    limit_for_offset: Some(u64::MAX),
    text_match: TextMatch::Binary,
    literals_for_estimates: false,
};

/// MariaDB, for the writes that ask which server a MySQL connection reaches
/// (`Links::write_dialect`): its inserts return their rows, so a create's upsert checks its
/// records, writes and reads back in one statement.
pub(crate) const MARIADB: Dialect = Dialect {
    inserts_return_rows: true,
    derived_keys_collation: Some("utf8mb4_nopad_bin"),
    ..MYSQL
};

impl Dialect {
    /// The dialect of `conn`'s backend (on MySQL's, what MySQL and MariaDB share).
    pub(crate) fn of(conn: &impl ConnectionTrait) -> &'static Dialect {
        Self::for_backend(conn.get_database_backend())
    }

    /// `statement` as this backend's text and bound values.
    pub(crate) fn build(&self, statement: &impl sea_orm::StatementBuilder) -> sea_orm::Statement {
        self.backend.build(statement)
    }

    /// The dialect of `backend`.
    pub(crate) fn for_backend(backend: DbBackend) -> &'static Dialect {
        match backend {
            DbBackend::Postgres => &POSTGRES,
            DbBackend::MySql => &MYSQL,
            _ => &SQLITE,
        }
    }

    /// The upsert's assignments are guarded to change a row only when it is the pair written
    /// (`col = CASE WHEN left = CAST(VALUES(left) AS BINARY) AND right = CAST(VALUES(right) AS
    /// BINARY) THEN new ELSE col END`): a clash with another pair's live row on a cardinality
    /// index, where `ON DUPLICATE KEY UPDATE` also fires, changes nothing and comes back as
    /// that pair's row, which the caller reports as a conflict. So every pair goes through one upsert without
    /// first reading which exist. The guard needs the rows back: MariaDB, not MySQL.
    pub(crate) fn upsert_guarded(&self) -> bool {
        self.upsert_on_any_unique && self.inserts_return_rows
    }

    /// How many rows of `values_per_row` bound values fit in one statement.
    pub(crate) fn rows_per_statement(&self, values_per_row: usize) -> usize {
        (self.bind_limit / values_per_row.max(1)).max(1)
    }

    /// How many of `pairs`, from the first, one statement of `LinkTable::pairs_in` may match
    /// (at least one): two bound values a pair under the bind limit, with room to spare; where
    /// the pairs are one JSON document ([`Dialect::pairs_as_json_table`]), also no more than
    /// keep it under 8 MiB at worst (every key as hex, two digits a byte), half MariaDB's
    /// default `max_allowed_packet`. Pairs of ten-character keys fill the bind limit first;
    /// pairs of 255 four-byte characters stop at about 2,000.
    pub(crate) fn pairs_in_one_statement<'p>(
        &self,
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> usize {
        const JSON_BUDGET: usize = 8 << 20;
        let pairs = pairs.into_iter().take(self.rows_per_statement(3));
        if !self.pairs_as_json_table {
            return Ord::max(pairs.count(), 1);
        }
        let mut bytes = 0;
        let mut count: usize = 0;
        for (left, right) in pairs {
            // `["<hex>","<hex>"],`
            bytes += 2 * (left.len() + right.len()) + 8;
            if count > 0 && bytes > JSON_BUDGET {
                break;
            }
            count += 1;
        }
        Ord::max(count, 1)
    }

    /// `column IN (values)`: on PostgreSQL `column = ANY($1)`, the values bound as one array
    /// (see [`Dialect::lists_as_arrays`]) when they are keys of one type.
    ///
    /// Not `= ANY(ARRAY(SELECT unnest($1)))`, which hides the number of keys from the planner:
    /// on a link table without statistics it then walks a partial index of every live row
    /// and tests each against the whole array, unhashed (10,000 keys on 10,000 rows: 746 ms
    /// against 5.5 ms). Without statistics, this form can still read every live row to find
    /// a few keys (see BENCHMARKS.md).
    pub(crate) fn among<V: Into<Value>>(
        &self,
        column: Expr,
        values: impl IntoIterator<Item = V>,
    ) -> Expr {
        let values: Vec<Value> = values.into_iter().map(Into::into).collect();
        if self.lists_as_arrays {
            #[cfg(feature = "postgres")]
            if let Some(kind) = key_array_type(&values) {
                let array = Value::Array(kind, Some(Box::new(values)));
                return column.eq(sea_orm::sea_query::PgFunc::any(array));
            }
        }
        column.is_in(values)
    }

    /// `deleted_at IS NULL` beside a match of whole primary keys (pairs): the row is live. On
    /// PostgreSQL written `CASE WHEN deleted_at IS NULL THEN TRUE END`, the same test. Without
    /// statistics PostgreSQL guesses that `deleted_at IS NULL` holds for 0.5 % of a table (it
    /// holds for nearly every row): it read every live row through the `deleted_at` index to
    /// find the few pairs named, and, with `(deleted_at IS NULL) IS TRUE` (which it guesses
    /// from the same test), took a just-loaded table for a row or two and compared each of its
    /// rows with every pair (a generic plan: 499,500 comparisons for 1,000 pairs). The planner
    /// matches no index to a `CASE` and guesses it holds for a share of the rows that keeps
    /// the table its size, so each pair is one probe of the primary key, or one pass of a hash
    /// join. Only beside a primary key: a lookup by one key needs the plain test, to use the
    /// key's partial index on live rows.
    pub(crate) fn is_live_by_primary_key(&self, deleted_at: Expr) -> Expr {
        let live = deleted_at.is_null();
        if self.live_test_hidden_from_planner {
            // `$1` is sea-query's placeholder in a custom PostgreSQL expression.
            Expr::cust_with_expr("CASE WHEN $1 THEN TRUE END", live)
        } else {
            live
        }
    }

    /// Locks the rows `select` finds against change until the transaction ends, where the
    /// backend has row locks.
    pub(crate) fn lock_for_update(&self, select: &mut SelectStatement) {
        if self.row_locks {
            select.lock(LockType::Update);
        }
    }

    /// Share-locks the rows `select` finds, where the backend has row locks (MariaDB has no
    /// `FOR SHARE`: sea-query writes `LOCK IN SHARE MODE` there, which MySQL also reads).
    ///
    /// Why record checks lock what they find: a create that saw a record live must not commit a
    /// link to it after a concurrent delete of that record has dismissed its links, or a live
    /// link would point at a deleted record. A shared lock makes that delete wait for the create
    /// (and then dismiss the new link too), or the create wait for the delete (and then see the
    /// record gone).
    pub(crate) fn lock_shared(&self, select: &mut SelectStatement) {
        if self.row_locks {
            select.lock(LockType::Share);
        }
    }

    /// A model's primary key `column` (of `kind`) as the text a link table holds, to be
    /// compared with a link table's key or read as a string (integer columns differ in width per
    /// backend, and sqlx will not read an INT4 as an i64). A string key is text already.
    pub(crate) fn key_as_text(&self, column: Expr, kind: KeyKind) -> Expr {
        match kind {
            KeyKind::String => column,
            _ => self.as_text(column),
        }
    }

    /// `column` cast to the backend's text type.
    pub(crate) fn as_text(&self, column: Expr) -> Expr {
        column.cast_as(Alias::new(self.text_type))
    }

    /// The type a key held as text (in a link table) is cast to, to compare as a key of
    /// `kind`; `None` where they compare as they are.
    pub(crate) fn key_type(&self, kind: KeyKind) -> Option<&'static str> {
        match kind {
            KeyKind::Integer => Some(self.integer_type),
            KeyKind::Uuid => self.uuid_type,
            _ => None,
        }
    }

    /// `column` (a key held as text, in a link table) as the type of a key of `kind`, so that
    /// the model's primary-key index serves a join.
    pub(crate) fn text_as_key(&self, column: Expr, kind: KeyKind) -> Expr {
        match self.key_type(kind) {
            Some(ty) => column.cast_as(Alias::new(ty)),
            None => column,
        }
    }

    /// Pages `select`: `take` rows after `skip`, with the `LIMIT` the backend needs beside an
    /// `OFFSET`.
    pub(crate) fn page(&self, select: &mut SelectStatement, take: Option<u64>, skip: u64) {
        let limit = take.or(match self.limit_for_offset {
            Some(all) if skip > 0 => Some(all),
            _ => None,
        });
        if let Some(limit) = limit {
            select.limit(limit);
        }
        if skip > 0 {
            select.offset(skip);
        }
    }

    /// Whether `err` is a violation of a unique index or primary key.
    pub(crate) fn is_unique_violation(&self, err: &DbErr) -> bool {
        is_unique_violation(err)
    }

    /// How many bytes the column an extra column of `ty` is written to holds, where that is
    /// less than a value may carry: MySQL's `text` (see [`column_type`]), 65,535. A longer value
    /// is refused before anything is written: MariaDB's `INSERT … SELECT` cuts it without a
    /// warning, whatever the `sql_mode`.
    pub(crate) fn text_capacity(&self, ty: ColumnType) -> Option<usize> {
        (self.backend == DbBackend::MySql && ty == ColumnType::Text).then_some(65_535)
    }

    /// Whether `err` says a NOT NULL column got no value.
    pub(crate) fn is_not_null_violation(&self, err: &DbErr) -> bool {
        is_not_null_violation(self.backend, err)
    }
}

/// The element type of `values` as one PostgreSQL array, when they are all keys of one type
/// (text, integer or UUID: the arrays sqlx binds for them are `text[]`, `int4[]`/`int8[]` and
/// `uuid[]`, which compare with the key columns through their indexes). `None` for an empty
/// list (its element type is unknown), a mixed one, or one holding a NULL (sqlx's array of
/// `String` has no place for it).
#[cfg(feature = "postgres")]
fn key_array_type(values: &[Value]) -> Option<sea_orm::sea_query::ArrayType> {
    use sea_orm::sea_query::ArrayType;
    let kind = values.first()?.array_type();
    let is_key = matches!(
        kind,
        ArrayType::String | ArrayType::Int | ArrayType::BigInt | ArrayType::Uuid
    );
    let uniform = values
        .iter()
        .all(|value| value.is_some() && value.array_type() == kind);
    (is_key && uniform).then_some(kind)
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
/// doubled, which every backend reads alike. On PostgreSQL text with a backslash is an escape
/// string (`E'…'`, backslashes doubled). On MySQL/MariaDB a backslash means an escape unless
/// `sql_mode` has `NO_BACKSLASH_ESCAPES`, so text with one is written as hexadecimal instead,
/// which reads the same in every mode (converted, not introduced: MariaDB writes an introduced
/// hex literal back into a column default unescaped; collated as this library's names are, so
/// it compares with them).
pub(crate) fn literal(backend: DbBackend, text: &str) -> String {
    // An escape string reads the same whether or not `standard_conforming_strings` is on (off,
    // a plain literal's backslashes escape).
    if backend == DbBackend::Postgres && text.contains('\\') {
        return format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"));
    }
    if backend == DbBackend::MySql && text.contains('\\') {
        let hex: String = text.bytes().map(|b| format!("{b:02X}")).collect();
        return format!("CONVERT(X'{hex}' USING utf8mb4) COLLATE utf8mb4_bin");
    }
    format!("'{}'", text.replace('\'', "''"))
}

/// A declared default of a column of type `ty` as a SQL literal, in the form the backend
/// stores that type in (sqlx's encodings: a UUID is 16 bytes on MySQL and SQLite; a date-time
/// is UTC without a zone on MySQL, RFC 3339 text on SQLite).
pub(crate) fn default_literal(backend: DbBackend, ty: ColumnType, default: DefaultValue) -> String {
    let text = match (backend, default) {
        (DbBackend::Postgres, DefaultValue::Bool(b)) => return b.to_string(),
        (_, DefaultValue::Bool(b)) => return u8::from(b).to_string(),
        (_, DefaultValue::Int(i)) => return i.to_string(),
        (_, DefaultValue::Float(f)) => return format!("{f:?}"),
        (_, DefaultValue::Str(s)) => s,
    };
    const TIME: &str = "%Y-%m-%d %H:%M:%S%.6f";
    let typed = match crate::extra_default::parse(ty, text) {
        Ok(TextDefault::Verbatim(_)) | Err(_) => None,
        // Plain digits: a number literal every backend reads into its decimal column.
        Ok(TextDefault::Decimal(number)) => Some(number.to_string()),
        Ok(TextDefault::Uuid(id)) => match backend {
            DbBackend::Postgres => Some(literal(backend, &id.hyphenated().to_string())),
            _ => Some(format!("X'{}'", id.simple())),
        },
        Ok(TextDefault::Instant(at)) => Some(literal(
            backend,
            &match backend {
                DbBackend::Postgres => at.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string(),
                DbBackend::MySql => at.format(TIME).to_string(),
                _ => at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            },
        )),
        Ok(TextDefault::Naive(at)) => Some(literal(
            backend,
            &match backend {
                DbBackend::Sqlite => at.format("%F %T%.f").to_string(),
                _ => at.format(TIME).to_string(),
            },
        )),
        Ok(TextDefault::Date(day)) => Some(literal(backend, &day.format("%F").to_string())),
    };
    match (typed, backend) {
        (Some(typed), _) => typed,
        // MySQL needs an expression default (in parentheses) on text and JSON columns; and
        // escapes backslashes in strings, as `literal` does.
        (None, DbBackend::MySql) => format!("({})", literal(backend, text)),
        (None, _) => literal(backend, text),
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
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    // sea-orm reads the driver's own code (MySQL's 1022, 1062, 1169, 1586). Not SQLSTATE
    // 23000 on MySQL: it is also a NULL in a NOT NULL column, an ambiguous column, or a
    // trigger's `SIGNAL`, which reported as a conflict would send the caller to retry.
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
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
