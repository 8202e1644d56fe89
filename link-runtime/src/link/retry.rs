//! Running a transaction of ours again when the database picks it as a deadlock or
//! serialization victim.

use super::*;

/// How many times in all an operation runs when the database picks it as a deadlock victim.
pub(super) const ATTEMPTS: usize = 3;

/// Runs `attempt` again, up to [`ATTEMPTS`] times in all, when it fails with a deadlock or a
/// serialization failure and ran in transactions of its own (on a pooled connection), so nothing
/// of the failed attempt remains. Inside a caller's transaction the error is returned: the
/// caller's whole transaction is what must be run again.
pub(crate) async fn retrying<C, T, F, Fut>(conn: &C, mut attempt: F) -> Result<T>
where
    C: LinkConnection,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(err) if run_again(conn, tries, &err) => tries += 1,
            other => return other,
        }
    }
}

/// Whether attempt `tries` of an operation, failed with `err`, is to run again: see
/// [`retrying`].
pub(super) fn run_again<C: LinkConnection>(conn: &C, tries: usize, err: &Error) -> bool {
    let again = tries < ATTEMPTS
        && autocommits(conn)
        && matches!(err, Error::Database { source, .. } if crate::sql::is_transient(source));
    if again {
        tracing::debug!(tries, "run again after a deadlock: {err}");
    }
    again
}
