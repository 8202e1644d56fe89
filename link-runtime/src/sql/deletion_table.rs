//! Statements on this library's deletions table: the stamp a `delete` gave each record of a
//! model without `deleted_at`, whose own table cannot hold it. A `restore` of such a record
//! reads its stamp here (a record with no row was never deleted, so nothing is revived) and
//! removes the row once restored; a repeated `delete` finds the row and keeps its stamp, as it
//! keeps a soft-deleted record's own.

use chrono::{DateTime, Utc};
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    DeleteStatement, Expr, ExprTrait, InsertStatement, OnConflict, Query, SelectStatement,
};

use super::{Dialect, quote, timestamp_type};

/// The table's name.
pub(crate) const DELETIONS_TABLE: &str = "link_record_deletions";

/// `DELETE FROM link_record_deletions WHERE deleted_at < before`: once the link rows those
/// deletes dismissed are purged, nothing is left for their stamps to restore.
pub(crate) fn purge_deletions(before: DateTime<Utc>) -> DeleteStatement {
    Query::delete()
        .from_table(DELETIONS_TABLE)
        .and_where(Expr::col("deleted_at").lt(before))
        .to_owned()
}

/// The statements on [`DELETIONS_TABLE`] for one model (`module.model`).
pub(crate) struct DeletionTable<'a> {
    pub(crate) model: &'a str,
}

/// The longest id the table holds; no link table holds a longer one, so a record with a
/// longer id has no link to restore.
pub(crate) const LONGEST_ID: usize = 255;

/// `CREATE TABLE IF NOT EXISTS link_record_deletions (…)`: the model, the record's id (its key
/// in canonical form, as link tables store it) and the stamp. On MySQL/MariaDB the id's
/// collation is binary without padding (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on
/// MySQL 8), so `t1` and `t1 ` are two keys, as they are on the other backends.
pub(crate) fn create_deletions_table(backend: DbBackend, mariadb: bool) -> String {
    let (name, id) = match backend {
        DbBackend::MySql if mariadb => (
            "varchar(255) collate utf8mb4_bin",
            "varchar(255) collate utf8mb4_nopad_bin",
        ),
        DbBackend::MySql => (
            "varchar(255) collate utf8mb4_bin",
            "varchar(255) collate utf8mb4_0900_bin",
        ),
        _ => ("varchar(255)", "varchar(255)"),
    };
    let q = |name: &str| quote(backend, name);
    format!(
        "create table if not exists {} ({} {name} not null, {} {id} not null, {} {} not null, primary key ({}, {}))",
        q(DELETIONS_TABLE),
        q("model"),
        q("record_id"),
        q("deleted_at"),
        timestamp_type(backend),
        q("model"),
        q("record_id"),
    )
}

impl DeletionTable<'_> {
    fn of_ids(&self, dialect: &Dialect, ids: &[String]) -> Expr {
        Expr::col("model")
            .eq(self.model)
            .and(dialect.among_exactly(Expr::col("record_id"), ids.iter().cloned()))
    }

    /// `SELECT record_id, deleted_at … WHERE model = ? AND record_id IN (…)`. On MySQL/MariaDB
    /// a key differing from one asked for only in trailing spaces does not match.
    pub(crate) fn read(&self, dialect: &Dialect, ids: &[String]) -> SelectStatement {
        Query::select()
            .columns(["record_id", "deleted_at"])
            .from(DELETIONS_TABLE)
            .and_where(self.of_ids(dialect, ids))
            .to_owned()
    }

    /// Records that `ids` were deleted with `stamp`; a record that already has a row keeps it.
    pub(crate) fn record(&self, ids: &[String], stamp: DateTime<Utc>) -> InsertStatement {
        let mut insert = Query::insert();
        insert
            .into_table(DELETIONS_TABLE)
            .columns(["model", "record_id", "deleted_at"]);
        for id in ids {
            insert.values_panic([self.model.into(), id.as_str().into(), stamp.into()]);
        }
        // MySQL has no `DO NOTHING`: sea-query writes it as the key set to itself.
        insert.on_conflict(OnConflict::new().do_nothing_on(["record_id"]).to_owned());
        insert
    }

    /// Removes the rows of `ids`, only those that carry `stamp` when one is given (records
    /// restored), else whatever their stamp (records that no longer exist).
    pub(crate) fn remove(
        &self,
        dialect: &Dialect,
        ids: &[String],
        stamp: Option<DateTime<Utc>>,
    ) -> DeleteStatement {
        let mut delete = Query::delete();
        delete
            .from_table(DELETIONS_TABLE)
            .and_where(self.of_ids(dialect, ids));
        if let Some(stamp) = stamp {
            delete.and_where(Expr::col("deleted_at").eq(stamp));
        }
        delete
    }
}
