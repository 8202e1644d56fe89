//! Two operations racing on the same records, written from SPEC §1, §6, §8, §11 and §12 by a
//! helper that had not read the implementation. Each race runs many rounds with fresh ids, two
//! tokio tasks on separate pooled connections started together by a barrier; after each round
//! the invariants are checked: no raw database error reaches a caller (SPEC §11), and
//! `links.check()` finds nothing ("After any sequence of creates, dismisses, deletes and
//! restores, `check()` finds nothing"). SQLite serialises writers, so it sees no interleaving,
//! but runs every race too.

mod common;
mod spec_helpers;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use link_runtime::{Error, Links, ListFilter, define_link};
use link_tests::links::{CustomerWishlist, ProductBrand, ProductTag, product_brand};
use link_tests::models::{brand, customer, product, wishlist};
use link_tests::{Backend, TestDb, test_databases};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tokio::sync::Barrier;

use spec_helpers::{b, kind, p, tg};

const ROUNDS: usize = 30;

/// A test running `race` on each of the named backends.
macro_rules! race_test {
    ($(#[$attr:meta])* $name:ident: $race:ident on $($backend:ident)|+) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        $(#[$attr])*
        async fn $name() {
            for t in test_databases(stringify!($name)).await {
                if [$(Backend::$backend),+].contains(&t.backend) {
                    $race(&t).await;
                }
            }
        }
    };
}

/// Outcomes per kind, and what broke a rule, of one race on one backend.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, usize>,
    broken: Vec<String>,
}

impl Tally {
    fn note(&mut self, what: impl Into<String>) {
        *self.outcomes.entry(what.into()).or_default() += 1;
    }

    fn fail(&mut self, round: usize, what: impl Into<String>) {
        self.broken.push(format!("round {round}: {}", what.into()));
    }

    /// Panics with every broken rule and the outcome counts.
    fn finish(&self, t: &TestDb, race: &str, rounds: usize) {
        eprintln!(
            "{race} {:?}: {rounds} rounds: {:?}",
            t.backend, self.outcomes
        );
        assert!(
            self.broken.is_empty(),
            "{race} on {:?}: {} of {rounds} rounds broke a rule; outcomes {:?}\n{}",
            t.backend,
            self.broken.len(),
            self.outcomes,
            self.broken.join("\n")
        );
    }
}

/// `Ok`, or the error's kind; a database error (SPEC §11: never raw to a caller) with its text.
fn outcome<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "Ok".into(),
        Err(e) => match kind(e) {
            "other" => format!("RAW {e:?}"),
            named => named.into(),
        },
    }
}

/// Runs `a` and `b` on two tasks released together by a barrier.
async fn race2<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    FA: Future<Output = A> + Send + 'static,
    FB: Future<Output = B> + Send + 'static,
    A: Send + 'static,
    B: Send + 'static,
{
    let gate = Arc::new(Barrier::new(2));
    let other = gate.clone();
    let first = tokio::spawn(async move {
        other.wait().await;
        a.await
    });
    let second = tokio::spawn(async move {
        gate.wait().await;
        b.await
    });
    (
        first.await.expect("first task"),
        second.await.expect("second task"),
    )
}

/// Live rows `check()` finds dangling.
async fn dangling(t: &TestDb, links: &Links) -> u64 {
    links.check(&t.db).await.expect("check").dangling()
}

/// The live brands of product `pid`.
async fn brands_of(t: &TestDb, links: &Links, pid: &str) -> Vec<String> {
    links
        .list(&t.db, ListFilter::<ProductBrand>::all().left([p(pid)]))
        .await
        .expect("list")
        .into_iter()
        .map(|row| row.right.to_string())
        .collect()
}

fn cu(id: &str) -> link_runtime::Key<customer::Model> {
    customer::Model::key(id)
}

fn wl(id: &str) -> link_runtime::Key<wishlist::Model> {
    wishlist::Model::key(id)
}

// ---------------------------------------------------------------------------------------------
// create against the deletion of one of its records.
// SPEC §8: "Both records must exist and be live"; §1: integrity "enforced by the database, not by
// a check-then-insert race"; §8 restore: "no live link may point at a deleted record".
// ---------------------------------------------------------------------------------------------

