//! Events: subscribers see which link rows were attached and detached, once the write that
//! made them has committed (Medusa's `<Link>.attached` / `<Link>.detached`).
//!
//! A write on a `DatabaseConnection` commits its own transaction, and emits right after. A write
//! inside a [`LinkTransaction`] (from [`Links::begin`]) emits when that transaction commits, and
//! never if it rolls back. A write inside a caller's plain `DatabaseTransaction` emits nothing:
//! its commit cannot be observed, and an event for a write that may yet roll back would lie.

use std::sync::Mutex;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::registry::Links;

pub use crate::link_event::{EventRow, LinkEvent, LinkEventKind};

impl Links {
    /// A receiver of every link event from now on.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        self.events().subscribe()
    }

    /// Starts a transaction on `conn` whose link events are emitted when it commits. Use it
    /// (as the connection of the operations) to write records and links together and still get
    /// events. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): other writers
    /// wait until it ends.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn begin<C>(&self, conn: &C) -> Result<LinkTransaction>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
    {
        Ok(LinkTransaction {
            txn: crate::sql::begin_write(conn)
                .await
                .map_err(Error::database("starting a transaction"))?,
            pending: Mutex::new(Vec::new()),
            events: self.events().clone(),
        })
    }

    /// Whether anyone listens (so writes can skip reading what events need).
    pub(crate) fn has_subscribers(&self) -> bool {
        self.events().receiver_count() > 0
    }

    /// Emits `events` of a write that committed its own transaction on `conn` (see the module
    /// documentation for when that is final).
    pub(crate) fn publish<C: LinkConnection>(&self, conn: &C, events: Vec<LinkEvent>) {
        let events: Vec<LinkEvent> = events.into_iter().filter(|e| !e.rows.is_empty()).collect();
        if events.is_empty() {
            return;
        }
        match conn.commits() {
            Commits::Itself => {
                for event in events {
                    // No receiver left is not an error.
                    let _ = self.events().send(event);
                }
            }
            Commits::With(txn) => {
                if let Ok(mut pending) = txn.pending.lock() {
                    pending.extend(events);
                }
            }
            Commits::Elsewhere => {
                tracing::debug!(
                    "link events not emitted: the write ran inside a caller's transaction; use Links::begin to get them on commit"
                );
            }
        }
    }
}

/// A connection the Link service writes through, and what commits its writes: the three kinds
/// of connection it is given say so themselves, instead of being told apart at run time.
///
/// A connection of your own (a wrapper) implements it by answering for what it wraps. Answer
/// [`Commits::Itself`] only for a connection whose every statement commits on its own: the
/// service then skips its transaction for a one-statement write, emits events at once, and runs
/// a deadlock victim again.
///
/// Example: [more of the service](crate#more-of-the-service).
pub trait LinkConnection: ConnectionTrait + TransactionTrait {
    /// What commits a write made through this connection.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    fn commits(&self) -> Commits<'_>;
}

/// What commits a write made through a [`LinkConnection`].
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Commits<'a> {
    /// The write commits by itself (a pooled `DatabaseConnection`): its events are emitted right
    /// after, a write of one statement needs no transaction of ours, and a deadlock victim may
    /// be run again.
    Itself,
    /// This transaction: the events wait for its commit.
    With(&'a LinkTransaction),
    /// A caller's transaction, whose commit cannot be observed: no events, and an error is
    /// returned for the caller to run its whole transaction again.
    Elsewhere,
}

impl LinkConnection for DatabaseConnection {
    fn commits(&self) -> Commits<'_> {
        Commits::Itself
    }
}

impl LinkConnection for DatabaseTransaction {
    fn commits(&self) -> Commits<'_> {
        Commits::Elsewhere
    }
}

impl LinkConnection for LinkTransaction {
    fn commits(&self) -> Commits<'_> {
        Commits::With(self)
    }
}

/// A transaction whose link events are emitted when it commits. Use it wherever a connection
/// is taken; [`commit`](LinkTransaction::commit) or [`rollback`](LinkTransaction::rollback) it.
///
/// Example: [more of the service](crate#more-of-the-service).
pub struct LinkTransaction {
    txn: DatabaseTransaction,
    pending: Mutex<Vec<LinkEvent>>,
    events: broadcast::Sender<LinkEvent>,
}

impl std::fmt::Debug for LinkTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkTransaction").finish_non_exhaustive()
    }
}

impl LinkTransaction {
    /// Commits, then emits the events of the writes made in it.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn commit(self) -> Result<()> {
        self.txn
            .commit()
            .await
            .map_err(Error::database("committing the transaction"))?;
        let pending = self.pending.into_inner().unwrap_or_default();
        for event in pending {
            let _ = self.events.send(event);
        }
        Ok(())
    }

    /// Rolls back; the events of its writes are dropped.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn rollback(self) -> Result<()> {
        self.txn
            .rollback()
            .await
            .map_err(Error::database("rolling back the transaction"))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for LinkTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> std::result::Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

#[async_trait::async_trait]
impl TransactionTrait for LinkTransaction {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> std::result::Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> std::result::Result<DatabaseTransaction, DbErr> {
        self.txn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> std::result::Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> std::result::Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = std::result::Result<T, E>> + Send + 'c>,
            > + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> std::result::Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = std::result::Result<T, E>> + Send + 'c>,
            > + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
