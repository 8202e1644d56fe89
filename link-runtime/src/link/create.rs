//! Creating and updating links: record and cardinality checks, the upsert in one transaction
//! (or one statement), events, and what a refusal is reported as.

use super::*;

impl Links {
    /// Creates the pairs of several links in one transaction (all or nothing). Returns each
    /// group's rows as read, in the order of its pairs. A deadlock victim is run again.
    pub(crate) async fn create_groups<C>(
        &self,
        conn: &C,
        mut groups: Vec<(LinkEntry, Vec<PreparedPair>)>,
        options: &CreateOptions,
        mut undo: Option<&mut Undo>,
    ) -> Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>>
    where
        C: LinkConnection,
    {
        let dialect = Dialect::of(conn);
        for (entry, pairs) in &groups {
            let spec = &entry.spec;
            if spec.read_only {
                return Err(read_only(spec));
            }
            self.ensure_schema(conn, entry).await?;
            for pair in pairs {
                check_id(spec.name, spec.left.model.name, &pair.left)?;
                check_id(spec.name, spec.right.model.name, &pair.right)?;
                check_values(dialect, spec, pair)?;
            }
        }
        groups.retain(|(_, pairs)| !pairs.is_empty());
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        // Each attempt reuses the pairs, not a copy (what an attempt changes in them, the
        // placeholders of required columns, the next works out anew).
        let mut tries = 1;
        loop {
            match self
                .create_groups_once(conn, &mut groups, options, undo.as_deref_mut())
                .await
            {
                // The undo record is written as the operation goes: one attempt only.
                Err(err) if undo.is_none() && run_again(conn, tries, &err) => tries += 1,
                outcome => return outcome,
            }
        }
    }

