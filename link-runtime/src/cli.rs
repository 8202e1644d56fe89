//! The `links` command group (feature `cli`), for an application to mount in its own binary:
//!
//! ```no_run
//! use clap::Parser;
//! use link_runtime::cli::LinksCommand;
//!
//! #[derive(Parser)]
//! enum Command {
//!     /// Link tables: plan, migrate, check, graph.
//!     #[command(subcommand)]
//!     Links(LinksCommand),
//! }
//!
//! # async fn app(links: link_runtime::Links) -> Result<(), link_runtime::Error> {
//! match Command::parse() {
//!     Command::Links(command) => command.run(&links).await?,
//! }
//! # Ok(()) }
//! ```
//!
//! The same commands writing to a buffer, as a test or an admin console runs them, with an
//! answer for the question a terminal would be asked:
//!
//! ```
//! use link_runtime::cli::{Confirm, LinksCommand};
//! use link_runtime::{Links, Plan};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let db = sea_orm::Database::connect("sqlite::memory:").await?;
//! let links = Links::builder(db).build()?;
//! let mut out = Vec::new();
//! // Never drop a table from here: drops and unsafe steps are skipped.
//! let mut keep_tables = |_: &Plan| false;
//! let confirm: Confirm<'_> = Some(&mut keep_tables);
//! let migrate = LinksCommand::Migrate { execute_safe: false, execute_all: false };
//! migrate.run_with(&links, &mut out, confirm).await?;
//! assert_eq!(String::from_utf8(out)?, "link tables are up to date\n");
//! # Ok(())
//! # }
//! ```

use std::io::{IsTerminal, Write};

use crate::diagram::DiagramFormat;
use crate::error::{Error, Result};
use crate::migrate::{Apply, Plan};
use crate::registry::Links;

/// `links plan | migrate | check | graph`.
///
/// Example: [the module docs](crate::cli).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum LinksCommand {
    /// Show what the link tables need to match the declared links, with the SQL of each step.
    Plan,
    /// Apply the plan. Safe steps run; drops and unsafe steps run after confirmation on a
    /// terminal, or with `--execute-all`.
    Migrate {
        /// Run the safe steps only, skipping drops and unsafe steps without asking.
        #[arg(long, conflicts_with = "execute_all")]
        execute_safe: bool,
        /// Run every step, drops and unsafe steps included, without asking.
        #[arg(long)]
        execute_all: bool,
    },
    /// Find live links whose records are missing or soft-deleted.
    Check,
    /// Print the modules, models and links as a diagram.
    Graph {
        /// `mermaid` or `dot`.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: DiagramFormat,
    },
}

/// Asks whether to run the drops and unsafe steps of a plan; `None` when no one can answer.
///
/// Example: [the module docs](crate::cli).
pub type Confirm<'a> = Option<&'a mut (dyn FnMut(&Plan) -> bool + Send)>;

