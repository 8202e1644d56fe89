//! How the library opens its transactions, per backend.

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

/// Opens a transaction to write in on `conn`. On SQLite it is `BEGIN IMMEDIATE`, which takes
/// the write lock at once and so waits for another writer (the connection's busy timeout):
/// a deferred `BEGIN` that read first fails with "database is locked" when it comes to write
/// after another writer. Elsewhere a plain `BEGIN`; inside a transaction, a savepoint.
pub(crate) async fn begin_write<C>(conn: &C) -> Result<C::Transaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let options = match conn.get_database_backend() {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        },
        _ => TransactionOptions::default(),
    };
    begin(conn, options).await
}

/// Opens a transaction with `options` on `conn`. MariaDB's `sql_mode=ORACLE` reads the
/// `BEGIN` the driver starts one with as a PL/SQL block, a bare syntax error: that case says
/// so, and how to connect instead (the error's text is kept in the message).
pub(crate) async fn begin<C>(conn: &C, options: TransactionOptions) -> Result<C::Transaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    match conn.begin_with_options(options).await {
        Err(err) if conn.get_database_backend() == DbBackend::MySql && is_syntax_error(&err) => {
            Err(match oracle_mode(conn).await {
                true => DbErr::Custom(format!(
                    "the session's sql_mode includes ORACLE, where MariaDB reads the `BEGIN` the driver (sqlx) starts a transaction with as a PL/SQL block ({err}): connect with a sql_mode without ORACLE"
                )),
                false => err,
            })
        }
        other => other,
    }
}

fn is_syntax_error(err: &DbErr) -> bool {
    err.to_string().contains("1064 (42000)")
}

async fn oracle_mode<C: ConnectionTrait>(conn: &C) -> bool {
    let mode = conn
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT CAST(@@SESSION.sql_mode AS char) AS mode",
        ))
        .await;
    matches!(mode, Ok(Some(row)) if row
        .try_get::<String>("", "mode")
        .is_ok_and(|mode| mode.split(',').any(|flag| flag == "ORACLE")))
}
