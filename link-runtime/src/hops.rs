//! The properties a link gives the models it joins (*hops*, named as Medusa names them): what
//! Query follows, and what the registry checks for clashes when it is built.

use std::collections::BTreeMap;

use crate::definition::{ExtraColumn, LinkSpec};
use crate::key::KeyKind;
use crate::linkable::ModelInfo;
use crate::naming::{intern, intern_list};

/// How a hop reaches its target records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// Through the link table of registered link `link`, from its left side when `from_left`.
    Stored { link: usize, from_left: bool },
    /// A read-only link: the left model's `field` holds the target's primary key.
    Forward { field: &'static str },
    /// A read-only link: the target model's `back` field holds the value of the left's `field`.
    Inverse {
        field: &'static str,
        back: &'static str,
    },
}

/// One link followed from one model.
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    /// The property the linked records appear under (`brand`, `products`).
    pub(crate) name: String,
    pub(crate) via: Via,
    /// The link's declaration.
    pub(crate) spec: LinkSpec,
    /// The model reached.
    pub(crate) target: ModelInfo,
    /// Whether the property is an array; `None` when a read-only link's field decides (an array
    /// field gives an array, a single id an object or null).
    pub(crate) list: Option<bool>,
    /// The fields of the target that filters and order may name (`id` always may).
    pub(crate) filterable: &'static [&'static str],
    /// The link's own columns (its `extra_columns`), which a path through a stored hop may name
    /// beside the target's fields (`tags.position`); none for a read-only link.
    pub(crate) columns: &'static [ExtraColumn],
}

impl Hop {
    /// Whether the target's `field` may be filtered and sorted by through this hop.
    pub(crate) fn filterable(&self, field: &str) -> bool {
        field == self.target.key_field() || self.filterable.contains(&field)
    }

    /// The link's own column `name` as this hop reaches it. A field of the target with the same
    /// name wins: the column is then read through the link's entry point instead.
    pub(crate) fn link_column(&self, name: &str) -> Option<&'static ExtraColumn> {
        if self.target.has_field(name) {
            return None;
        }
        self.columns.iter().find(|c| c.name == name)
    }

    /// The names [`Hop::link_column`] reaches, for messages.
    pub(crate) fn link_column_names(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .filter(|c| !self.target.has_field(c.name))
            .map(|c| c.name)
            .collect()
    }
}

/// The module the entry points of link tables are registered under (`link.product_brand`).
pub(crate) const LINK_MODULE: &str = "link";

/// A stored link's table as a model Query can start from (its entry point, Medusa's
/// `Link.entryPoint`): its rows are the records, keyed by their `id`, with the two key columns,
/// the extra columns and the timestamps as fields.
pub(crate) fn entry_point_model(spec: &LinkSpec, table: &str) -> ModelInfo {
    let fields: Vec<&'static str> = ["id", spec.left.column, spec.right.column]
        .into_iter()
        .chain(spec.extra_columns.iter().map(|c| c.name))
        .chain(["created_at", "updated_at", "deleted_at"])
        .collect();
    ModelInfo {
        module: LINK_MODULE,
        name: intern(&spec.entry_point()),
        primary_key: "id",
        key_kind: KeyKind::String,
        key: "id",
        fields: intern_list(&fields),
        renamed: &[],
        soft_deletable: true,
        table: Some(intern(table)),
        rust_type: spec.name,
    }
}

/// The hops of `spec` (registered as link `index`) that start at `model`.
pub(crate) fn hops_of_link(index: usize, spec: &LinkSpec, model: &ModelInfo) -> Vec<Hop> {
    let mut hops = Vec::new();
    if model.module == LINK_MODULE {
        // From a link row of the entry point, each side's record, named by its alias as
        // Medusa names them (`product`, `brand`); the row holds both keys.
        if !spec.read_only && model.name == spec.entry_point() {
            for side in [&spec.left, &spec.right] {
                hops.push(Hop {
                    name: side.alias().to_string(),
                    via: Via::Forward { field: side.column },
                    spec: *spec,
                    target: side.model,
                    list: Some(false),
                    filterable: &[],
                    columns: &[],
                });
            }
        }
        return hops;
    }
    if spec.read_only {
        // As in Medusa, only the left model gains a property.
        if spec.left.model.is(model)
            && let Some(field) = spec.left.field
        {
            let forced = spec.read_only_list || spec.right.is_list;
            let via = match spec.right.primary_key {
                Some(back) => Via::Inverse { field, back },
                None => Via::Forward { field },
            };
            hops.push(Hop {
                name: spec.right.property(forced),
                via,
                spec: *spec,
                target: spec.right.model,
                list: match via {
                    Via::Inverse { .. } => Some(forced),
                    _ if forced => Some(true),
                    _ => None,
                },
                filterable: &[],
                columns: &[],
            });
        }
        return hops;
    }
    for (from_left, near, far) in [
        (true, &spec.left, &spec.right),
        (false, &spec.right, &spec.left),
    ] {
        if near.model.is(model) {
            hops.push(Hop {
                name: far.property(far.is_list),
                via: Via::Stored {
                    link: index,
                    from_left,
                },
                spec: *spec,
                target: far.model,
                list: Some(far.is_list),
                filterable: far.filterable,
                columns: spec.extra_columns,
            });
        }
    }
    hops
}

/// Registry problems: two hops from one model under one property name, or a hop named like a
/// field of the model, so a Query path would be ambiguous.
pub(crate) fn property_clashes<'a>(specs: impl Iterator<Item = &'a LinkSpec>) -> Vec<String> {
    let specs: Vec<&LinkSpec> = specs.collect();
    let mut models: BTreeMap<(&str, &str), ModelInfo> = BTreeMap::new();
    for spec in &specs {
        for side in [&spec.left, &spec.right] {
            models.insert((side.model.module, side.model.name), side.model);
        }
    }
    let mut problems = Vec::new();
    for model in models.values() {
        let mut seen: BTreeMap<String, &LinkSpec> = BTreeMap::new();
        for (i, spec) in specs.iter().enumerate() {
            for hop in hops_of_link(i, spec, model) {
                if model.has_field(&hop.name) {
                    problems.push(format!(
                        "link {} (defined at {}) would show {} records on {} as `{}`, which is already a field of {}: give that side `alias = \"…\"`",
                        spec.display_name(),
                        spec.defined_at,
                        hop.target.name,
                        model.name,
                        hop.name,
                        model.name
                    ));
                } else if let Some(first) = seen.get(&hop.name) {
                    if !first.read_only
                        && !spec.read_only
                        && first.joins_same_models(spec)
                        && !first.aliases_differ(spec)
                    {
                        // Already reported as two links with the same aliases.
                        continue;
                    }
                    problems.push(format!(
                        "links {} (defined at {}) and {} (defined at {}) would both show their records on {} as `{}`: give a side of one of them `alias = \"…\"`",
                        first.display_name(),
                        first.defined_at,
                        spec.display_name(),
                        spec.defined_at,
                        model.name,
                        hop.name
                    ));
                } else {
                    seen.insert(hop.name.clone(), spec);
                }
            }
        }
    }
    problems
}