impl LinksCommand {
    /// Runs the command, writing to stdout and asking on the terminal when stdin is one.
    ///
    /// Example: [the module docs](crate::cli).
    pub async fn run(&self, links: &Links) -> Result<()> {
        let mut ask = |plan: &Plan| {
            eprint!("{plan}\nApply the drops and unsafe steps above? [y/N] ");
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer).is_ok()
                && matches!(answer.trim(), "y" | "Y" | "yes")
        };
        let confirm: Confirm<'_> = if std::io::stdin().is_terminal() {
            Some(&mut ask)
        } else {
            None
        };
        let mut out = std::io::stdout();
        self.run_with(links, &mut out, confirm).await
    }

    /// Runs the command, writing to `out`; `confirm` answers for a terminal.
    ///
    /// Example: [the module docs](crate::cli).
    pub async fn run_with(
        &self,
        links: &Links,
        out: &mut (dyn Write + Send),
        confirm: Confirm<'_>,
    ) -> Result<()> {
        let write = |e: std::io::Error| Error::invalid(format!("writing the output: {e}"));
        match self {
            LinksCommand::Plan => {
                let plan = links.plan().await?;
                writeln!(out, "{plan}").map_err(write)?;
                warn_missing_indexes(links, out).await?;
            }
            LinksCommand::Migrate {
                execute_safe,
                execute_all,
            } => {
                let mut plan = links.plan().await?;
                // A blocked step never runs (the apply reports it once the rest has run): it
                // is not a step to review, and a reviewed plan must not list it.
                plan.steps.retain(|s| s.blocked.is_none());
                let risky = plan.steps.iter().filter(|s| !s.kind.is_safe()).count();
                let mode = if *execute_all {
                    Apply::All
                } else if *execute_safe || risky == 0 {
                    Apply::Safe
                } else {
                    match confirm {
                        Some(confirm) => {
                            if confirm(&plan) {
                                Apply::All
                            } else {
                                Apply::Safe
                            }
                        }
                        None => {
                            return Err(Error::invalid(format!(
                                "{risky} drop or unsafe step(s) need review and no terminal can confirm them: run `links plan` to see them, then `links migrate --execute-all` to apply them or `links migrate --execute-safe` to skip them"
                            )));
                        }
                    }
                };
                // Each line as its step starts: progress for long steps.
                let mut failed_write = None;
                let ran = links
                    .apply_reporting(&plan, mode, &mut |step| {
                        let line = writeln!(out, "applying {}: {}", step.table, step.summary)
                            .and_then(|()| out.flush());
                        if let Err(e) = line {
                            failed_write.get_or_insert(e);
                        }
                    })
                    .await?;
                if let Some(e) = failed_write {
                    return Err(write(e));
                }
                if ran.steps.is_empty() {
                    writeln!(out, "link tables are up to date").map_err(write)?;
                } else {
                    writeln!(out, "applied {} step(s)", ran.steps.len()).map_err(write)?;
                }
                let skipped = plan
                    .steps
                    .iter()
                    .filter(|s| !s.kind.is_safe() && mode == Apply::Safe)
                    .count();
                if skipped > 0 {
                    writeln!(
                        out,
                        "skipped {skipped} drop or unsafe step(s); `links migrate --execute-all` applies them"
                    )
                    .map_err(write)?;
                }
            }
            LinksCommand::Check => {
                let audit = links.check(links.home()).await?;
                for link in &audit.links {
                    for side in [&link.left, &link.right] {
                        if !side.checked || side.dangling == 0 {
                            continue;
                        }
                        writeln!(
                            out,
                            "{} ({}): {} live link(s) to a missing or soft-deleted {}{}",
                            link.link,
                            link.table,
                            side.dangling,
                            side.model,
                            if side.samples.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    ", e.g. {}",
                                    side.samples
                                        .iter()
                                        .map(|(l, r)| format!("{l} → {r}"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }
                        )
                        .map_err(write)?;
                    }
                }
                warn_missing_indexes(links, out).await?;
                let dangling = audit.dangling();
                if dangling > 0 {
                    return Err(Error::invalid(format!(
                        "{dangling} dangling link(s); `links.repair(&db)` dismisses them"
                    )));
                }
                writeln!(out, "no dangling links").map_err(write)?;
            }
            LinksCommand::Graph { format } => {
                write!(out, "{}", links.diagram(*format)).map_err(write)?;
            }
        }
        Ok(())
    }
}

/// A warning per field Query looks records up by through a link without an index, with the
/// statement its module's owner would run ([`Links::missing_indexes`]).
async fn warn_missing_indexes(links: &Links, out: &mut (dyn Write + Send)) -> Result<()> {
    for missing in links.missing_indexes().await? {
        let kind = if missing.like_prefix {
            "for a `$like` prefix (a plain index serves one only under the `C` collation) "
        } else {
            ""
        };
        writeln!(
            out,
            "warning: no index {kind}begins with `{}.{}`, and Query looks {} records up by it through {}; the module's owner can add one:\n        {};",
            missing.table,
            missing.column,
            missing.model,
            missing.links.join(", "),
            missing.create_index
        )
        .map_err(|e| Error::invalid(format!("writing the output: {e}")))?;
    }
    Ok(())
}
