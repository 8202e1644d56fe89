//! Dismissing links: the live rows of the pairs soft-deleted in one transaction, their undo
//! record and events.

use super::*;

impl Links {
    /// Dismisses the pairs of several links in one transaction (all or nothing). Returns how many
    /// rows each group dismissed. A deadlock victim is run again.
    pub(crate) async fn dismiss_groups<C>(
        &self,
        conn: &C,
        groups: Vec<(LinkEntry, Vec<PreparedPair>)>,
        undo: Option<&mut Undo>,
    ) -> Result<Vec<u64>>
    where
        C: LinkConnection,
    {
        if undo.is_some() {
            return self.dismiss_groups_once(conn, &groups, undo).await;
        }
        retrying(conn, || self.dismiss_groups_once(conn, &groups, None)).await
    }

    pub(super) async fn dismiss_groups_once<C>(
        &self,
        conn: &C,
        groups: &[(LinkEntry, Vec<PreparedPair>)],
        mut undo: Option<&mut Undo>,
    ) -> Result<Vec<u64>>
    where
        C: LinkConnection,
    {
        if groups.iter().all(|(_, pairs)| pairs.is_empty()) {
            return Ok(vec![0; groups.len()]);
        }
        if let Some((entry, _)) = groups.iter().find(|(e, _)| e.spec.read_only) {
            return Err(read_only(&entry.spec));
        }
        let stamp = next_stamp();
        let subscribed = self.has_subscribers();
        if let [(entry, pairs)] = groups
            && undo.is_none()
            && !subscribed
            && pairs.len() == 1
            && autocommits(conn)
        {
            // One pair is one UPDATE, atomic on its own: no transaction of ours, two round trips
            // fewer, which is most of a one-pair dismiss on a network database. A batch keeps
            // its transaction: the round trips are nothing next to its work, and a batch past
            // the bind limit is several statements.
            return write::dismiss(conn, entry, pairs, stamp)
                .await
                .map(|count| vec![count])
                .map_err(|err| Error::Database {
                    context: format!("dismissing links of {}", entry.spec.display_name()),
                    source: err,
                });
        }
        let txn = crate::sql::begin_write(conn)
            .await
            .map_err(Error::database("starting the dismiss"))?;
        let mut counts = Vec::with_capacity(groups.len());
        let mut events = Vec::new();
        for (entry, pairs) in groups {
            if undo.is_some() || subscribed {
                // The rows as they are, read (and locked) in this transaction: the undo record's
                // snapshot and the ids of the rows this dismiss changes.
                let before = match rows::read_pairs_locking(&txn, entry, pairs, true).await {
                    Ok(before) => before,
                    Err(err) => {
                        let _ = txn.rollback().await;
                        return Err(err);
                    }
                };
                if let Some(undo) = undo.as_deref_mut()
                    && let Err(err) = undo.record(entry, pairs, &before)
                {
                    let _ = txn.rollback().await;
                    return Err(err);
                }
                if subscribed {
                    let rows = match entry.table().ends_of(&before, true) {
                        Ok(rows) => rows,
                        Err(err) => {
                            let _ = txn.rollback().await;
                            return Err(err);
                        }
                    };
                    events.push(LinkEvent {
                        link: entry.spec.name,
                        kind: LinkEventKind::Detached,
                        rows,
                    });
                }
            }
            match write::dismiss(&txn, entry, pairs, stamp).await {
                Ok(count) => counts.push(count),
                Err(err) => {
                    let _ = txn.rollback().await;
                    return Err(Error::Database {
                        context: format!("dismissing links of {}", entry.spec.display_name()),
                        source: err,
                    });
                }
            }
        }
        txn.commit()
            .await
            .map_err(Error::database("committing the dismiss"))?;
        self.publish(conn, events);
        Ok(counts)
    }
}
