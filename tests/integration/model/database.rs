//! The world in a database: building it on a backend, running an operation through the library
//! (or as a module would), and resetting it between sequences.

use link_runtime::sea_orm;
use link_runtime::{Error, Key, Links};
use link_tests::TestDb;
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Schema,
};

use crate::DateTimeUtc;
use crate::ops::{Op, Outcome};
use crate::rules::{L, M};
use crate::typed::{TestLink, by_link, by_model};
use crate::world::{
    MMember, MOwns, MPostComment, MProductPost, MProductRegion, MProductTag, m_alpha, m_beta,
    m_comment, m_post, m_product, m_region, m_tag,
};

pub(crate) struct World {
    pub(crate) links: Links,
    pub(crate) home: DatabaseConnection,
    /// The connection of the `m_talk` module (comments).
    away: DatabaseConnection,
    _dbs: Vec<TestDb>,
}

fn outcome<T>(result: Result<T, Error>) -> Result<Outcome, String> {
    match result {
        Ok(_) => Ok(Outcome::Ok),
        Err(Error::NotFound { .. }) => Ok(Outcome::NotFound),
        Err(Error::Conflict { .. }) => Ok(Outcome::Conflict),
        Err(Error::InvalidInput { .. }) => Ok(Outcome::InvalidInput),
        Err(other) => Err(format!("an error the model does not expect: {other:?}")),
    }
}

impl World {
    pub(crate) fn conn(&self, m: M) -> &DatabaseConnection {
        if m == M::Comment {
            &self.away
        } else {
            &self.home
        }
    }

