//! Timestamps for `created_at`, `updated_at` and `deleted_at`: microsecond precision (what every
//! backend stores), and never the same stamp twice in one process, so a later restore can tell
//! one operation's rows from another's by their `deleted_at`.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

static LAST_MICROS: AtomicI64 = AtomicI64::new(0);

/// A fresh stamp: now, truncated to microseconds, and later than every stamp handed out before.
pub fn next_stamp() -> DateTime<Utc> {
    let now = Utc::now().timestamp_micros();
    let mut last = LAST_MICROS.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST_MICROS.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return DateTime::from_timestamp_micros(next).unwrap_or_else(Utc::now),
            Err(seen) => last = seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_strictly_increasing_microseconds() {
        let stamps: Vec<_> = (0..10_000).map(|_| next_stamp()).collect();
        for pair in stamps.windows(2) {
            assert!(pair[0] < pair[1]);
            assert_eq!(pair[1].timestamp_subsec_nanos() % 1_000, 0);
        }
    }
}
