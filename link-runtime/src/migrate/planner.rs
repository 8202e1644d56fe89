//! Comparing the declared links with what the database holds (tables, who owns them, Medusa's
//! tracking rows) and writing the steps that close the gap, as Medusa's
//! `MigrationsExecutionPlanner` does, but with unsafe changes told apart and checked against
//! the rows already there, and never a step that destroys a table this application does not
//! own.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use super::compare::{Shared, count, diff};
use super::ownership::{self, Claims, Origin};
use super::plan::{Plan, Step, StepKind};
use super::tracking::Descriptor;
use crate::error::Result;
use crate::naming::simple_hash;
use crate::registry::{LinkEntry, Links};
use crate::sql::catalogue;
use crate::sql::migration::MigrationSql;

/// Plans the link tables of `links` on `conn`.
pub(crate) async fn plan<C: ConnectionTrait>(links: &Links, conn: &C) -> Result<Plan> {
    catalogue::check_server(conn).await?;
    Ok(plan_seeing(links, conn).await?.0)
}

/// [`plan`], with the tables the database held when it was made.
pub(crate) async fn plan_seeing<C: ConnectionTrait>(
    links: &Links,
    conn: &C,
) -> Result<(Plan, BTreeSet<String>)> {
    let statements = MigrationSql::of(conn);
    let existing = catalogue::tables(conn).await?;
    let claims = Claims::read(conn, &existing, links.application()).await?;
    let application = claims.application.as_str();
    let declared: Vec<&LinkEntry> = links.stored_entries().collect();
    let declared_tables: BTreeSet<&str> = declared.iter().map(|e| e.names.table.as_str()).collect();
    let step = |table: &str, kind: StepKind, summary: String, sql: Vec<String>| Step {
        table: table.to_string(),
        kind,
        summary,
        sql,
        blocked: None,
    };

    let mut steps = Vec::new();
    let mut renamed: BTreeSet<String> = BTreeSet::new();
    for entry in &declared {
        let table = entry.names.table.as_str();
        let link = entry.spec.display_name();
        let descriptor = Descriptor::of(&entry.spec);
        let shared = claims.others(table).map(|who| Shared {
            who,
            medusa: claims.tracked_by_medusa(table),
        });
        if let Some(live) = catalogue::table(conn, table).await? {
            if let Some(other) = claims.other_link(table, &descriptor) {
                steps.push(Step {
                    blocked: Some(format!(
                        "give link {link} a table of its own with `table = \"…\"`"
                    )),
                    ..step(
                        table,
                        StepKind::Adopt,
                        format!("link {link}: its table `{table}` exists, but {other}"),
                        Vec::new(),
                    )
                });
                continue;
            }
            let (safe, unsafe_steps) = diff(conn, entry, &live, table, shared.as_ref()).await?;
            // Adopting the table under the declared name would leave the rows the link has in
            // another table (its old name) behind: the step waits for a decision.
            if claims.ours(table).is_none()
                && let Some(holder) = holder(
                    &claims,
                    &declared_tables,
                    &existing,
                    &descriptor,
                    table,
                    true,
                )
            {
                steps.push(Step {
                    blocked: Some(holder_fix(&claims, holder, table)),
                    ..step(
                        table,
                        StepKind::Adopt,
                        format!(
                            "link {link}: its table `{table}` exists, but the link's rows are in `{holder}`"
                        ),
                        Vec::new(),
                    )
                });
                // What else keeps the table from serving the link, but nothing to run on it.
                steps.extend(unsafe_steps.into_iter().filter(|s| s.blocked.is_some()));
                continue;
            }
            if claims.ours(table).is_none() {
                let claim = ownership::claim_sql(
                    statements,
                    table,
                    application,
                    Origin::Adopted,
                    &descriptor,
                );
                let changes = safe.len();
                let whose = shared.as_ref().map_or_else(
                    || String::from("made by hand or by another tool"),
                    |shared| format!("used by {}, which keeps it", shared.who),
                );
                let adds = if changes == 0 {
                    String::new()
                } else {
                    format!(", and add what the declaration needs ({changes} statement(s))")
                };
                let sql = std::iter::once(claim).chain(safe).collect();
                steps.push(step(
                    table,
                    StepKind::Adopt,
                    format!(
                        "link {link}: the table exists ({whose}); adopt it, keeping its rows{adds}"
                    ),
                    sql,
                ));
            } else if safe.is_empty() {
                steps.push(step(
                    table,
                    StepKind::Noop,
                    format!("link {link}"),
                    Vec::new(),
                ));
            } else {
                steps.push(step(
                    table,
                    StepKind::Update,
                    format!("link {link}: add what the declaration has and the table lacks"),
                    safe,
                ));
            }
            steps.extend(unsafe_steps);
            continue;
        }

        // Someone else's record of this name for another link (its table gone): a table made
        // under it would be taken for theirs.
        if let Some(who) = claims.other_link(table, &descriptor) {
            steps.push(Step {
                blocked: Some(format!(
                    "`{table}` is missing, but {who}: give link {link} another `table = \"…\"`, or remove that record if the table is gone for good"
                )),
                ..step(
                    table,
                    StepKind::Create,
                    format!("link {link}: create its table"),
                    Vec::new(),
                )
            });
            continue;
        }

        // The same link under its old name: a table this application created for it, no longer
        // declared and used by nobody else.
        let old = claims.owners.iter().find(|o| {
            o.application == application
                && !declared_tables.contains(o.table.as_str())
                && !renamed.contains(&o.table)
                && existing.contains(&o.table)
                && claims.may_destroy(&o.table)
                && o.descriptor
                    .as_ref()
                    .is_some_and(|d| d.matches(&descriptor))
        });
        if let Some(old) = old.map(|o| o.table.clone()) {
            let live = catalogue::table(conn, &old).await?.unwrap_or_default();
            let (safe, unsafe_steps) = diff(conn, entry, &live, &old, None).await?;
            let mut sql = vec![
                statements.rename_table(&old, table),
                statements.move_owner(&old, table, application),
            ];
            // Index names carry a hash of the table name: every old one goes (a unique index
            // the new declaration relaxed too), and the safe steps make the ones it wants
            // under the new names.
            let old_hash = format!("_{}", simple_hash(&old));
            sql.extend(
                live.indexes
                    .iter()
                    .filter(|name| name.ends_with(&old_hash))
                    .map(|name| statements.drop_index(name, table)),
            );
            // A primary key named after the table (PostgreSQL's, schema-wide) takes the new name.
            sql.extend(statements.rename_primary_key(&old, table, &live.indexes));
            sql.extend(safe);
            steps.push(step(
                table,
                StepKind::Rename,
                format!("link {link}: its table was `{old}`; rename it, keeping its rows"),
                sql,
            ));
            steps.extend(unsafe_steps);
            renamed.insert(old);
            continue;
        }

        // A table that holds this link's rows but is not this application's to rename: a new
        // empty table beside it would split the link's data, so the step waits for a decision.
        let elsewhere = holder(
            &claims,
            &declared_tables,
            &existing,
            &descriptor,
            table,
            false,
        );
        let mut sql = vec![ownership::claim_sql(
            statements,
            table,
            application,
            Origin::Created,
            &descriptor,
        )];
        sql.extend(statements.create_link_table(&entry.spec, &entry.names));
        let blocked = elsewhere.map(|holder| holder_fix(&claims, holder, table));
        steps.push(Step {
            blocked,
            ..step(
                table,
                StepKind::Create,
                format!("link {link}: create its table"),
                sql,
            )
        });
    }

    for (table, descriptor) in claims.tables() {
        if declared_tables.contains(table) || renamed.contains(table) {
            continue;
        }
        let what = descriptor.map_or_else(
            || String::from("a link"),
            |d| format!("the link {}", d.describe()),
        );
        let gone = !existing.contains(table);
        let others = claims.others(table);
        let release = |why: String| {
            step(
                table,
                StepKind::Release,
                format!(
                    "{what} is no longer declared here and {why}: forget this application's record of it"
                ),
                vec![statements.release_owner(table, application)],
            )
        };
        // A declared link whose new table waits (blocked) because this one holds its rows.
        let waited_for =
            descriptor.is_some_and(|d| declared.iter().any(|e| Descriptor::of(&e.spec).matches(d)));
        let left_alone = |why: String| {
            step(
                table,
                StepKind::Foreign,
                format!("{what}, not declared here: {why}; left alone"),
                Vec::new(),
            )
        };
        match claims.ours(table) {
            Some(_) if gone => steps.push(release(String::from("its table is already gone"))),
            Some(_) if waited_for => steps.push(left_alone(String::from(
                "it holds the rows of a link declared under another table name, which waits for a decision (see that step)",
            ))),
            Some(_) if claims.may_destroy(table) => {
                let rows = count(conn, table, false).await?;
                steps.push(step(
                    table,
                    StepKind::Drop,
                    format!(
                        "{what} is no longer declared and application `{application}` created its table: drop it; its {rows} row(s) are lost"
                    ),
                    vec![
                        statements.drop_table(table),
                        statements.release_owner(table, application),
                    ],
                ));
            }
            // An unnamed application's record may be another unnamed application's too.
            Some(_) if !claims.named => steps.push(left_alone(format!(
                "this application has no name (`.application(…)`), so it cannot tell its record of this table from another unnamed application's; it keeps it (drop the table by hand, and its row in `{}`, once nothing uses it)",
                ownership::TABLE
            ))),
            Some(_) => {
                let why = match &others {
                    Some(who) => format!("{who} uses it; the table stays"),
                    None => String::from(
                        "this application adopted it rather than created it; the table stays (drop it by hand once nothing uses it)",
                    ),
                };
                steps.push(release(why));
            }
            None => steps.push(left_alone(others.map_or_else(
                || String::from("not this application's"),
                |who| format!("used by {who}"),
            ))),
        }
    }
    Ok((
        Plan {
            backend: statements.backend(),
            steps,
        },
        existing,
    ))
}

