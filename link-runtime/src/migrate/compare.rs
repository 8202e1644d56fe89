//! Comparing one link table with its declaration: what it lacks or has wrong (columns, types,
//! the indexes that enforce cardinality), as the statements that fix it, and what the rows
//! already there would refuse.

use sea_orm::ConnectionTrait;

use super::plan::{Step, StepKind};
use crate::definition::LinkSpec;
use crate::error::{Error, Result};
use crate::registry::LinkEntry;
use crate::sql::catalogue::{self, LiveTable};
use crate::sql::ddl;
use crate::sql::migration::MigrationSql;

/// Who else uses a table this application declares.
#[derive(Debug)]
pub(super) struct Shared {
    /// In words: "a Medusa backend (…) and application `blog`".
    pub(super) who: String,
    /// Whether a Medusa backend is among them: its planner drops the columns it does not
    /// declare (applications of this library leave them).
    pub(super) medusa: bool,
}

/// The columns every link table has besides its two keys and its extra columns.
const STANDARD: [&str; 4] = ["id", "created_at", "updated_at", "deleted_at"];

/// Rows of `table` (live ones only when `live`).
pub(super) async fn count<C: ConnectionTrait>(conn: &C, table: &str, live: bool) -> Result<u64> {
    let row = conn
        .query_one(&MigrationSql::count_rows(table, live))
        .await
        .map_err(Error::database(format!("counting the rows of `{table}`")))?;
    let what = format!("the row count of `{table}`");
    Ok(row
        .map(|row| crate::error::column::<i64>(&row, "n", &what))
        .transpose()?
        .unwrap_or_default()
        .unsigned_abs())
}

/// The columns every read of a link row decodes that `live` could not give it, in words: a
/// key or `id` column that is not text, a time column that does not read as a date-time, or
/// rows without a value in one of them (a table made by hand or by another tool). An adopted
/// table like that would migrate, then fail every read.
async fn unreadable<C: ConnectionTrait>(
    conn: &C,
    live: &LiveTable,
    current_name: &str,
    keys: [&str; 2],
    statements: MigrationSql,
) -> Result<Vec<String>> {
    let mut wrong = Vec::new();
    for name in keys.into_iter().chain(["id"]) {
        if let Some(found) = live.columns.get(name)
            && !statements.reads_as_text(&found.ty)
        {
            wrong.push(format!("`{name}` is `{}`", found.ty));
        }
    }
    for name in ["created_at", "updated_at", "deleted_at"] {
        if let Some(found) = live.columns.get(name)
            && !statements.reads_as_timestamp(&found.ty)
        {
            wrong.push(format!("`{name}` is `{}`", found.ty));
        }
    }
    // Nullable columns are counted, all in one scan, only then: only in such a table.
    let nullable: Vec<&str> = keys
        .into_iter()
        .chain(["id", "created_at", "updated_at"])
        .filter(|name| live.columns.get(*name).is_some_and(|c| c.nullable))
        .collect();
    if nullable.is_empty() {
        return Ok(wrong);
    }
    let row = conn
        .query_one(&MigrationSql::count_nulls(current_name, &nullable))
        .await
        .map_err(Error::database(format!(
            "checking the rows of `{current_name}`"
        )))?;
    for (i, name) in nullable.iter().enumerate() {
        let nulls = row
            .as_ref()
            .map(|row| crate::error::column::<i64>(row, &format!("n{i}"), "a count of NULLs"))
            .transpose()?
            .unwrap_or_default();
        if nulls > 0 {
            wrong.push(format!("{nulls} row(s) have no `{name}`"));
        }
    }
    Ok(wrong)
}

/// Up to ten keys of `table` with more than one live row: what a unique index on `key` over
/// live rows would refuse.
async fn duplicated_keys<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    key: &str,
) -> Result<Vec<String>> {
    let rows = conn
        .query_all(&MigrationSql::duplicated_keys(table, key))
        .await
        .map_err(Error::database(format!("checking the rows of `{table}`")))?;
    rows.iter()
        .map(|row| crate::error::column::<String>(row, "k", &format!("the rows of `{table}`")))
        .collect()
}

