//! The library side: each link's typed API (`TestLink`), and the macros that run code with the
//! marker type of an `L` or the `Model` type of an `M`.

use link_runtime::sea_orm;
use link_runtime::{Key, LinkPair, LinkRow, StoredLink};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use crate::DateTimeUtc;
use crate::ops::PairArg;
use crate::world::{
    MMember, MOwns, MPostComment, MProductPost, MProductRegion, MProductTag, m_member, m_owns,
    m_post_comment, m_product_post, m_product_region, m_product_tag,
};

/// The typed API of one link of the world.
pub(crate) trait TestLink: StoredLink + Sized {
    fn pair(p: &PairArg) -> LinkPair<Self>;
    /// The extra column of a listed row.
    fn extra(row: &LinkRow<Self>) -> Option<i32>;
    /// Every row of the link table: (left, right, deleted_at, extra).
    async fn stored(db: &DatabaseConnection) -> Result<Vec<StoredRow>, DbErr>;
    async fn clear(db: &DatabaseConnection) -> Result<(), DbErr>;
}

pub(crate) type StoredRow = (String, String, Option<DateTimeUtc>, Option<i32>);

macro_rules! test_link {
    ($marker:ident, $table:ident, |$p:ident, $d:ident| $with:expr, |$x:ident| $extra:expr, |$r:ident| $stored:expr) => {
        impl TestLink for $marker {
            fn pair(arg: &PairArg) -> LinkPair<Self> {
                let $p = LinkPair::new(Key::new(arg.left.clone()), Key::new(arg.right.clone()));
                let $d = arg.data;
                $with
            }

            fn extra(row: &LinkRow<Self>) -> Option<i32> {
                let $x: &$table::Extra = &row.extra;
                $extra
            }

            async fn stored(db: &DatabaseConnection) -> Result<Vec<StoredRow>, DbErr> {
                Ok($table::Entity::find()
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|$r: $table::Model| {
                        let extra = $stored;
                        ($r.left, $r.right, $r.deleted_at, extra)
                    })
                    .collect())
            }

            async fn clear(db: &DatabaseConnection) -> Result<(), DbErr> {
                $table::Entity::delete_many().exec(db).await?;
                Ok(())
            }
        }
    };
}

test_link!(MProductPost, m_product_post, |p, _d| p, |_x| None, |_r| {
    None
});
test_link!(MPostComment, m_post_comment, |p, _d| p, |_x| None, |_r| {
    None
});
test_link!(MOwns, m_owns, |p, _d| p, |_x| None, |_r| None);
test_link!(MMember, m_member, |p, _d| p, |_x| None, |_r| None);
test_link!(
    MProductRegion,
    m_product_region,
    |p, d| match d {
        Some(v) => p.with(m_product_region::Data::default().rank(Some(v))),
        None => p,
    },
    |x| x.rank,
    |r| r.rank
);
test_link!(
    MProductTag,
    m_product_tag,
    |p, d| match d {
        Some(v) => p.with(m_product_tag::Data::default().weight(v)),
        None => p,
    },
    |x| Some(x.weight),
    |r| Some(r.weight)
);

/// Runs `$body` with `$T` the marker type of link `$link`.
macro_rules! by_link {
    ($link:expr, $T:ident => $body:expr) => {
        match $link {
            $crate::rules::L::ProductPost => {
                type $T = $crate::world::MProductPost;
                $body
            }
            $crate::rules::L::PostComment => {
                type $T = $crate::world::MPostComment;
                $body
            }
            $crate::rules::L::ProductRegion => {
                type $T = $crate::world::MProductRegion;
                $body
            }
            $crate::rules::L::ProductTag => {
                type $T = $crate::world::MProductTag;
                $body
            }
            $crate::rules::L::Owns => {
                type $T = $crate::world::MOwns;
                $body
            }
            $crate::rules::L::Member => {
                type $T = $crate::world::MMember;
                $body
            }
        }
    };
}
pub(crate) use by_link;

/// Runs `$body` with `$T` the `Model` type of model `$m`.
macro_rules! by_model {
    ($m:expr, $T:ident => $body:expr) => {
        match $m {
            $crate::rules::M::Product => {
                type $T = $crate::world::m_product::Model;
                $body
            }
            $crate::rules::M::Post => {
                type $T = $crate::world::m_post::Model;
                $body
            }
            $crate::rules::M::Comment => {
                type $T = $crate::world::m_comment::Model;
                $body
            }
            $crate::rules::M::Region => {
                type $T = $crate::world::m_region::Model;
                $body
            }
            $crate::rules::M::Tag => {
                type $T = $crate::world::m_tag::Model;
                $body
            }
            $crate::rules::M::Alpha => {
                type $T = $crate::world::m_alpha::Model;
                $body
            }
            $crate::rules::M::Beta => {
                type $T = $crate::world::m_beta::Model;
                $body
            }
        }
    };
}
pub(crate) use by_model;
