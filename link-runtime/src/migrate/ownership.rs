//! Which link tables an application owns: `link_table_owners`, a table of this library's beside
//! Medusa's `link_module_migrations`. Medusa's planner never reads it, and this library never
//! writes Medusa's: a table Medusa tracks is Medusa's (its planner drops tracked tables it no
//! longer declares), a table this library created is recorded here only, so Medusa's planner
//! never sees the tables only Rust declares, and this library's plans never destroy a table
//! Medusa tracks. (Medusa still adopts any table named like a link it declares.)
//!
//! One row per table and application: `created` when its migration created the table,
//! `adopted` when it found the table there (made by Medusa, by hand, by another application or
//! by an earlier version of this library) and took it over. Only a table an application created,
//! that no other application and no Medusa backend also uses, may be dropped or renamed by it,
//! and only when it is named (see [`LinksBuilder::application`](crate::LinksBuilder::application)).

use sea_orm::ConnectionTrait;

use std::collections::{BTreeMap, BTreeSet};

use super::tracking::{self, Descriptor};
use crate::error::{Error, Result};
use crate::sql::migration::{self, MigrationSql};

/// The ownership table's name.
pub(crate) const TABLE: &str = migration::OWNERS_TABLE;

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

/// Records that `application` owns `table` (nothing if it already does).
pub(crate) fn claim_sql(
    statements: MigrationSql,
    table: &str,
    application: &str,
    origin: Origin,
    descriptor: &Descriptor,
) -> String {
    statements.claim_owner(table, application, origin.as_str(), &descriptor.json())
}

/// Every ownership row, of every application.
pub(crate) async fn rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<Owner>> {
    let statement = MigrationSql::read_owners();
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
    /// This application's name (`"default"` when it has none).
    pub(crate) application: String,
    /// Whether it was named: only a named application may drop or rename (an unnamed one
    /// cannot tell its tables from another unnamed application's).
    pub(crate) named: bool,
    /// `link_module_migrations`: tables a Medusa backend manages, with their descriptors.
    pub(crate) medusa: Vec<(String, Option<Descriptor>)>,
    /// `link_table_owners`, every application's rows.
    pub(crate) owners: Vec<Owner>,
}

impl Claims {
    pub(crate) async fn read<C: ConnectionTrait>(
        conn: &C,
        existing: &BTreeSet<String>,
        application: Option<&str>,
    ) -> Result<Self> {
        Ok(Claims {
            application: application
                .unwrap_or(crate::registry::DEFAULT_APPLICATION)
                .to_string(),
            named: application.is_some(),
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

    /// Whether this application may drop or rename `table`: it is named, created it, and
    /// nobody else uses it.
    pub(crate) fn may_destroy(&self, table: &str) -> bool {
        self.named
            && self
                .ours(table)
                .is_some_and(|o| o.origin == Origin::Created)
            && self.others(table).is_none()
    }

    /// Someone else's record of `table` for another link than `link`, in words: Medusa's
    /// tracking row or another application's ownership row whose descriptor differs.
    pub(crate) fn other_link(&self, table: &str, link: &Descriptor) -> Option<String> {
        let medusa = self
            .medusa
            .iter()
            .filter(|(t, _)| t == table)
            .filter_map(|(_, d)| d.as_ref().map(|d| ("a Medusa backend".to_string(), d)));
        let owners = self
            .owners
            .iter()
            .filter(|o| o.table == table && o.application != self.application)
            .filter_map(|o| {
                o.descriptor
                    .as_ref()
                    .map(|d| (format!("application `{}`", o.application), d))
            });
        medusa
            .chain(owners)
            .find(|(_, d)| !d.matches(link))
            .map(|(who, d)| format!("{who} keeps it for the link {}", d.describe()))
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