/// Another existing table, not declared here, that holds the rows of the link `descriptor`
/// names, while `table` is declared for it: its old name, or the name another user of the
/// database gave it. A table this application may rename counts only when `renamable` (the
/// planner renames it otherwise).
fn holder<'c>(
    claims: &'c Claims,
    declared: &BTreeSet<&str>,
    existing: &BTreeSet<String>,
    descriptor: &Descriptor,
    table: &str,
    renamable: bool,
) -> Option<&'c str> {
    claims
        .tables()
        .into_iter()
        .find(|(t, d)| {
            *t != table
                && !declared.contains(t)
                && existing.contains(*t)
                && (renamable || !claims.may_destroy(t))
                && d.is_some_and(|d| d.matches(descriptor))
        })
        .map(|(t, _)| t)
}

/// What to do about `holder`, which keeps a link's rows while `table` is declared for it: a
/// table someone else keeps is not this application's to drop.
fn holder_fix(claims: &Claims, holder: &str, table: &str) -> String {
    match claims.others(holder) {
        Some(who) => format!(
            "`{holder}` holds this link's rows, kept by {who}: declare `table = \"{holder}\"` to use it, or agree with them to move its rows into `{table}`, then migrate again"
        ),
        None if claims.may_destroy(holder) => format!(
            "`{holder}` holds this link's rows (this application created it for the link): declare `table = \"{holder}\"` to keep using it, or move its rows into `{table}` by hand and drop it, then migrate again"
        ),
        None => format!(
            "`{holder}` holds this link's rows, and this application may not rename it (it did not create it, or has no name): declare `table = \"{holder}\"` to use it, or move its rows into `{table}` by hand, then migrate again"
        ),
    }
}
