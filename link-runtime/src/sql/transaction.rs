//! How the library opens the transactions it writes in, per backend.

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
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
    conn.begin_with_options(options).await
}
