//! A migration plan: what the link tables of a database need to match the declared links, step
//! by step with the SQL of each, for review before anything runs.

use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend};

use crate::sql::migration::MigrationSql;

/// What a [`Step`] does to one link table.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepKind {
    /// Create a missing link table with its indexes, recorded as this application's.
    Create,
    /// Safe changes to a table this application owns: a new nullable or defaulted column, a
    /// new index.
    Update,
    /// The link's table name changed (same link): rename the table, keeping its rows.
    Rename,
    /// The table exists but this application does not own it yet (a Medusa backend, another
    /// application, a person or an earlier version of this library made it): record it as
    /// adopted, keeping its rows, with any safe changes the declaration needs. On a table
    /// others use, only indexes are added (and, where only applications of this library share
    /// it, nullable or defaulted columns): any other difference is a blocked step.
    Adopt,
    /// A change that can lose data or fail on existing rows: a type change, a dropped column, a
    /// NOT NULL column without a default, a cardinality index existing rows break.
    Unsafe,
    /// A table this application created, whose link it no longer declares and nobody else
    /// uses: drop it and its rows.
    Drop,
    /// A table this application no longer declares and may not drop (it adopted it, or
    /// shares it, or it is gone already): forget its record of it, leaving the table.
    Release,
    /// A link table this application does not declare and may not drop: Medusa's (tracked in
    /// `link_module_migrations`), another application's, or one an unnamed application
    /// created. Listed, never touched.
    Foreign,
    /// The table matches its declaration.
    Noop,
}

impl StepKind {
    /// Whether [`Apply::Safe`] runs steps of this kind (of those that [change](Self::changes)
    /// anything).
    pub fn is_safe(self) -> bool {
        !matches!(self, StepKind::Unsafe | StepKind::Drop)
    }

    /// Whether a step of this kind changes anything.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn changes(self) -> bool {
        !matches!(self, StepKind::Noop | StepKind::Foreign)
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            StepKind::Create => "create",
            StepKind::Update => "update",
            StepKind::Rename => "rename",
            StepKind::Adopt => "adopt",
            StepKind::Unsafe => "unsafe",
            StepKind::Drop => "drop",
            StepKind::Release => "release",
            StepKind::Foreign => "foreign",
            StepKind::Noop => "up to date",
        }
    }
}

/// One step of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Step {
    /// The link table.
    pub table: String,
    /// What the step does.
    pub kind: StepKind,
    /// What and why, in words (naming the link).
    pub summary: String,
    /// The statements it runs, in order.
    pub sql: Vec<String>,
    /// Why the step cannot run as things stand: rows that break a new unique index, a NOT NULL
    /// column without a default on a table with rows, a change to a table others use, a name
    /// someone else records for another link. It never runs; an apply reports it with this.
    pub blocked: Option<String>,
}

/// Which steps [`Links::apply`](crate::Links::apply) runs.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// Create, update, rename, adopt and release; never drop, never an unsafe change.
    Safe,
    /// Every step of the reviewed plan, drops and unsafe changes included.
    All,
}

/// What the link tables of a database need to match the declared links. `Display` writes it
/// for review.
///
/// Example: [the service example](crate#service-example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The backend it was planned for.
    pub backend: DbBackend,
    /// One or more steps per link table (or none, for a plan of what [`Links::apply`] ran).
    ///
    /// [`Links::apply`]: crate::Links::apply
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether nothing needs to change (foreign tables are never changed).
    ///
    /// Example: [the service example](crate#service-example).
    pub fn is_up_to_date(&self) -> bool {
        self.steps.iter().all(|s| !s.kind.changes())
    }

    /// The steps of `kind`.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn steps_of(&self, kind: StepKind) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(move |s| s.kind == kind)
    }

    /// What happens if a step fails midway, on this backend.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn failure_note(&self) -> &'static str {
        if MigrationSql::for_backend(self.backend).transactional_ddl() {
            "the whole apply runs in one transaction (DDL is transactional here): if a step fails, nothing is applied"
        } else {
            "MySQL/MariaDB commit each DDL statement on its own: if a step fails midway, the statements before it stay applied; fix the cause and apply again (the plan is made anew under the lock, so only what is still missing runs)"
        }
    }

    /// A plan of no steps for the backend of `conn`: what an apply that reviewed nothing
    /// passes.
    pub(crate) fn nothing_reviewed(conn: &impl ConnectionTrait) -> Plan {
        Plan {
            backend: MigrationSql::of(conn).backend(),
            steps: Vec::new(),
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let heading = |f: &mut fmt::Formatter<'_>, step: &Step| {
            writeln!(
                f,
                "{:<7} {}: {}",
                step.kind.label(),
                step.table,
                step.summary
            )
        };
        for step in self.steps.iter().filter(|s| s.kind.changes()) {
            heading(f, step)?;
            if let Some(blocked) = &step.blocked {
                writeln!(f, "        blocked: {blocked}")?;
            }
            for sql in &step.sql {
                writeln!(f, "        {sql};")?;
            }
        }
        for step in self.steps_of(StepKind::Foreign) {
            heading(f, step)?;
        }
        if self.is_up_to_date() {
            return write!(f, "link tables are up to date");
        }
        let noop = self.steps_of(StepKind::Noop).count();
        if noop > 0 {
            writeln!(f, "{noop} link table(s) up to date")?;
        }
        if self.steps.iter().any(|s| !s.kind.is_safe()) {
            writeln!(
                f,
                "drops and unsafe steps run only with Apply::All (`links migrate --execute-all`)"
            )?;
        }
        write!(f, "if a step fails: {}", self.failure_note())
    }
}