    pub(super) async fn create_groups_once<C>(
        &self,
        conn: &C,
        groups: &mut [(LinkEntry, Vec<PreparedPair>)],
        options: &CreateOptions,
        undo: Option<&mut Undo>,
    ) -> Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>>
    where
        C: LinkConnection,
    {
        let dialect = self.write_dialect(conn).await?;
        let inline: Vec<Vec<RecordCheck>> = groups
            .iter()
            .map(|(entry, _)| {
                if options.skip_record_check || options.update_only {
                    Vec::new()
                } else {
                    records::inline_checks(self, dialect, &entry.spec)
                }
            })
            .collect();
        // One pair whose checks the upsert makes itself is one statement, atomic on its own, so
        // it needs no transaction of ours (two round trips fewer on a network database).
        let one_statement = groups.len() == 1
            && groups[0].1.len() == 1
            && undo.is_none()
            && !options.update_only
            && (options.skip_record_check || inline[0].len() == checked_sides(&groups[0].0))
            && required_columns(&groups[0].0.spec)
                .iter()
                .all(|column| groups[0].1[0].named.iter().any(|(c, _)| c == column));
        // The events are read from the rows before the transaction commits, so a row that does
        // not decode fails the create rather than a commit that already happened.
        // Its error is `create_steps`'s own, (the link, what failed).
        #[allow(clippy::result_large_err)]
        let with_events = |written: Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>| {
            let events = written
                .iter()
                .map(|(entry, rows)| {
                    Ok(LinkEvent {
                        link: entry.spec.name,
                        kind: LinkEventKind::Attached,
                        rows: entry.table().ends_of(rows, false)?,
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map_err(|err| (written[0].0.clone(), Failure::Refused(err)))?;
            Ok((written, events))
        };
        let outcome = if one_statement && autocommits(conn) {
            // On failure nothing was written: the statement failed or wrote no row.
            self.create_steps(conn, dialect, groups, &inline, options, undo)
                .await
                .and_then(with_events)
        } else {
            let txn = crate::sql::begin_write(conn)
                .await
                .map_err(Error::database("starting the create"))?;
            let outcome = self
                .create_steps(&txn, dialect, groups, &inline, options, undo)
                .await
                .and_then(with_events);
            match outcome {
                Ok(written) => {
                    txn.commit()
                        .await
                        .map_err(Error::database("committing the create"))?;
                    Ok(written)
                }
                Err(failure) => {
                    let _ = txn.rollback().await;
                    Err(failure)
                }
            }
        };
        let (entry, failure) = match outcome {
            Ok((written, events)) => {
                self.publish(conn, events);
                return Ok(written);
            }
            Err(failed) => failed,
        };
        let spec = &entry.spec;
        let pairs = groups
            .iter()
            .find(|(e, _)| e.spec.name == spec.name)
            .map(|(_, p)| p.as_slice())
            .unwrap_or_default();
        Err(match failure {
            Failure::Refused(err) => err,
            // A clash the guarded upsert found (MariaDB).
            Failure::Conflict(entry, pairs) => {
                self.explain_clash(conn, groups, options, &entry, &pairs)
                    .await
            }
            Failure::Database(err, _) => {
                let doing = if options.update_only {
                    "updating"
                } else {
                    "creating"
                };
                if crate::sql::is_transient(&err) {
                    // Run again (on a pooled connection) by `create_groups`.
                    Error::Database {
                        context: format!("{doing} links of {}", spec.display_name()),
                        source: err,
                    }
                } else if dialect.is_unique_violation(&err) {
                    // Explained outside the failed write, which PostgreSQL has aborted.
                    self.explain_clash(conn, groups, options, &entry, pairs)
                        .await
                } else if dialect.is_not_null_violation(&err) {
                    Error::invalid(format!(
                        "link {}: a new pair needs a value for every extra column that is not nullable and has no default ({}); name it in the pair's data",
                        spec.display_name(),
                        required_columns(spec).join(", ")
                    ))
                } else {
                    Error::Database {
                        context: format!("{doing} links of {}", spec.display_name()),
                        source: err,
                    }
                }
            }
        })
    }

    /// A create refused for its link's cardinality, explained after the failed write: missing
    /// records first (as when they are checked beforehand), then the partner `pairs` clash with.
    async fn explain_clash(
        &self,
        conn: &impl ConnectionTrait,
        groups: &[(LinkEntry, Vec<PreparedPair>)],
        options: &CreateOptions,
        entry: &LinkEntry,
        pairs: &[PreparedPair],
    ) -> Error {
        if !options.skip_record_check
            && let Err((_, Failure::Refused(missing))) = self.check_all_live(conn, groups).await
        {
            return missing;
        }
        conflict::diagnose(conn, entry, pairs).await
    }

    /// The checks and writes of a create, on the transaction (or, for a single statement, the
    /// connection) it runs on. Faults come in the order callers fix them: missing records (or,
    /// for an update, missing links), then cardinality, then writes. The rows as they were feed
    /// the undo record.
    pub(super) async fn create_steps(
        &self,
        db: &impl ConnectionTrait,
        dialect: &Dialect,
        groups: &mut [(LinkEntry, Vec<PreparedPair>)],
        inline: &[Vec<RecordCheck>],
        options: &CreateOptions,
        mut undo: Option<&mut Undo>,
    ) -> std::result::Result<Vec<(LinkEntry, Vec<sea_orm::QueryResult>)>, (LinkEntry, Failure)>
    {
        let refused = |entry: &LinkEntry, err| (entry.clone(), Failure::Refused(err));
        // Faults of a batch are reported against its first link.
        let first = groups[0].0.clone();
        if options.update_only || undo.is_some() {
            let mut not_linked = Vec::new();
            for (entry, pairs) in groups.iter() {
                let before = rows::read_pairs_locking(db, entry, pairs, true)
                    .await
                    .map_err(|err| refused(entry, err))?;
                if options.update_only {
                    let missing =
                        undo::not_live(entry, pairs, &before).map_err(|err| refused(entry, err))?;
                    not_linked.push((entry.spec, missing));
                }
                if let Some(undo) = undo.as_deref_mut() {
                    undo.record(entry, pairs, &before)
                        .map_err(|err| refused(entry, err))?;
                }
            }
            if let Some(err) = undo::not_linked(&not_linked) {
                return Err(refused(&first, err));
            }
        }
        if !options.skip_record_check
            && !options.update_only
            && let Err(err) = records::check_live(self, db, groups, inline).await
        {
            // The sides the upsert checks were skipped: name their missing records too.
            if matches!(err, Error::NotFound { .. }) && inline.iter().any(|c| !c.is_empty()) {
                self.check_all_live(db, groups).await?;
            }
            return Err(refused(&first, err));
        }
        if let Some((entry, err)) = groups.iter().find_map(|(entry, pairs)| {
            conflict::check_batch(&entry.spec, pairs, dialect.key_columns_pad())
                .err()
                .map(|err| (entry, err))
        }) {
            // Missing records that only the upsert would have caught are still reported first.
            if inline.iter().any(|checks| !checks.is_empty()) {
                self.check_all_live(db, groups).await?;
            }
            return Err(refused(entry, err));
        }
        let mut written = Vec::with_capacity(groups.len());
        for index in 0..groups.len() {
            let (entry, pairs) = &mut groups[index];
            let entry = entry.clone();
            let all_exist = options.update_only;
            match self
                .create_in(db, dialect, &entry, pairs, &inline[index], all_exist)
                .await
            {
                Ok(rows) => written.push((entry, rows)),
                Err(Failure::Refused(Error::NotFound { message, .. })) => {
                    // Records the upsert found missing: name every missing one of the call
                    // (else one was deleted while the link was written).
                    self.check_all_live(db, groups).await?;
                    return Err(refused(
                        &entry,
                        Error::NotFound {
                            records: Default::default(),
                            pairs: Default::default(),
                            message,
                        },
                    ));
                }
                Err(failure) => return Err((entry, failure)),
            }
        }
        Ok(written)
    }

    /// Both records of every pair of every group, checked beforehand (for the order of faults
    /// when something else failed first).
    pub(super) async fn check_all_live(
        &self,
        db: &impl ConnectionTrait,
        groups: &[(LinkEntry, Vec<PreparedPair>)],
    ) -> std::result::Result<(), (LinkEntry, Failure)> {
        records::check_live(self, db, groups, &[])
            .await
            .map_err(|err| (groups[0].0.clone(), Failure::Refused(err)))
    }

    /// The writes of one link inside the create's transaction (whose record checks ran first, or
    /// run in the upsert, so a record deleted meanwhile is seen): required columns, the upsert,
    /// the rows in the order of the pairs.
    pub(super) async fn create_in(
        &self,
        txn: &impl ConnectionTrait,
        dialect: &Dialect,
        entry: &LinkEntry,
        prepared: &mut [PreparedPair],
        inline: &[RecordCheck],
        all_exist: bool,
    ) -> std::result::Result<Vec<sea_orm::QueryResult>, Failure> {
        // MySQL's upsert fires on any unique index, so unguarded it may only update rows known
        // to exist (see `write::upsert`): find them first (an update has found them live
        // already). Without a lock: rows are never removed, and a locking read of absent rows
        // takes gap locks that deadlock concurrent inserts; a pair inserted meanwhile makes ours
        // fail on its primary key, and the create runs again.
        let existing = if !dialect.upsert_on_any_unique || dialect.upsert_guarded() {
            None
        } else if all_exist {
            Some(
                prepared
                    .iter()
                    .map(|p| (p.left.clone(), p.right.clone()))
                    .collect(),
            )
        } else {
            Some(rows::existing_pairs(txn, entry, prepared, false).await?)
        };
        fill_required_columns(txn, entry, prepared, existing.as_ref()).await?;
        let returned = write::upsert(
            txn,
            dialect,
            entry,
            prepared,
            inline,
            next_stamp(),
            existing.as_ref(),
        )
        .await
        .map_err(|err| Failure::Database(err, "writing link rows".into()))?;
        let Some(returned) = returned else {
            return Ok(rows::read_pairs(txn, entry, prepared).await?);
        };
        let count = returned.len();
        let rows = rows::in_order_of(entry, prepared, returned)?;
        if rows.len() < count {
            // Another pair's row came back, unchanged: the guarded upsert clashed with it.
            return Err(Failure::Conflict(
                Box::new(entry.clone()),
                prepared.to_vec(),
            ));
        }
        if rows.len() < prepared.len() {
            // The upsert skipped pairs whose records are missing; the caller names them.
            return Err(Failure::Refused(Error::NotFound {
                records: Default::default(),
                pairs: Default::default(),
                message: format!(
                    "link {}: a record was deleted while the link was written; retry",
                    entry.spec.display_name()
                ),
            }));
        }
        Ok(rows)
    }
}

/// Pairs that do not name every required extra column (NOT NULL, no default) must already exist:
/// a new row would have no value. Existing ones get insert-only placeholders, which the upsert's
/// update half never assigns, so their stored values stay. The rows are locked while we write.
pub(super) async fn fill_required_columns(
    txn: &impl ConnectionTrait,
    entry: &crate::registry::LinkEntry,
    pairs: &mut [PreparedPair],
    existing: Option<&HashSet<(String, String)>>,
) -> Result<()> {
    let spec = &entry.spec;
    // Worked out anew on each attempt of a create.
    for pair in pairs.iter_mut() {
        pair.insert_only.clear();
    }
    let required = required_columns(spec);
    let lacks = |pair: &PreparedPair| {
        required
            .iter()
            .any(|column| !pair.named.iter().any(|(c, _)| c == column))
    };
    let lacking: Vec<PreparedPair> = pairs.iter().filter(|p| lacks(p)).cloned().collect();
    if lacking.is_empty() {
        return Ok(());
    }
    let read;
    let existing = match existing {
        Some(existing) => existing,
        None => {
            read = rows::existing_pairs(txn, entry, &lacking, true).await?;
            &read
        }
    };
    let new: Vec<String> = lacking
        .iter()
        .filter(|p| !existing.contains(&(p.left.clone(), p.right.clone())))
        .map(|p| format!("{} → {}", p.left, p.right))
        .collect();
    if !new.is_empty() {
        return Err(Error::invalid(format!(
            "link {}: a new pair needs a value for every extra column that is not nullable and has no default ({}); name it in the data of {}",
            spec.display_name(),
            required.join(", "),
            new.join(", ")
        )));
    }
    for pair in pairs.iter_mut().filter(|p| lacks(p)) {
        for column in spec
            .extra_columns
            .iter()
            .filter(|c| required.contains(&c.name))
        {
            if !pair.named.iter().any(|(c, _)| *c == column.name) {
                pair.insert_only
                    .push((column.name, crate::sql::placeholder(column.ty)));
            }
        }
    }
    Ok(())
}

/// Refuses, on every backend, a text or JSON value holding a NUL byte (PostgreSQL's `text` and
/// `jsonb` cannot store one; the others would, so data would not move between backends), and a
/// text value longer than its column holds (see [`Dialect::text_capacity`]).
fn check_values(
    dialect: &Dialect,
    spec: &crate::definition::LinkSpec,
    pair: &PreparedPair,
) -> Result<()> {
    for (name, value) in &pair.named {
        let nul = match value {
            sea_orm::Value::String(Some(text)) => text.contains('\0'),
            sea_orm::Value::Json(Some(json)) => crate::input::json_holds_nul(json),
            _ => false,
        };
        if nul {
            return Err(Error::invalid(format!(
                "link {}: the value of extra column {name} for {} → {} holds a NUL byte, which PostgreSQL cannot store; remove it",
                spec.display_name(),
                crate::input::shown(&pair.left),
                crate::input::shown(&pair.right),
            )));
        }
    }
    for (name, value) in &pair.named {
        let (Some(column), sea_orm::Value::String(Some(text))) =
            (spec.extra_columns.iter().find(|c| c.name == *name), value)
        else {
            continue;
        };
        if let Some(capacity) = dialect.text_capacity(column.ty)
            && text.len() > capacity
        {
            return Err(Error::invalid(format!(
                "link {}: extra column {name} holds at most {capacity} bytes on this database (a `text` column), and the value for {} → {} has {}; shorten it",
                spec.display_name(),
                pair.left,
                pair.right,
                text.len()
            )));
        }
    }
    Ok(())
}

/// How many records of a pair a create checks: those of models with a table of ours.
pub(super) fn checked_sides(entry: &LinkEntry) -> usize {
    [&entry.spec.left.model, &entry.spec.right.model]
        .iter()
        .filter(|model| model.table.is_some())
        .count()
}

/// Whether each statement on `conn` commits on its own: a pooled `DatabaseConnection`, not a
/// caller's transaction, where a failed statement would abort the caller's work on PostgreSQL
/// (our own savepoint otherwise contains it).
pub(super) fn autocommits<C: LinkConnection>(conn: &C) -> bool {
    matches!(conn.commits(), crate::events::Commits::Itself)
}

pub(super) fn required_columns(spec: &crate::definition::LinkSpec) -> Vec<&'static str> {
    spec.extra_columns
        .iter()
        .filter(|c| !c.nullable && c.default.is_none())
        .map(|c| c.name)
        .collect()
}
