//! Migrations of link tables (SPEC §10): [`Links::plan`] compares the declared links with the
//! database and returns a reviewable [`Plan`]; [`Links::apply`] runs it under a database-level
//! lock; [`Links::migrate`] applies the safe steps. A database can be shared with a Medusa
//! backend and with other applications: Medusa's tracking table `link_module_migrations` is read
//! to tell its tables, `link_table_owners` records which tables each application created or
//! adopted, and only a table its application created and nobody else uses is ever dropped or
//! renamed.

mod compare;
mod indexes;
mod ownership;
mod plan;
mod planner;
mod tracking;

pub use indexes::MissingIndex;
pub use plan::{Apply, Plan, Step, StepKind};

use sea_orm::ConnectionTrait;

use crate::error::{Error, Result};
use crate::registry::Links;
use crate::sql::migration::{MigrationLock, MigrationSql};

impl Links {
    /// What the link tables on the home connection need to match the declared links: a step
    /// per table (create, update, rename, adopt, unsafe, drop, release, foreign, or up to date)
    /// with its SQL. Reads only. On PostgreSQL and SQLite it reads in one snapshot, so a plan
    /// made while another instance migrates sees the tables before that migration or after it
    /// (on SQLite without WAL the read holds off that migration's commit until it ends). On
    /// MySQL/MariaDB, whose catalogue a snapshot does not hold still, such a plan can show a
    /// table half-made (an `adopt` of it); [`Links::apply`] plans anew under the migration lock,
    /// so nothing runs from it.
    ///
    /// Example: [the service example](crate#service-example).
    pub async fn plan(&self) -> Result<Plan> {
        let home = self.home();
        let txn = crate::sql::begin(home, MigrationSql::of(home).read_options())
            .await
            .map_err(Error::database("starting the plan's read"))?;
        let plan = planner::plan(self, &txn).await;
        // It only read: ending it either way is the same.
        txn.rollback()
            .await
            .map_err(Error::database("ending the plan's read"))?;
        plan
    }

    /// Runs the steps of `reviewed` that `mode` allows, under a database-level lock
    /// (PostgreSQL advisory lock, MySQL/MariaDB `GET_LOCK`, an exclusive transaction on SQLite)
    /// so that instances starting at once do not race. The plan is made anew under the lock:
    /// what another instance already did is skipped, so applying twice does nothing the second
    /// time. With [`Apply::Safe`], the safe steps run (whether or not `reviewed` lists them);
    /// with [`Apply::All`], drops and unsafe steps run too, but only those `reviewed` lists. A
    /// blocked step (see [`Step::blocked`]) never runs: the others do, then the apply returns
    /// [`Error::Schema`] naming it (under [`Apply::All`], a reviewed step that is blocked now
    /// refuses the whole apply before anything runs). Under [`Apply::All`], a reviewed drop or
    /// rename that the plan made now no longer
    /// contains as reviewed (the table became another application's or Medusa's, or its rows
    /// changed) refuses the whole apply with [`Error::Schema`]. Returns the steps that ran.
    ///
    /// PostgreSQL and SQLite run it in one transaction: all or nothing. MySQL/MariaDB commit
    /// each DDL statement: see [`Plan::failure_note`].
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn apply(&self, reviewed: &Plan, mode: Apply) -> Result<Plan> {
        self.apply_reporting(reviewed, mode, &mut |_| {}).await
    }

    /// [`Links::apply`], calling `on_step` as each step starts (for progress on a terminal).
    pub async fn apply_reporting(
        &self,
        reviewed: &Plan,
        mode: Apply,
        on_step: &mut (dyn FnMut(&Step) + Send),
    ) -> Result<Plan> {
        let home = self.home();
        // On SQLite an exclusive transaction: the migration lock there.
        let txn = crate::sql::begin(home, MigrationSql::of(home).transaction_options())
            .await
            .map_err(Error::database("starting the migration"))?;
        let (ran, left) = locked(self, &txn, reviewed, mode, on_step).await?;
        txn.commit()
            .await
            .map_err(Error::database("committing the migration"))?;
        // The apply checked every declared link against its table under the lock: writes
        // through those left over wait until their table has what the declaration needs.
        for entry in self.entries() {
            let enforced = !left.iter().any(|step| step.table == entry.names.table);
            self.set_schema_ok(entry, enforced);
        }
        match unenforced(&ran, &left) {
            None => Ok(ran),
            Some(err) => Err(err),
        }
    }