/// What the table `live` lacks or has wrong against the declaration of `entry`: safe
/// statements, and one unsafe step per risky change. Statements name the declared table name
/// (a rename runs first); `current_name` is where the table is now.
pub(super) async fn diff<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
    live: &LiveTable,
    current_name: &str,
    shared: Option<&Shared>,
) -> Result<(Vec<String>, Vec<Step>)> {
    let statements = MigrationSql::of(conn);
    let spec = &entry.spec;
    let table = entry.names.table.as_str();
    let link = spec.display_name();
    let mut safe = Vec::new();
    let mut risky = Vec::new();
    let mut unsafe_step = |summary: String, sql: Vec<String>, blocked: Option<String>| {
        risky.push(Step {
            table: table.to_string(),
            kind: StepKind::Unsafe,
            summary,
            sql,
            blocked,
        });
    };
    // A table without a link table's own columns is not one this declaration can use: nothing
    // else is planned for it.
    let core = [spec.left.column, spec.right.column]
        .into_iter()
        .chain(STANDARD);
    let lacking: Vec<&str> = core
        .filter(|name| !live.columns.is_empty() && !live.columns.contains_key(*name))
        .collect();
    if !lacking.is_empty() {
        unsafe_step(
            format!(
                "link {link}: `{table}` has no column {}",
                lacking
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Vec::new(),
            Some(format!(
                "every link table has its two key columns and `id`, `created_at`, `updated_at`, `deleted_at`; `{table}` is not a link table of this link: give link {link} another `table = \"…\"`"
            )),
        );
        return Ok((Vec::new(), risky));
    }
    let keys = [spec.left.column, spec.right.column];
    let unreadable = unreadable(conn, live, current_name, keys, statements).await?;
    if !unreadable.is_empty() {
        unsafe_step(
            format!(
                "link {link}: `{table}` has columns its rows cannot be read with: {}",
                unreadable.join(", ")
            ),
            Vec::new(),
            Some(format!(
                "a link table's key columns and `id` are text NOT NULL, `created_at` and `updated_at` are {ty} NOT NULL, and `deleted_at` is {ty}: alter those columns of `{current_name}` by hand, filling the rows that lack a value (on SQLite, which cannot alter a column, make the table anew and copy its rows), then migrate again",
                ty = statements.timestamp_type()
            )),
        );
        return Ok((Vec::new(), risky));
    }
    // Rows matter only to a new NOT NULL column without a default: count them only then, not
    // on every plan (a full scan of a large link table at each start).
    let required_missing = spec
        .extra_columns
        .iter()
        .any(|c| !c.nullable && c.default.is_none() && !live.columns.contains_key(c.name));
    let rows = if required_missing && !live.columns.is_empty() {
        count(conn, current_name, false).await?
    } else {
        0
    };

    for column in spec.extra_columns {
        let add = statements.add_column(table, column);
        match live.columns.get(column.name) {
            // The others' migrations would see a column they do not declare, and drop it.
            None if let Some(medusa_too) = shared.filter(|s| s.medusa) => unsafe_step(
                format!("link {link}: new extra column `{}`", column.name),
                vec![add],
                Some(format!(
                    "`{table}` is shared with {}, whose migrations drop a column its link does not declare: declare `{}` in the link's `extraColumns` there too, or remove it from `extra_columns`",
                    medusa_too.who, column.name
                )),
            ),
            None if column.nullable || column.default.is_some() => safe.push(add),
            // The others' creates would have no value for it.
            None if let Some(shared) = shared => unsafe_step(
                format!(
                    "link {link}: new extra column `{}` is NOT NULL without a default",
                    column.name
                ),
                vec![add],
                Some(format!(
                    "`{table}` is shared with {}, whose writes would have no value for it: give `{}` a default in `extra_columns` (`{}: T = …`) or make it `Option<T>`",
                    shared.who, column.name, column.name
                )),
            ),
            None if rows == 0 && statements.adds_required_column_to_empty_table() => safe.push(add),
            None => unsafe_step(
                format!(
                    "link {link}: new extra column `{}` is NOT NULL without a default",
                    column.name
                ),
                vec![add],
                Some(format!(
                    "`{table}` {}: give `{}` a default in `extra_columns` (`{}: T = …`) or make it `Option<T>`",
                    if rows > 0 {
                        format!("has {rows} row(s), which would have no value for it")
                    } else {
                        String::from(
                            "is on SQLite, which cannot add a NOT NULL column without a default",
                        )
                    },
                    column.name,
                    column.name
                )),
            ),
            Some(found) if !statements.is_declared_type(column.ty, &found.ty) => {
                let ty = statements.column_type(column.ty);
                let sql = statements.change_column_type(table, column);
                let in_place = statements.changes_type_in_place();
                let loss = if in_place {
                    "values that do not convert make it fail"
                } else {
                    "SQLite cannot change a column's type: the column is dropped and added again, losing its values"
                };
                let blocked = match shared {
                    Some(shared) => Some(format!(
                        "`{table}` is shared with {}, whose declaration the column's type follows: declare `{}` with a Rust type for `{}`",
                        shared.who, column.name, found.ty
                    )),
                    // SQLite drops and adds the column again, which it cannot do for a NOT
                    // NULL column without a default.
                    None if !in_place && !column.nullable && column.default.is_none() => {
                        Some(format!(
                            "SQLite cannot change the type of `{}` in place, and cannot add it again as NOT NULL without a default: give it a default in `extra_columns` or make it `Option<T>`",
                            column.name
                        ))
                    }
                    None => None,
                };
                unsafe_step(
                    format!(
                        "link {link}: extra column `{}` is {} in the table but declared {ty}; {loss}",
                        column.name, found.ty
                    ),
                    sql,
                    blocked,
                );
            }
            Some(_) => {}
        }
    }

    let (left, right) = (spec.left.column, spec.right.column);
    for name in live.columns.keys() {
        let declared = name == left
            || name == right
            || STANDARD.contains(&name.as_str())
            || spec.extra_column(name).is_some()
            || statements.is_live_column(name);
        // A column of a shared table is someone else's when this application does not declare
        // it: not this application's to drop.
        if !declared && shared.is_none() {
            unsafe_step(
                format!(
                    "link {link}: column `{name}` is no longer declared; dropping it loses its values"
                ),
                vec![statements.drop_column(table, name)],
                None,
            );
        }
    }

    for index in statements.indexes(spec, &entry.names) {
        if live.indexes.contains(&index.name) {
            continue;
        }
        let Some(key) = index.unique_key else {
            safe.push(index.sql);
            continue;
        };
        let mut sql = Vec::new();
        let live_column = ddl::live_column(key);
        if statements.has_live_columns() && !live.columns.contains_key(&live_column) {
            sql.push(statements.add_live_column(table, key));
        }
        sql.push(index.sql);
        let duplicated = if live.columns.is_empty() {
            Vec::new()
        } else {
            duplicated_keys(conn, current_name, key).await?
        };
        if duplicated.is_empty() {
            safe.extend(sql);
        } else {
            let (one, other) = one_and_other(spec, key);
            unsafe_step(
                format!(
                    "link {link}: the unique index that enforces its cardinality (one live {other} per {one})"
                ),
                sql,
                Some(broken_index_fix(spec, key, &duplicated)),
            );
        }
    }
    // A cardinality relaxed (a side now `is_list`): the unique index the declaration no longer
    // wants would keep refusing what it allows. Dropping it loses nothing.
    let wanted = ddl::unique_keys(spec);
    for key in [left, right] {
        let name = entry.names.live_unique_index(key);
        if !live.indexes.contains(&name) || wanted.contains(&key) {
            continue;
        }
        let drop = statements.drop_index(&name, table);
        match shared {
            None => safe.push(drop),
            // Another user of the table may declare the stricter cardinality.
            Some(shared) => unsafe_step(
                format!("link {link}: the unique index `{name}` its declaration relaxed"),
                vec![drop],
                Some(format!(
                    "`{table}` is shared with {}, whose declaration may rely on it: declare the same cardinality as they do, or drop the index by hand once nobody relies on it",
                    shared.who
                )),
            ),
        }
    }
    Ok((safe, risky))
}

/// The side a unique index on `key` allows one live partner per, then that partner's side.
fn one_and_other(spec: &LinkSpec, key: &str) -> (&'static str, &'static str) {
    if key == spec.left.column {
        (spec.left.model.name, spec.right.model.name)
    } else {
        (spec.right.model.name, spec.left.model.name)
    }
}

/// What to do about the live rows (`duplicated`, their `key`s) that break a unique index on
/// `key`.
fn broken_index_fix(spec: &LinkSpec, key: &str, duplicated: &[String]) -> String {
    let (one, other) = one_and_other(spec, key);
    format!(
        "existing live rows break it: {one} {} have several live {other} partners; dismiss the extra links, then migrate again",
        duplicated.join(", ")
    )
}

/// The error of a step whose unique index the database refused to create: rows written after
/// the plan found none (another instance still writing through an older declaration). Names
/// them as the plan would have, read on `home` (the migration's own transaction has failed).
pub(super) async fn broken_by_rows<C: ConnectionTrait>(
    home: &C,
    entry: Option<&LinkEntry>,
    step: &Step,
    err: &sea_orm::DbErr,
) -> Error {
    let mut fixes = Vec::new();
    if let Some(entry) = entry {
        for key in ddl::unique_keys(&entry.spec) {
            let duplicated = duplicated_keys(home, &step.table, key)
                .await
                .unwrap_or_default();
            if !duplicated.is_empty() {
                fixes.push(broken_index_fix(&entry.spec, key, &duplicated));
            }
        }
    }
    if fixes.is_empty() {
        fixes.push(String::from(
            "dismiss the extra links (`links.plan()` names them), then migrate again",
        ));
    }
    Error::Schema {
        message: format!(
            "`{}`: {}: rows written while the migration ran break the unique index it adds, which was not created ({err}); the migration stopped there (on PostgreSQL and SQLite nothing of it is applied; on MySQL/MariaDB the statements before it stay); {}",
            step.table,
            step.summary,
            fixes.join("; ")
        ),
    }
}

/// What the table of `entry` lacks (or has too much) for writes through the link to do what
/// its declaration says: a column, a unique index over live rows that enforces its cardinality,
/// or such an index it no longer wants; in words, or `None` when it matches.
pub(crate) async fn mismatch<C: ConnectionTrait>(
    conn: &C,
    entry: &LinkEntry,
) -> Result<Option<String>> {
    let spec = &entry.spec;
    let table = entry.names.table.as_str();
    let Some(live) = catalogue::table(conn, table).await? else {
        return Ok(Some(format!("its table `{table}` does not exist")));
    };
    let mut wrong = Vec::new();
    let columns = [spec.left.column, spec.right.column]
        .into_iter()
        .chain(STANDARD)
        .chain(spec.extra_columns.iter().map(|c| c.name));
    for column in columns {
        if !live.columns.contains_key(column) {
            wrong.push(format!("lacks the column `{column}`"));
        }
    }
    let wanted = ddl::unique_keys(spec);
    for key in [spec.left.column, spec.right.column] {
        let present = live.indexes.contains(&entry.names.live_unique_index(key));
        let one = |key: &str| {
            if key == spec.left.column {
                (spec.left.model.name, spec.right.model.name)
            } else {
                (spec.right.model.name, spec.left.model.name)
            }
        };
        let (one, other) = one(key);
        match (wanted.contains(&key), present) {
            (true, false) => wrong.push(format!(
                "lacks the unique index that enforces one live {other} per {one}"
            )),
            (false, true) => wrong.push(format!(
                "still has a unique index allowing one live {other} per {one}, which the declaration relaxed"
            )),
            _ => {}
        }
    }
    Ok((!wrong.is_empty()).then(|| format!("its table `{table}` {}", wrong.join(", "))))
}
