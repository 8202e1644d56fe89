//! The typed loader: for a slice of models, their linked models grouped per parent, in two
//! statements (the link table, then the target table), whatever the number of parents.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};

use crate::definition::StoredLink;
use crate::error::{Error, Result};
use crate::linkable::{Linkable, ModelInfo, SeaOrmLinkable};
use crate::registry::{LinkEntry, Links, ModuleBinding};
use crate::sql::{Dialect, RecordTable};

impl Links {
    /// For each of `lefts`, its live right records through link `L`, in link order, aligned
    /// with `lefts` (`result[i]` belongs to `lefts[i]`). Dismissed links and soft-deleted
    /// records are left out. Two statements (per chunk of ids under the bind limit).
    ///
    /// ```ignore
    /// let brands: Vec<Vec<brand::Model>> = links.load_right::<ProductBrand, _>(&db, &products).await?;
    /// ```
    pub async fn load_right<L, C>(&self, conn: &C, lefts: &[L::Left]) -> Result<Vec<Vec<L::Right>>>
    where
        L: StoredLink,
        L::Right: SeaOrmLinkable + Clone,
        <L::Right as SeaOrmLinkable>::Entity: EntityTrait<Model = L::Right>,
        C: ConnectionTrait,
    {
        let entry = self.entry::<L>()?;
        let parents: Vec<String> = lefts.iter().map(|m| m.link_key().into_string()).collect();
        self.load(conn, entry, true, &parents).await
    }

    /// The reverse of [`Links::load_right`]: for each of `rights`, its live left records.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub async fn load_left<L, C>(&self, conn: &C, rights: &[L::Right]) -> Result<Vec<Vec<L::Left>>>
    where
        L: StoredLink,
        L::Left: SeaOrmLinkable + Clone,
        <L::Left as SeaOrmLinkable>::Entity: EntityTrait<Model = L::Left>,
        C: ConnectionTrait,
    {
        let entry = self.entry::<L>()?;
        let parents: Vec<String> = rights.iter().map(|m| m.link_key().into_string()).collect();
        self.load(conn, entry, false, &parents).await
    }

