//! Which link tables an application owns: `link_table_owners`, a table of this library's beside
//! Medusa's `link_module_migrations`. Medusa's planner never reads it, and this library never
//! writes Medusa's: a table Medusa tracks is Medusa's (its planner drops tracked tables it no
//! longer declares), a table this library created is recorded here only, so neither side's
//! migrations can plan to destroy the other's tables.
//!
//! One row per table and application: `created` when its migration created the table,
//! `adopted` when it found the table there (made by Medusa, by hand, by another application or
//! by an earlier version of this library) and took it over. Only a table an application created,
//! that no other application and no Medusa backend also uses, may be dropped or renamed by it.

use sea_orm::sea_query::{ColumnDef, Expr, ExprTrait, Index, OnConflict, Query, Table};
use sea_orm::{ConnectionTrait, DbBackend};

use std::collections::{BTreeMap, BTreeSet};

use super::tracking::{self, Descriptor};
use crate::dialect::{inline_query, inline_schema};
use crate::error::{Error, Result};

/// The ownership table's name.
pub(crate) const TABLE: &str = "link_table_owners";

/// How an application came to own a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Its migration created the table.
    Created,
    /// The table was there and its migration took it over.
    Adopted,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Created => "created",
            Origin::Adopted => "adopted",
        }
    }
}

/// One ownership row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) table: String,
    pub(crate) application: String,
    pub(crate) origin: Origin,
    /// The link the table was owned for (to recognise it under a new name).
    pub(crate) descriptor: Option<Descriptor>,
}

/// `CREATE TABLE IF NOT EXISTS link_table_owners (…)`.
pub(crate) fn create_sql(backend: DbBackend) -> String {
    let statement = Table::create()
        .table(TABLE)
        .if_not_exists()
        .col(ColumnDef::new("table_name").string_len(255).not_null())
        .col(ColumnDef::new("application").string_len(255).not_null())
        .col(ColumnDef::new("origin").string_len(16).not_null())
        .col(ColumnDef::new("link_descriptor").text().not_null())
        .col(
            ColumnDef::new("created_at")
                .timestamp()
                .default(Expr::current_timestamp()),
        )
        .primary_key(Index::create().col("table_name").col("application"))
        .to_owned();
    inline_schema(backend, &statement)
}

/// Records that `application` owns `table` (nothing if it already does).
pub(crate) fn claim_sql(
    backend: DbBackend,
    table: &str,
    application: &str,
    origin: Origin,
    descriptor: &Descriptor,
) -> String {
    let statement = Query::insert()
        .into_table(TABLE)
        .columns(["table_name", "application", "origin", "link_descriptor"])
        .values_panic([
            table.into(),
            application.into(),
            origin.as_str().into(),
            descriptor.json().into(),
        ])
        .on_conflict(
            OnConflict::columns(["table_name", "application"])
                .do_nothing_on(["table_name"])
                .to_owned(),
        )
        .to_owned();
    inline_query(backend, &statement)
}

/// Moves `application`'s row of a renamed table.
pub(crate) fn rename_sql(backend: DbBackend, from: &str, to: &str, application: &str) -> String {
    let statement = Query::update()
        .table(TABLE)
        .value("table_name", to)
        .and_where(Expr::col("table_name").eq(from))
        .and_where(Expr::col("application").eq(application))
        .to_owned();
    inline_query(backend, &statement)
}

/// Forgets `application`'s row of a dropped table.
pub(crate) fn release_sql(backend: DbBackend, table: &str, application: &str) -> String {
    let statement = Query::delete()
        .from_table(TABLE)
        .and_where(Expr::col("table_name").eq(table))
        .and_where(Expr::col("application").eq(application))
        .to_owned();
    inline_query(backend, &statement)
}

/// Every ownership row, of every application.
pub(crate) async fn rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<Owner>> {
    let statement = Query::select()
        .columns(["table_name", "application", "origin", "link_descriptor"])
        .from(TABLE)
        .order_by("table_name", sea_orm::sea_query::Order::Asc)
        .to_owned();
    let rows = conn
        .query_all(&statement)
        .await
        .map_err(Error::database(format!("reading `{TABLE}`")))?;
    rows.iter()
        .map(|row| {
            let read = |column: &str| {
                row.try_get::<String>("", column).map_err(|e| Error::Schema {
                    message: format!(
                        "`{TABLE}` has a row this library cannot read ({column}: {e}); it is this library's record of which link tables each application owns: repair or delete that row"
                    ),
                })
            };
            let origin = match read("origin")?.as_str() {
                "created" => Origin::Created,
                // Anything else claims less, never more: it cannot make a table droppable.
                _ => Origin::Adopted,
            };
            Ok(Owner {
                table: read("table_name")?,
                application: read("application")?,
                origin,
                descriptor: serde_json::from_str(&read("link_descriptor")?).ok(),
            })
        })
        .collect()
}

/// What a planner knows of who uses which table: Medusa's tracking rows and every
/// application's ownership rows.
pub(crate) struct Claims {
    pub(crate) application: String,
    /// `link_module_migrations`: tables a Medusa backend manages, with their descriptors.
    pub(crate) medusa: Vec<(String, Option<Descriptor>)>,
    /// `link_table_owners`, every application's rows.
    pub(crate) owners: Vec<Owner>,
}

impl Claims {
    pub(crate) async fn read<C: ConnectionTrait>(
        conn: &C,
        existing: &BTreeSet<String>,
        application: &str,
    ) -> Result<Self> {
        Ok(Claims {
            application: application.to_string(),
            medusa: if existing.contains(tracking::TABLE) {
                tracking::rows(conn).await?
            } else {
                Vec::new()
            },
            owners: if existing.contains(TABLE) {
                rows(conn).await?
            } else {
                Vec::new()
            },
        })
    }

    /// This application's row of `table`.
    pub(crate) fn ours(&self, table: &str) -> Option<&Owner> {
        self.owners
            .iter()
            .find(|o| o.table == table && o.application == self.application)
    }

    pub(crate) fn tracked_by_medusa(&self, table: &str) -> bool {
        self.medusa.iter().any(|(t, _)| t == table)
    }

    /// Who else uses `table`, in words, or `None` if nobody but this application does.
    pub(crate) fn others(&self, table: &str) -> Option<String> {
        let mut who: Vec<String> = self
            .owners
            .iter()
            .filter(|o| o.table == table && o.application != self.application)
            .map(|o| format!("application `{}`", o.application))
            .collect();
        if self.tracked_by_medusa(table) {
            who.insert(
                0,
                format!("a Medusa backend (it is tracked in `{}`)", tracking::TABLE),
            );
        }
        (!who.is_empty()).then(|| who.join(" and "))
    }

    /// Whether this application may drop or rename `table`: it created it and nobody else
    /// uses it.
    pub(crate) fn may_destroy(&self, table: &str) -> bool {
        self.ours(table)
            .is_some_and(|o| o.origin == Origin::Created)
            && self.others(table).is_none()
    }

    /// Every table some application or Medusa manages, with a descriptor where one is known.
    pub(crate) fn tables(&self) -> BTreeMap<&str, Option<&Descriptor>> {
        let mut tables: BTreeMap<&str, Option<&Descriptor>> = BTreeMap::new();
        let all = self
            .medusa
            .iter()
            .map(|(t, d)| (t.as_str(), d.as_ref()))
            .chain(
                self.owners
                    .iter()
                    .map(|o| (o.table.as_str(), o.descriptor.as_ref())),
            );
        for (table, descriptor) in all {
            let known = tables.entry(table).or_default();
            if known.is_none() {
                *known = descriptor;
            }
        }
        tables
    }
}
