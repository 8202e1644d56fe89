//! Creating link tables. `migrate()` creates every missing link table with its indexes and is
//! idempotent; the reviewable planner (rename, adopt, drop, unsafe changes) builds on it.

use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

use crate::error::{Error, Result};
use crate::registry::Links;
use crate::schema::ddl;

impl Links {
    /// Creates every missing link table of a stored link, with Medusa's indexes and the unique
    /// indexes that enforce cardinality. Running it again changes nothing.
    ///
    /// On PostgreSQL (transactional DDL) it runs in one transaction: all tables or none. SQLite
    /// and MySQL commit DDL statement by statement; every statement is `IF NOT EXISTS`, so a
    /// failed run is finished by running it again.
    pub async fn migrate(&self) -> Result<()> {
        let home = &self.inner.home;
        let backend = home.get_database_backend();
        let statements: Vec<(String, String)> = self
            .inner
            .links
            .iter()
            .filter(|entry| !entry.spec.read_only)
            .flat_map(|entry| {
                ddl::create_table(backend, &entry.spec, &entry.names)
                    .into_iter()
                    .map(|sql| (entry.names.table.clone(), sql))
            })
            .collect();
        if backend == DbBackend::Postgres {
            let txn = home
                .begin()
                .await
                .map_err(Error::database("starting the migration"))?;
            for (table, sql) in &statements {
                txn.execute_unprepared(sql)
                    .await
                    .map_err(Error::database(format!("creating link table `{table}`")))?;
            }
            txn.commit()
                .await
                .map_err(Error::database("committing the migration"))?;
        } else {
            for (table, sql) in &statements {
                home.execute_unprepared(sql)
                    .await
                    .map_err(Error::database(format!("creating link table `{table}`")))?;
            }
        }
        Ok(())
    }
}