    /// For each of `lefts`, the right records a read-only link `L` points at, aligned with
    /// `lefts`: forward through the left model's `field` (ids in a `String`, `Option` or `Vec`
    /// field), or inverse through the right model's `primary_key` field pointing back at the
    /// left's `field`. One statement (per chunk of ids); soft-deleted records are left out.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub async fn load_read_only<L, C>(
        &self,
        conn: &C,
        lefts: &[L::Left],
    ) -> Result<Vec<Vec<L::Right>>>
    where
        L: crate::definition::LinkDefinition,
        L::Right: SeaOrmLinkable + Clone,
        <L::Right as SeaOrmLinkable>::Entity: EntityTrait<Model = L::Right>,
        C: ConnectionTrait,
    {
        let spec = L::SPEC;
        let (true, Some(field)) = (spec.read_only, spec.left.field) else {
            return Err(Error::invalid(format!(
                "link {} stores its pairs in a table: load it with load_right / load_left",
                spec.display_name()
            )));
        };
        let model = <L::Right as Linkable>::MODEL;
        let conn_for = |links: &Links| match links.binding(model.module) {
            Some(ModuleBinding::Elsewhere(other)) => Some(other.clone()),
            _ => None,
        };
        let other = conn_for(self);
        let per_left: Vec<Vec<String>> = lefts
            .iter()
            .map(|left| left.field_ids(field).unwrap_or_default())
            .collect();
        let mut wanted: Vec<String> = per_left.iter().flatten().cloned().collect();
        wanted.sort_unstable();
        wanted.dedup();

        match spec.right.primary_key {
            None => {
                let found = match &other {
                    Some(other) => {
                        live_records::<L::Right, _>(other, &model, &wanted, None).await?
                    }
                    None => live_records::<L::Right, _>(conn, &model, &wanted, None).await?,
                };
                Ok(per_left
                    .iter()
                    .map(|ids| ids.iter().filter_map(|id| found.get(id).cloned()).collect())
                    .collect())
            }
            Some(back) => {
                let found = match &other {
                    Some(other) => {
                        live_records::<L::Right, _>(other, &model, &wanted, Some(back)).await?
                    }
                    None => live_records::<L::Right, _>(conn, &model, &wanted, Some(back)).await?,
                };
                // Group the right records by the id their field points back at.
                let mut by_parent: HashMap<String, Vec<L::Right>> = HashMap::new();
                let mut records: Vec<&L::Right> = found.values().collect();
                records.sort_by_key(|record| record.link_key());
                for record in records {
                    for parent in record.field_ids(back).unwrap_or_default() {
                        by_parent.entry(parent).or_default().push(record.clone());
                    }
                }
                Ok(per_left
                    .iter()
                    .map(|ids| {
                        ids.iter()
                            .flat_map(|id| by_parent.get(id).cloned().unwrap_or_default())
                            .collect()
                    })
                    .collect())
            }
        }
    }

    async fn load<T, C>(
        &self,
        conn: &C,
        entry: &LinkEntry,
        from_left: bool,
        parents: &[String],
    ) -> Result<Vec<Vec<T>>>
    where
        T: SeaOrmLinkable + Clone,
        <T as SeaOrmLinkable>::Entity: EntityTrait<Model = T>,
        C: ConnectionTrait,
    {
        let mut unique: Vec<String> = parents.to_vec();
        unique.sort_unstable();
        unique.dedup();
        // 1. The live link rows of the parents.
        let (left, right) = if from_left {
            (Some(unique), None)
        } else {
            (None, Some(unique))
        };
        let rows = entry
            .table()
            .read_live(conn, left.as_deref(), right.as_deref())
            .await?;
        let edges = entry.table().ends_of(&rows, true)?;
        // (parent, target) of a link row.
        let ends = |row: &crate::events::EventRow| {
            if from_left {
                (row.left.clone(), row.right.clone())
            } else {
                (row.right.clone(), row.left.clone())
            }
        };
        let mut targets: Vec<String> = edges.iter().map(|e| ends(e).1).collect();
        targets.sort_unstable();
        targets.dedup();

        // 2. The live target records.
        let model = T::MODEL;
        let found: HashMap<String, T> = match self.binding(model.module) {
            Some(ModuleBinding::Elsewhere(other)) => {
                live_records::<T, _>(other, &model, &targets, None).await?
            }
            _ => live_records::<T, _>(conn, &model, &targets, None).await?,
        };

        let mut grouped: HashMap<String, Vec<T>> = HashMap::new();
        for edge in &edges {
            let (parent, target) = ends(edge);
            if let Some(record) = found.get(&target) {
                grouped.entry(parent).or_default().push(record.clone());
            }
        }
        Ok(parents
            .iter()
            .map(|parent| grouped.get(parent).cloned().unwrap_or_default())
            .collect())
    }
}

/// The live records whose primary key (or, with `by_field`, that field) is one of `ids`, by
/// key: one statement per chunk.
async fn live_records<T, C>(
    conn: &C,
    model: &ModelInfo,
    ids: &[String],
    by_field: Option<&'static str>,
) -> Result<HashMap<String, T>>
where
    T: SeaOrmLinkable,
    <T as SeaOrmLinkable>::Entity: EntityTrait<Model = T>,
    C: ConnectionTrait,
{
    let Some(table) = model.table else {
        return Ok(HashMap::new());
    };
    let mut found = HashMap::with_capacity(ids.len());
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (column, values) = match by_field {
        None => (
            model.primary_key,
            crate::linkable::key_values(model, &refs)?,
        ),
        Some(field) => (
            model.column_of(field),
            ids.iter()
                .map(|id| sea_orm::Value::from(id.clone()))
                .collect(),
        ),
    };
    let dialect = Dialect::of(conn);
    for chunk in values.chunks(dialect.rows_per_statement(1)) {
        let records_table = RecordTable { name: table, model };
        let query = <T as SeaOrmLinkable>::Entity::find()
            .filter(records_table.live_among(dialect, column, chunk));
        let records = query.all(conn).await.map_err(Error::database(format!(
            "loading {} records",
            model.qualified_name()
        )))?;
        for record in records {
            found.insert(record.link_key().into_string(), record);
        }
    }
    Ok(found)
}
