//! Medusa's tracking table, `link_module_migrations` (`medusa-behaviour.md` §1.3): one row per
//! link table a Medusa backend manages, with the link's descriptor. Read, never written: a table
//! tracked there is Medusa's (see `ownership` for this library's own record).

use sea_orm::ConnectionTrait;

use crate::definition::LinkSpec;
use crate::error::{Error, Result};
use crate::sql::migration::{self, MigrationSql};

/// The tracking table's name, as Medusa names it.
pub(crate) const TABLE: &str = migration::TRACKING_TABLE;

/// What a tracking row says a link table is for: Medusa's `link_descriptor`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    pub(crate) from_module: String,
    pub(crate) to_module: String,
    pub(crate) from_model: String,
    pub(crate) to_model: String,
}

impl Descriptor {
    pub(crate) fn of(spec: &LinkSpec) -> Self {
        Descriptor {
            from_module: spec.left.model.module.to_string(),
            to_module: spec.right.model.module.to_string(),
            from_model: spec.left.alias().to_string(),
            to_model: spec.right.alias().to_string(),
        }
    }

    /// `product.product → brand.brand`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{}.{} → {}.{}",
            self.from_module, self.from_model, self.to_module, self.to_model
        )
    }

    /// The same link, comparing module names case-insensitively as Medusa does.
    pub(crate) fn matches(&self, other: &Descriptor) -> bool {
        self.from_module.eq_ignore_ascii_case(&other.from_module)
            && self.to_module.eq_ignore_ascii_case(&other.to_module)
            && self.from_model == other.from_model
            && self.to_model == other.to_model
    }

    pub(crate) fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// The tracked tables with their descriptors (a descriptor Medusa left empty reads as none).
pub(crate) async fn rows<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, Option<Descriptor>)>> {
    let rows = conn
        .query_all(&MigrationSql::of(conn).read_tracking())
        .await
        .map_err(Error::database(format!("reading `{TABLE}`")))?;
    rows.iter()
        .map(|row| {
            let what = format!("`{TABLE}`");
            let table = crate::error::column::<String>(row, "t", &what)?;
            // Medusa may leave a descriptor empty (`{}`): that reads as none.
            let descriptor =
                serde_json::from_str(&crate::error::column::<String>(row, "d", &what)?).ok();
            Ok((table, descriptor))
        })
        .collect()
}