    pub(crate) async fn run(
        &self,
        op: &Op,
        module_stamp: Option<DateTimeUtc>,
    ) -> Result<Outcome, String> {
        let db = &self.home;
        let links = &self.links;
        match op {
            Op::Create(link, pairs) => by_link!(link, T => outcome(
                links.create_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Update(link, pairs) => by_link!(link, T => outcome(
                links.update_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Dismiss(link, pairs) => by_link!(link, T => outcome(
                links.dismiss_many(db, pairs.iter().map(T::pair)).await
            )),
            Op::Delete(m, keys) => by_model!(m, T => outcome(
                links.delete(db, keys.iter().map(|k| Key::<T>::new(k.clone()))).await
            )),
            Op::Restore(m, keys) => by_model!(m, T => outcome(
                links.restore(db, keys.iter().map(|k| Key::<T>::new(k.clone()))).await
            )),
            Op::ModuleDelete(m, id) => {
                let at = module_stamp.ok_or("a module soft-delete needs its stamp")?;
                self.module_delete(*m, id, at)
                    .await
                    .map_err(|e| format!("the module's own soft-delete failed: {e}"))?;
                Ok(Outcome::Ok)
            }
        }
    }

    /// What a module does itself: `UPDATE … SET deleted_at = ? WHERE id = ? AND deleted_at IS
    /// NULL`, with sea-orm, not through the library.
    async fn module_delete(&self, m: M, id: &str, at: DateTimeUtc) -> Result<(), DbErr> {
        macro_rules! soft_delete {
            ($module:ident, $id:expr) => {
                $module::Entity::update_many()
                    .col_expr($module::Column::DeletedAt, Expr::value(Some(at)))
                    .filter($module::Column::Id.eq($id))
                    .filter($module::Column::DeletedAt.is_null())
                    .exec(self.conn(m))
                    .await
                    .map(|_| ())
            };
        }
        let bad = |what| DbErr::Custom(format!("{what} id {id:?}"));
        match m {
            M::Product => soft_delete!(m_product, id),
            M::Post => soft_delete!(m_post, id),
            M::Comment => soft_delete!(m_comment, id),
            M::Region => soft_delete!(m_region, id.parse::<i32>().map_err(|_| bad("integer"))?),
            M::Alpha => soft_delete!(m_alpha, id),
            M::Beta => soft_delete!(m_beta, Uuid::parse_str(id).map_err(|_| bad("UUID"))?),
            M::Tag => Err(DbErr::Custom("tags cannot be soft-deleted".into())),
        }
    }

    /// Empties the link tables and revives every record, between sequences.
    pub(crate) async fn reset(&self) -> Result<(), DbErr> {
        for link in L::ALL {
            by_link!(link, T => T::clear(&self.home).await)?;
        }
        macro_rules! revive {
            ($module:ident, $db:expr) => {
                $module::Entity::update_many()
                    .col_expr($module::Column::DeletedAt, Expr::value(None::<DateTimeUtc>))
                    .exec($db)
                    .await?
            };
        }
        revive!(m_product, &self.home);
        revive!(m_post, &self.home);
        revive!(m_comment, &self.away);
        revive!(m_region, &self.home);
        revive!(m_alpha, &self.home);
        revive!(m_beta, &self.home);
        // The stamps the library keeps for deleted records of models without `deleted_at`.
        self.home
            .execute_unprepared("DELETE FROM link_record_deletions")
            .await?;
        Ok(())
    }
}

/// The module tables of the world and their records. `home` holds every model but comments,
/// which live on `away` (the same database on PostgreSQL and MariaDB, another file on SQLite).
pub(crate) async fn create_world(
    home: DatabaseConnection,
    away: DatabaseConnection,
    dbs: Vec<TestDb>,
) -> World {
    let backend = home.get_database_backend();
    let schema = Schema::new(backend);
    macro_rules! table {
        ($module:ident, $db:expr) => {
            $db.execute(&schema.create_table_from_entity($module::Entity))
                .await
                .expect(concat!("create ", stringify!($module)));
        };
    }
    table!(m_product, home);
    table!(m_post, home);
    table!(m_comment, away);
    table!(m_region, home);
    table!(m_tag, home);
    table!(m_alpha, home);
    table!(m_beta, home);
    if backend == DbBackend::MySql {
        // MariaDB's `timestamp` keeps seconds; a module that soft-deletes keeps microseconds
        // (README, Guarantees: Stamps), so stamps are compared exactly.
        for table in [
            "m_product",
            "m_post",
            "m_comment",
            "m_region",
            "m_alpha",
            "m_beta",
        ] {
            let db = if table == "m_comment" { &away } else { &home };
            db.execute_unprepared(&format!(
                "ALTER TABLE `{table}` MODIFY `deleted_at` TIMESTAMP(6) NULL DEFAULT NULL"
            ))
            .await
            .expect("microsecond deleted_at");
        }
    }

    macro_rules! seed {
        ($module:ident, $db:expr, $m:expr, |$id:ident| $model:expr) => {
            let rows: Vec<$module::ActiveModel> = $m
                .ids()
                .into_iter()
                .map(|$id| $model.into_active_model())
                .collect();
            $module::Entity::insert_many(rows)
                .exec($db)
                .await
                .expect(concat!("seed ", stringify!($module)));
        };
    }
    seed!(m_product, &home, M::Product, |id| m_product::Model {
        title: format!("Product {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_post, &home, M::Post, |id| m_post::Model {
        body: format!("Post {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_comment, &away, M::Comment, |id| m_comment::Model {
        text: format!("Comment {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_region, &home, M::Region, |id| m_region::Model {
        name: format!("Region {id}"),
        id: id.parse().expect("an integer id"),
        deleted_at: None,
    });
    seed!(m_tag, &home, M::Tag, |id| m_tag::Model {
        label: format!("Tag {id}"),
        id,
    });
    seed!(m_alpha, &home, M::Alpha, |id| m_alpha::Model {
        name: format!("Alpha {id}"),
        id,
        deleted_at: None,
    });
    seed!(m_beta, &home, M::Beta, |id| m_beta::Model {
        name: format!("Beta {id}"),
        id: Uuid::parse_str(&id).expect("a UUID id"),
        deleted_at: None,
    });

    let links = Links::builder(home.clone())
        .module("m_product")
        .module("m_blog")
        .module_on("m_talk", away.clone())
        .module("m_geo")
        .module("m_label")
        .module("m_alpha")
        .module("m_beta")
        .link::<MProductPost>()
        .link::<MPostComment>()
        .link::<MProductRegion>()
        .link::<MProductTag>()
        .link::<MOwns>()
        .link::<MMember>()
        .build()
        .expect("the registry");
    links.migrate().await.expect("migrate");
    World {
        links,
        home,
        away,
        _dbs: dbs,
    }
}