/// `create(p, b)` against `delete(brand, [b])` and against `delete(product, [p])`. Brand has
/// no `deleted_at`: SPEC §8 delete "soft-deletes the named records (when their model is
/// soft-deletable)", so a brand stays live and either order is fine; a product is soft-deleted,
/// so whichever wins, no live link may point at it afterwards ("no live link may point at a
/// deleted record"). Either way the create is `Ok` or `NotFound`, the delete `Ok`, and
/// `check()` is clean.
async fn create_vs_delete(t: &TestDb) {
    let links = common::registry(t).await;
    for side in ["brand", "product"] {
        let mut tally = Tally::default();
        for round in 0..ROUNDS {
            let (pid, bid) = (format!("p{side}{round}"), format!("b{side}{round}"));
            t.products(&[&pid]).await;
            t.brands(&[&bid]).await;
            let create = {
                let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
                async move { links.create(&db, ProductBrand::new(p(&pid), b(&bid))).await }
            };
            let (links2, db2, pid2, bid2) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            let (created, deleted) = if side == "brand" {
                race2(create, async move { links2.delete(&db2, [b(&bid2)]).await }).await
            } else {
                race2(create, async move { links2.delete(&db2, [p(&pid2)]).await }).await
            };
            let (c, d) = (outcome(&created), outcome(&deleted));
            tally.note(format!("create {c} / delete {d}"));
            if !matches!(c.as_str(), "Ok" | "NotFound") || d != "Ok" {
                tally.fail(round, format!("create {c}, delete {d}"));
            }
            let live = brands_of(t, &links, &pid).await;
            if side == "product" && !live.is_empty() {
                tally.fail(
                    round,
                    format!("live link {pid} → {live:?} after {pid} deleted"),
                );
            }
            let n = dangling(t, &links).await;
            if n != 0 {
                tally.fail(round, format!("check() finds {n} dangling"));
            }
        }
        tally.finish(t, &format!("create vs delete({side})"), ROUNDS);
    }
}

race_test!(create_vs_delete_on_servers: create_vs_delete on Postgres | MySql);
race_test!(
    create_vs_delete_on_sqlite: create_vs_delete on Sqlite);

