//! The SQL layer: the one place that names a backend or holds SQL text.
//!
//! Everything above it speaks in statements: it builds sea-query statements (through
//! [`LinkTable`] and [`RecordTable`] for the statements several services share) and asks the
//! [`Dialect`] of its connection what differs, instead of matching on a backend.
//!
//! - `dialect.rs`: each backend's differences, declared once ([`Dialect`]), and its column types,
//!   literals and error codes.
//! - `link_table.rs`: statements on a link table (read, dismiss, revive, restamp);
//!   `link_row.rs`: a link row's columns read with their declared types;
//!   `upsert.rs`: the statement a create writes with.
//! - `record_table.rs`: statements on a model's own table (read keys, stamp `deleted_at`);
//!   `deletion_table.rs`: the stamps of deleted records of models without `deleted_at`.
//! - `text_match.rs`: comparing text exactly, and `LIKE` with or without case, alike on every
//!   backend.
//! - `ddl.rs`: a link table's `CREATE TABLE` and indexes; `catalogue.rs`: reading them back.
//! - `migration.rs`: what a migration runs and checks per backend.
//! - `text.rs`: a writer of statements with bound values for the catalogue reads, which sea-query
//!   cannot express. The DDL a plan shows for review (`ddl.rs`, parts of `migration.rs`) is
//!   text too, with its values inline; each hand-written place says why.

pub(crate) mod catalogue;
pub mod ddl;
mod deletion_table;
mod dialect;
mod link_row;
mod link_table;
pub(crate) mod migration;
mod record_table;
mod text;
mod text_match;
mod transaction;
mod upsert;

pub(crate) use deletion_table::{
    DELETIONS_TABLE, DeletionTable, LONGEST_ID, create_deletions_table, purge_deletions,
};
pub(crate) use dialect::*;
pub(crate) use link_row::{LinkRowSource, extra_value};
pub(crate) use link_table::{LinkTable, live, row_ids};
pub(crate) use record_table::{RecordTable, deleted_at_any, read_key};
pub(crate) use text::{Sql, quote};
pub(crate) use transaction::{begin, begin_write};
pub(crate) use upsert::{RecordCheck, Upsert};