    /// Refuses a write through `entry` that could break its declaration while its table lacks
    /// what the declaration needs (SPEC §10): checked against the catalogue the first time,
    /// then kept (a `migrate()` that runs updates it).
    pub(crate) async fn ensure_schema<C: ConnectionTrait>(
        &self,
        conn: &C,
        entry: &crate::registry::LinkEntry,
    ) -> Result<()> {
        if self.schema_ok(entry) {
            return Ok(());
        }
        match compare::mismatch(conn, entry).await? {
            None => {
                self.set_schema_ok(entry, true);
                Ok(())
            }
            Some(wrong) => Err(Error::Schema {
                message: format!(
                    "link {}: {wrong}, so it cannot enforce what its declaration says; run `links.migrate()` (or review `links.plan()` and apply it) before creating, updating or restoring its links",
                    entry.spec.display_name()
                ),
            }),
        }
    }

    /// Creates missing link tables and applies the other safe steps ([`Apply::Safe`]); drops
    /// and unsafe changes wait for a reviewed [`Links::apply`] with [`Apply::All`]. Running it
    /// again changes nothing.
    ///
    /// Example: [the crate's example](crate#example).
    pub async fn migrate(&self) -> Result<()> {
        let nothing_reviewed = Plan::nothing_reviewed(self.home());
        self.apply(&nothing_reviewed, Apply::Safe).await.map(|_| ())
    }
}