/// The same, deterministically: `delete(product, [p])` has run inside a transaction that is
/// still open when `create(p, b)` starts on another connection. README: "a create racing a
/// delete of its record either waits and sees the record gone, or makes the delete wait and
/// dismiss the new link too". The delete went first, so the create must end `NotFound` (after
/// waiting for the commit), and no live link may point at the deleted product.
async fn create_during_open_delete(t: &TestDb) {
    let links = common::registry(t).await;
    let mut tally = Tally::default();
    let rounds = 5;
    for round in 0..rounds {
        let (pid, bid) = (format!("pod{round}"), format!("bod{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&bid]).await;
        let txn = t.db.begin().await.expect("begin");
        links
            .delete(&txn, [p(&pid)])
            .await
            .expect("delete inside the transaction");
        let create = {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            tokio::spawn(
                async move { links.create(&db, ProductBrand::new(p(&pid), b(&bid))).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let early = create.is_finished();
        txn.commit().await.expect("commit");
        let c = outcome(&create.await.expect("task"));
        tally.note(format!("create {c} (finished before commit: {early})"));
        if c != "NotFound" {
            tally.fail(round, format!("create {c} (before commit: {early})"));
        }
        let live = brands_of(t, &links, &pid).await;
        if !live.is_empty() {
            tally.fail(
                round,
                format!("live link {pid} → {live:?} after {pid} deleted"),
            );
        }
        let n = dangling(t, &links).await;
        if n != 0 {
            tally.fail(round, format!("check() finds {n} dangling"));
        }
    }
    tally.finish(t, "create during an open delete(product)", rounds);
}

race_test!(create_during_open_delete_all: create_during_open_delete on Sqlite | Postgres | MySql);

/// The brand's module hard-deletes `b` (plain SQL `DELETE` in its own transaction) while
/// `create(p, b)` runs. SPEC §8: create "checks this with one batched query per side" and
/// refuses missing records; README: "Record checks take a shared lock on the records they find
/// … a create racing a delete of its record either waits and sees the record gone". A live
/// link to the missing brand afterwards is legitimate when the create committed first (as if
/// run before the delete: the module does not dismiss links, `check()` finds them); the
/// deterministic half holds the `DELETE` uncommitted while the create starts, so the create
/// must end `NotFound`.
async fn create_vs_hard_delete(t: &TestDb) {
    let links = common::registry(t).await;
    let mut tally = Tally::default();
    for round in 0..ROUNDS {
        let (pid, bid) = (format!("ph{round}"), format!("bh{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&bid]).await;
        let create = {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            async move { links.create(&db, ProductBrand::new(p(&pid), b(&bid))).await }
        };
        let module = {
            let (db, bid) = (t.db.clone(), bid.clone());
            async move {
                let txn = db.begin().await?;
                txn.execute_unprepared(&format!("DELETE FROM brand WHERE id = '{bid}'"))
                    .await?;
                txn.commit().await
            }
        };
        let (created, deleted) = race2(create, module).await;
        let c = outcome(&created);
        let live = brands_of(t, &links, &pid).await;
        tally.note(format!(
            "create {c}, module delete ok: {}, live link left: {}",
            deleted.is_ok(),
            !live.is_empty()
        ));
        if let Err(e) = deleted {
            tally.fail(round, format!("the module's own delete failed: {e}"));
        }
        if !matches!(c.as_str(), "Ok" | "NotFound") {
            tally.fail(round, format!("create {c}"));
        }
        if c != "Ok" && !live.is_empty() {
            tally.fail(round, format!("create {c} yet live {live:?}"));
        }
    }
    tally.finish(t, "create vs module hard delete (race)", ROUNDS);

    let mut tally = Tally::default();
    let rounds = 5;
    for round in 0..rounds {
        let (pid, bid) = (format!("pho{round}"), format!("bho{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&bid]).await;
        let txn = t.db.begin().await.expect("begin");
        txn.execute_unprepared(&format!("DELETE FROM brand WHERE id = '{bid}'"))
            .await
            .expect("module delete");
        let create = {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            tokio::spawn(
                async move { links.create(&db, ProductBrand::new(p(&pid), b(&bid))).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let early = create.is_finished();
        txn.commit().await.expect("commit");
        let c = outcome(&create.await.expect("task"));
        let live = brands_of(t, &links, &pid).await;
        tally.note(format!("create {c} (before commit: {early})"));
        if c != "NotFound" || !live.is_empty() {
            tally.fail(
                round,
                format!("create {c} (before commit: {early}), live {live:?}"),
            );
        }
    }
    tally.finish(t, "create during an open module hard delete", rounds);
}

race_test!(create_vs_hard_delete_all: create_vs_hard_delete on Sqlite | Postgres | MySql);

// ---------------------------------------------------------------------------------------------
// restore against create. SPEC §8 restore: "It refuses with a `Conflict`, restoring nothing,
// where reviving a link would break cardinality"; §6: cardinality by unique indexes over live
// rows; §8 create: "the loser of two concurrent creates" gets a typed `Conflict`.
// ---------------------------------------------------------------------------------------------

/// `ProductBrand` gives a product one brand. `(p, b1)` was dismissed by `delete(brand, [b1])`
/// (or by `delete(product, [p])`); then `restore` of that record races `create(p, b2)`. Never two
/// live brands for `p`; the loser gets `Conflict` (or `NotFound` when `p` itself is still
/// deleted), never a raw error; a refused restore restores nothing.
async fn restore_vs_create(t: &TestDb) {
    let links = common::registry(t).await;
    for side in ["brand", "product"] {
        let mut tally = Tally::default();
        for round in 0..ROUNDS {
            let pid = format!("prc{side}{round}");
            let (b1, b2) = (format!("b1rc{side}{round}"), format!("b2rc{side}{round}"));
            t.products(&[&pid]).await;
            t.brands(&[&b1, &b2]).await;
            links
                .create(&t.db, ProductBrand::new(p(&pid), b(&b1)))
                .await
                .expect("p → b1");
            if side == "brand" {
                links.delete(&t.db, [b(&b1)]).await.expect("delete b1");
            } else {
                links.delete(&t.db, [p(&pid)]).await.expect("delete p");
            }
            let create = {
                let (links, db, pid, b2) = (links.clone(), t.db.clone(), pid.clone(), b2.clone());
                async move { links.create(&db, ProductBrand::new(p(&pid), b(&b2))).await }
            };
            let (links2, db2, pid2, b12) = (links.clone(), t.db.clone(), pid.clone(), b1.clone());
            let (created, restored) = if side == "brand" {
                race2(create, async move { links2.restore(&db2, [b(&b12)]).await }).await
            } else {
                race2(
                    create,
                    async move { links2.restore(&db2, [p(&pid2)]).await },
                )
                .await
            };
            let (c, r) = (outcome(&created), outcome(&restored));
            tally.note(format!("create {c} / restore {r}"));
            let live = brands_of(t, &links, &pid).await;
            let expected: &[&str] = match (c.as_str(), r.as_str()) {
                ("Ok", "Conflict") => &[&b2],
                ("Conflict" | "NotFound", "Ok") => &[&b1],
                _ => {
                    tally.fail(round, format!("create {c}, restore {r}: one must lose"));
                    &[]
                }
            };
            if live.len() > 1 || (!expected.is_empty() && live != expected) {
                tally.fail(
                    round,
                    format!("create {c}, restore {r}: live brands {live:?}"),
                );
            }
            let n = dangling(t, &links).await;
            if n != 0 {
                tally.fail(round, format!("check() finds {n} dangling"));
            }
        }
        tally.finish(t, &format!("restore({side}) vs create"), ROUNDS);
    }
}

race_test!(restore_vs_create_on_servers: restore_vs_create on Postgres | MySql);
race_test!(
    restore_vs_create_on_sqlite: restore_vs_create on Sqlite);

/// `delete(customer, [c])` cascades to `c`'s wishlist `w` (`delete_cascade`) while
/// `create(c2, w)` links the same wishlist to another customer (one-to-one). Whichever wins, the
/// create cannot succeed (`w` is taken, then deleted): `Conflict` or `NotFound`; `w` ends
/// soft-deleted with no live link, and `check()` is clean.
async fn cascade_vs_create(t: &TestDb) {
    let links = common::registry(t).await;
    let mut tally = Tally::default();
    for round in 0..ROUNDS {
        let (c1, c2, w) = (
            format!("c1x{round}"),
            format!("c2x{round}"),
            format!("wx{round}"),
        );
        t.customers(&[&c1, &c2]).await;
        t.wishlists(&[&w]).await;
        links
            .create(&t.db, CustomerWishlist::new(cu(&c1), wl(&w)))
            .await
            .expect("c1 → w");
        let create = {
            let (links, db, c2, w) = (links.clone(), t.db.clone(), c2.clone(), w.clone());
            async move {
                links
                    .create(&db, CustomerWishlist::new(cu(&c2), wl(&w)))
                    .await
            }
        };
        let delete = {
            let (links, db, c1) = (links.clone(), t.db.clone(), c1.clone());
            async move { links.delete(&db, [cu(&c1)]).await }
        };
        let (created, deleted) = race2(create, delete).await;
        let (c, d) = (outcome(&created), outcome(&deleted));
        tally.note(format!("create {c} / delete {d}"));
        if !matches!(c.as_str(), "Conflict" | "NotFound") || d != "Ok" {
            tally.fail(round, format!("create {c}, delete {d}"));
        }
        let live = links
            .list(&t.db, ListFilter::<CustomerWishlist>::all().right([wl(&w)]))
            .await
            .expect("list");
        if !live.is_empty() {
            tally.fail(round, format!("{} live links to {w}", live.len()));
        }
        let gone = t
            .count(&format!(
                "SELECT COUNT(*) FROM wishlist WHERE id = '{w}' AND deleted_at IS NOT NULL"
            ))
            .await;
        if d == "Ok" && gone != 1 {
            tally.fail(round, format!("{w} not soft-deleted by the cascade"));
        }
        let n = dangling(t, &links).await;
        if n != 0 {
            tally.fail(round, format!("check() finds {n} dangling"));
        }
    }
    tally.finish(t, "delete(customer) cascade vs create(c2, w)", ROUNDS);
}

race_test!(cascade_vs_create_on_servers: cascade_vs_create on Postgres | MySql);
race_test!(
    cascade_vs_create_on_sqlite: cascade_vs_create on Sqlite);

// ---------------------------------------------------------------------------------------------
// Writes of one pair. SPEC §8: dismiss "soft-deletes the pair; a missing pair is not an error";
// update "changes the extra data of pairs that must already be live … if any is missing,
// `NotFound`"; "Re-creating an identical live pair is idempotent"; "An existing live pair is
// updated in place: extra columns named in the new data take it".
// ---------------------------------------------------------------------------------------------

fn data(featured: bool, position: i32, note: &str) -> product_brand::Data {
    product_brand::Data::default()
        .featured(featured)
        .position(position)
        .note(Some(note.into()))
}

/// The live row of `(pid, bid)` as (featured, position, note), if any.
async fn row_of(t: &TestDb, links: &Links, pid: &str, bid: &str) -> Vec<(bool, i32, String)> {
    links
        .list(
            &t.db,
            ListFilter::<ProductBrand>::all()
                .left([p(pid)])
                .right([b(bid)]),
        )
        .await
        .expect("list")
        .into_iter()
        .map(|row| {
            let extra = row.extra;
            (
                extra.featured,
                extra.position,
                extra.note.unwrap_or_default(),
            )
        })
        .collect()
}

/// `dismiss(p, b)` against `update(p, b, data)` of a live pair: the dismiss always succeeds,
/// the update is `Ok` (it went first) or `NotFound` (it came second), and the pair ends
/// dismissed.
async fn dismiss_vs_update(t: &TestDb) {
    let links = common::registry(t).await;
    let mut tally = Tally::default();
    for round in 0..ROUNDS {
        let (pid, bid) = (format!("pdu{round}"), format!("bdu{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&bid]).await;
        links
            .create(&t.db, ProductBrand::new(p(&pid), b(&bid)))
            .await
            .expect("pair");
        let update = {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            async move {
                let pair = ProductBrand::new(p(&pid), b(&bid)).with(data(true, 7, "u"));
                links.update(&db, pair).await
            }
        };
        let dismiss = {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            async move {
                links
                    .dismiss(&db, ProductBrand::new(p(&pid), b(&bid)))
                    .await
            }
        };
        let (updated, dismissed) = race2(update, dismiss).await;
        let (u, d) = (outcome(&updated), outcome(&dismissed));
        tally.note(format!("update {u} / dismiss {d}"));
        if !matches!(u.as_str(), "Ok" | "NotFound") || d != "Ok" {
            tally.fail(round, format!("update {u}, dismiss {d}"));
        }
        let live = row_of(t, &links, &pid, &bid).await;
        if !live.is_empty() {
            tally.fail(round, format!("still live after dismiss: {live:?}"));
        }
    }
    assert_eq!(dangling(t, &links).await, 0, "{:?}", t.backend);
    tally.finish(t, "dismiss vs update", ROUNDS);
}

race_test!(dismiss_vs_update_on_servers: dismiss_vs_update on Postgres | MySql);
race_test!(
    dismiss_vs_update_on_sqlite: dismiss_vs_update on Sqlite);

/// The same pair created twice at once with different data (a new pair in even rounds, a live
/// one in odd rounds, a dismissed one every third): both calls succeed, one live row remains,
/// and it holds one of the two data whole, never a mix.
async fn create_twice(t: &TestDb) {
    let links = common::registry(t).await;
    let mut tally = Tally::default();
    let (a, z) = ((true, 1, "a".to_string()), (false, 2, "z".to_string()));
    for round in 0..ROUNDS {
        let (pid, bid) = (format!("pct{round}"), format!("bct{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&bid]).await;
        if round % 2 == 1 || round % 3 == 0 {
            links
                .create(&t.db, ProductBrand::new(p(&pid), b(&bid)))
                .await
                .expect("pair");
        }
        if round % 3 == 0 {
            links
                .dismiss(&t.db, ProductBrand::new(p(&pid), b(&bid)))
                .await
                .expect("dismiss");
        }
        let create = |d: (bool, i32, String)| {
            let (links, db, pid, bid) = (links.clone(), t.db.clone(), pid.clone(), bid.clone());
            async move {
                let pair = ProductBrand::new(p(&pid), b(&bid)).with(data(d.0, d.1, &d.2));
                links.create(&db, pair).await
            }
        };
        let (first, second) = race2(create(a.clone()), create(z.clone())).await;
        let (x, y) = (outcome(&first), outcome(&second));
        tally.note(format!("{x} / {y}"));
        if x != "Ok" || y != "Ok" {
            tally.fail(round, format!("creates ended {x}, {y}"));
        }
        let live = row_of(t, &links, &pid, &bid).await;
        if live.len() != 1 || (live[0] != a && live[0] != z) {
            tally.fail(round, format!("live rows {live:?}"));
        }
    }
    assert_eq!(dangling(t, &links).await, 0, "{:?}", t.backend);
    tally.finish(t, "create twice, different data", ROUNDS);
}

race_test!(create_twice_on_servers: create_twice on Postgres | MySql);
race_test!(create_twice_on_sqlite: create_twice on Sqlite);

// ---------------------------------------------------------------------------------------------
// Retries. SPEC §8: "a repeated `delete` (an HTTP client retrying) changes nothing and loses
// nothing"; restore is "the exact reverse of a delete"; §12: "a delete that a client may retry".
// ---------------------------------------------------------------------------------------------

/// `p` with a brand and two tags (one tag link dismissed earlier).
async fn product_with_links(t: &TestDb, links: &Links, tag: &str) -> (String, String) {
    let (pid, bid) = (format!("p{tag}"), format!("b{tag}"));
    let (t1, t2) = (format!("t1{tag}"), format!("t2{tag}"));
    t.products(&[&pid]).await;
    t.brands(&[&bid]).await;
    t.tags(&[&t1, &t2]).await;
    links
        .create(&t.db, ProductBrand::new(p(&pid), b(&bid)))
        .await
        .expect("brand");
    for tag in [&t1, &t2] {
        links
            .create(&t.db, ProductTag::new(p(&pid), tg(tag)))
            .await
            .expect("tag");
    }
    links
        .dismiss(&t.db, ProductTag::new(p(&pid), tg(&t2)))
        .await
        .expect("dismiss t2");
    (pid, bid)
}

/// What of `pid` is live: (product live, brands, tags).
async fn live_state(t: &TestDb, links: &Links, pid: &str) -> (bool, Vec<String>, Vec<String>) {
    let live = t
        .count(&format!(
            "SELECT COUNT(*) FROM product WHERE id = '{pid}' AND deleted_at IS NULL"
        ))
        .await
        == 1;
    let tags = links
        .list(&t.db, ListFilter::<ProductTag>::all().left([p(pid)]))
        .await
        .expect("tags")
        .into_iter()
        .map(|row| row.right.to_string())
        .collect();
    (live, brands_of(t, links, pid).await, tags)
}

/// `delete(product, [p])` twice at once, then `restore(product, [p])`; or (second half) a
/// delete, then `restore` twice at once. Each call is `Ok` or a typed error; after the deletes
/// nothing of `p` is live; after the restore(s) exactly what was live before is live again.
async fn retries(t: &TestDb) {
    let links = common::registry(t).await;
    for what in ["delete", "restore"] {
        let mut tally = Tally::default();
        for round in 0..ROUNDS {
            let (pid, _) = product_with_links(t, &links, &format!("{what}{round}")).await;
            let before = live_state(t, &links, &pid).await;
            if what == "restore" {
                links.delete(&t.db, [p(&pid)]).await.expect("delete");
            }
            let call = || {
                let (links, db, pid) = (links.clone(), t.db.clone(), pid.clone());
                async move {
                    if what == "delete" {
                        links.delete(&db, [p(&pid)]).await
                    } else {
                        links.restore(&db, [p(&pid)]).await
                    }
                }
            };
            let (first, second) = race2(call(), call()).await;
            let (x, y) = (outcome(&first), outcome(&second));
            tally.note(format!("{x} / {y}"));
            if x.starts_with("RAW") || y.starts_with("RAW") || (x != "Ok" && y != "Ok") {
                tally.fail(round, format!("{what} twice: {x}, {y}"));
            }
            if what == "delete" {
                let after = live_state(t, &links, &pid).await;
                if after != (false, vec![], vec![]) {
                    tally.fail(round, format!("after two deletes: {after:?}"));
                }
                if let Err(e) = links.restore(&t.db, [p(&pid)]).await {
                    tally.fail(round, format!("restore after two deletes: {e}"));
                }
            }
            let after = live_state(t, &links, &pid).await;
            if after != before {
                tally.fail(round, format!("before {before:?}, after restore {after:?}"));
            }
            let n = dangling(t, &links).await;
            if n != 0 {
                tally.fail(round, format!("check() finds {n} dangling"));
            }
        }
        tally.finish(t, &format!("{what} twice at once"), ROUNDS);
    }
}

race_test!(retries_on_servers: retries on Postgres | MySql);
race_test!(
    retries_on_sqlite: retries on Sqlite);

// ---------------------------------------------------------------------------------------------
// Migration against writes. SPEC §10: "tightening adds one [unique index], and where existing
// live rows break it the step is unsafe, naming them. `migrate()` … never returns `Ok` while a
// declared link lacks an index … it needs"; "so the database always enforces what the code
// declares"; §11: typed errors only.
// ---------------------------------------------------------------------------------------------

define_link! {
    /// The declaration an older deploy still runs: no limit.
    pub RaceWide: product::Model [is_list] => brand::Model [is_list],
    table = "sr_card",
}

define_link! {
    /// The tightened declaration: each product has one brand.
    pub RaceNarrow: product::Model [is_list] => brand::Model,
    table = "sr_card",
}

fn single<L: link_runtime::LinkDefinition>(t: &TestDb) -> Links {
    Links::builder(t.db.clone())
        .module("product")
        .module("brand")
        .link::<L>()
        .build()
        .expect("registry")
}

/// `p` has brand `b1` through the wide table; then the tightened registry's `migrate()` races a
/// create of `(p, b2)` through the wide one (an older instance still serving). Either the create
/// wins and the migration is refused with `Schema` naming `p` (the index is not added), or the
/// index is added and the create is refused with a typed error. Never: `migrate()` `Ok` with `p`
/// holding two live brands, or a raw database error.
async fn migrate_vs_create(t: &TestDb) {
    let (wide, narrow) = (single::<RaceWide>(t), single::<RaceNarrow>(t));
    wide.migrate().await.expect("wide");
    let mut tally = Tally::default();
    let rounds = 40;
    for round in 0..rounds {
        // Back to no limit, with no offending rows.
        wide.migrate().await.expect("relax");
        t.exec("UPDATE sr_card SET deleted_at = created_at WHERE deleted_at IS NULL")
            .await;
        let pid = format!("pmc{round}");
        let (b1, b2) = (format!("b1mc{round}"), format!("b2mc{round}"));
        t.products(&[&pid]).await;
        t.brands(&[&b1, &b2]).await;
        wide.create(&t.db, RaceWide::new(p(&pid), b(&b1)))
            .await
            .expect("p → b1");
        let create = {
            let (wide, db, pid, b2) = (wide.clone(), t.db.clone(), pid.clone(), b2.clone());
            // A sweep of head starts for the migration, so the create lands before, inside and
            // after it.
            let delay = Duration::from_millis(round as u64 % 20);
            async move {
                tokio::time::sleep(delay).await;
                wide.create(&db, RaceWide::new(p(&pid), b(&b2))).await
            }
        };
        let migrate = {
            let narrow = narrow.clone();
            async move { narrow.migrate().await }
        };
        let (created, migrated) = race2(create, migrate).await;
        let c = outcome(&created);
        let m = match &migrated {
            Err(Error::Schema { message }) if message.contains(&pid) => "Schema".to_string(),
            other => outcome(other),
        };
        tally.note(format!("create {c} / migrate {m}"));
        let live = t
            .count(&format!(
                "SELECT COUNT(*) FROM sr_card WHERE product_id = '{pid}' AND deleted_at IS NULL"
            ))
            .await;
        match (c.as_str(), m.as_str()) {
            ("Ok", "Schema") if live == 2 => {}
            (_, "Ok") if c != "Ok" && !c.starts_with("RAW") && live == 1 => {
                // The index is there: a second brand is refused by the database.
                let again = narrow.create(&t.db, RaceNarrow::new(p(&pid), b(&b2))).await;
                if outcome(&again) != "Conflict" {
                    tally.fail(round, format!("after migrate, create: {}", outcome(&again)));
                }
            }
            _ => tally.fail(
                round,
                format!("create {c}, migrate {m}: {live} live brands"),
            ),
        }
    }
    tally.finish(t, "migrate (tighten) vs create", rounds);
}

race_test!(
    migrate_vs_create_on_postgres: migrate_vs_create on Postgres);
race_test!(
    migrate_vs_create_on_mysql: migrate_vs_create on MySql);
race_test!(migrate_vs_create_on_sqlite: migrate_vs_create on Sqlite);