/// The error of an apply that left steps the declarations need (`left`, all blocked), after
/// `ran`; `None` if it left none.
pub(crate) fn unenforced(ran: &Plan, left: &[Step]) -> Option<Error> {
    if left.is_empty() {
        return None;
    }
    let steps: Vec<String> = left
        .iter()
        .map(|step| {
            format!(
                "`{}`: {}{}",
                step.table,
                step.summary,
                step.blocked
                    .as_deref()
                    .map(|why| format!(" — {why}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    Some(Error::Schema {
        message: format!(
            "the link tables do not enforce every declared link yet; {} ran, these could not: {}. Until they run, creates, updates and restores through those links are refused",
            if ran.steps.is_empty() {
                "nothing else needed to".to_string()
            } else {
                format!("{} safe step(s)", ran.steps.len())
            },
            steps.join("; ")
        ),
    })
}

/// Runs the plan under the migration lock, on `conn` (a transaction, so the session that holds
/// a session lock stays the same).
pub(crate) async fn locked<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
    reviewed: &Plan,
    mode: Apply,
    on_step: &mut (dyn FnMut(&Step) + Send),
) -> Result<(Plan, Vec<Step>)> {
    let lock = MigrationSql::of(conn).lock();
    take_lock(conn, &lock).await?;
    let outcome = run(links, conn, reviewed, mode, on_step).await;
    if let MigrationLock::Session { release, .. } = &lock {
        // The lock belongs to the session, which goes back to the pool.
        let released = conn.execute_unprepared(release).await;
        if let (Ok(_), Err(e)) = (&outcome, released) {
            return Err(Error::database("releasing the migration lock")(e));
        }
    }
    outcome
}

/// Takes the migration lock for the schema (or database) of `txn`, waiting for another
/// instance to finish.
async fn take_lock<C: ConnectionTrait>(txn: &C, lock: &MigrationLock) -> Result<()> {
    let context = "taking the migration lock";
    match lock {
        MigrationLock::UntilCommit { take } => {
            txn.execute_unprepared(take)
                .await
                .map_err(Error::database(context))?;
        }
        MigrationLock::Session { take, .. } => {
            let row = txn
                .query_one_raw(take.clone())
                .await
                .map_err(Error::database(context))?;
            let got = row.and_then(|r| r.try_get::<i64>("", "got").ok());
            if got != Some(1) {
                return Err(Error::invalid(
                    "another instance held the migration lock for five minutes; is a migration stuck?",
                ));
            }
        }
        // The exclusive transaction is the lock.
        MigrationLock::Transaction => {}
    }
    Ok(())
}

/// Refuses an apply of `reviewed` under [`Apply::All`] when a drop or rename it reviewed is not
/// what the plan made now, under the lock, would do: the table became another application's or
/// a Medusa backend's since (or the plan was made by another application), or its rows changed.
/// Nothing runs then. A table already gone is no reason (applying twice is fine).
fn refuse_changed_drops(
    reviewed: &Plan,
    fresh: &Plan,
    mode: Apply,
    existing: &std::collections::BTreeSet<String>,
) -> Result<()> {
    if mode != Apply::All {
        return Ok(());
    }
    let destroys = |step: &&Step| matches!(step.kind, StepKind::Drop | StepKind::Rename);
    for step in reviewed.steps.iter().filter(destroys) {
        let gone = step.kind == StepKind::Drop && !existing.contains(&step.table);
        if gone || fresh.steps.contains(step) {
            continue;
        }
        let now = fresh
            .steps
            .iter()
            .find(|s| s.table == step.table && s.kind != StepKind::Noop);
        if let Some(now) = now {
            return Err(Error::Schema {
                message: format!(
                    "the reviewed plan would {} `{}`, but the plan made now says \"{}: {}\"; nothing was applied. Plan again (`links plan`) and review that plan",
                    if step.kind == StepKind::Drop {
                        "drop"
                    } else {
                        "rename a table into"
                    },
                    step.table,
                    now.kind.label(),
                    now.summary
                ),
            });
        }
    }
    Ok(())
}

/// Plans anew under the lock and runs what `mode` and `reviewed` allow.
async fn run<C: ConnectionTrait>(
    links: &Links,
    txn: &C,
    reviewed: &Plan,
    mode: Apply,
    on_step: &mut (dyn FnMut(&Step) + Send),
) -> Result<(Plan, Vec<Step>)> {
    let statements = MigrationSql::of(txn);
    // Before anything is written (MySQL commits each DDL statement on its own).
    let server = crate::sql::catalogue::check_server(txn).await?;
    txn.execute_unprepared(&statements.create_owners_table())
        .await
        .map_err(Error::database(format!("creating `{}`", ownership::TABLE)))?;
    txn.execute_unprepared(&crate::sql::create_deletions_table(
        txn.get_database_backend(),
        server.mariadb,
    ))
    .await
    .map_err(Error::database(format!(
        "creating `{}`",
        crate::sql::DELETIONS_TABLE
    )))?;
    // Medusa's planner takes no lock of ours, and starts tracking tables as it plans: hold its
    // tracking table still while this plan is made and applied (where the backend can).
    if let Some(hold) = statements.hold_tracking_table() {
        txn.execute_unprepared(&hold)
            .await
            .map_err(Error::database(format!("locking `{}`", tracking::TABLE)))?;
    }
    let (fresh, existing) = planner::plan_seeing(links, txn).await?;
    refuse_changed_drops(reviewed, &fresh, mode, &existing)?;
    // A blocked step is one the declaration needs and the data refuses: it never runs, and
    // the apply says so once the rest has run.
    let (left, steps): (Vec<Step>, Vec<Step>) = fresh
        .steps
        .into_iter()
        .partition(|step| step.blocked.is_some());
    let chosen: Vec<_> = steps
        .into_iter()
        .filter(|step| step.kind.changes())
        .filter(|step| match mode {
            Apply::Safe => step.kind.is_safe(),
            Apply::All => step.kind.is_safe() || reviewed.steps.contains(step),
        })
        .collect();
    if mode == Apply::All
        && let Some(step) = left.iter().find(|step| reviewed.steps.contains(step))
    {
        return Err(Error::Schema {
            message: format!(
                "`{}`: {}; {}; nothing was applied",
                step.table,
                step.summary,
                step.blocked.as_deref().unwrap_or_default()
            ),
        });
    }
    for step in &chosen {
        on_step(step);
        for sql in &step.sql {
            if let Err(err) = txn.execute_unprepared(sql).await {
                // The plan found no rows breaking a unique index it adds; rows another instance
                // wrote since (through an older declaration) do: refused as a blocked step is.
                let adds_unique_index = sql.to_ascii_uppercase().contains("UNIQUE INDEX");
                return Err(
                    if adds_unique_index && crate::sql::is_unique_violation(&err) {
                        let entry = links
                            .stored_entries()
                            .find(|entry| entry.names.table == step.table);
                        compare::broken_by_rows(links.home(), entry, step, &err).await
                    } else {
                        Error::database(format!("{} `{}`: {sql}", step.summary, step.table))(err)
                    },
                );
            }
        }
    }
    // Whatever the steps were, a declared link whose table still cannot enforce it is left
    // over: an apply never reports success for it.
    let mut left = left;
    for entry in links.stored_entries() {
        if left.iter().any(|step| step.table == entry.names.table) {
            continue;
        }
        if let Some(wrong) = compare::mismatch(txn, entry).await? {
            left.push(Step {
                table: entry.names.table.clone(),
                kind: StepKind::Unsafe,
                summary: format!("link {}: {wrong}", entry.spec.display_name()),
                sql: Vec::new(),
                blocked: Some(String::from(
                    "no step of the plan can fix it: review `links.plan()`, and apply its unsafe steps or change the declaration",
                )),
            });
        }
    }
    Ok((
        Plan {
            backend: statements.backend(),
            steps: chosen,
        },
        left,
    ))
}
