//! A picture of the link graph: the declared modules, their models and the links between them
//! with cardinality and options, as Mermaid or Graphviz DOT text, or (with the `svg` feature) an
//! SVG drawing laid out in pure Rust.

use std::collections::BTreeMap;

use crate::definition::{Cardinality, LinkSpec};
use crate::linkable::ModelInfo;
use crate::registry::Links;

/// The text format of [`Links::diagram`]. Non-exhaustive: `Svg` exists only with the `svg`
/// feature, which another crate of a build may turn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DiagramFormat {
    /// A Mermaid `flowchart` (renders on GitHub and in most Markdown viewers).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// An SVG drawing, laid out here (no Graphviz needed): a box per model, an arrow per link
    /// labelled with its cardinality and options, dashed for a read-only link.
    #[cfg(feature = "svg")]
    Svg,
}

fn node_id(model: &ModelInfo) -> String {
    format!("{}__{}", model.module, model.name)
}

fn cardinality(spec: &LinkSpec) -> &'static str {
    match spec.cardinality() {
        Cardinality::OneToOne => "1:1",
        Cardinality::OneToMany => "1:n",
        Cardinality::ManyToOne => "n:1",
        Cardinality::ManyToMany => "n:n",
    }
}

/// `ProductBrand n:1 · cascade → brand · filterable brand(id, name)`: the link's name, its
/// cardinality and its options ([`short_label`]'s, then `filterable`, aliases and data).
fn label(spec: &LinkSpec) -> String {
    let mut parts = vec![short_label(spec)];
    for side in [&spec.left, &spec.right] {
        if !side.filterable.is_empty() {
            parts.push(format!(
                "filterable {}({})",
                side.model.name,
                side.filterable.join(", ")
            ));
        }
        if let Some(alias) = side.alias {
            parts.push(format!("{} as {alias}", side.model.name));
        }
    }
    if !spec.extra_columns.is_empty() {
        let names: Vec<&str> = spec.extra_columns.iter().map(|c| c.name).collect();
        parts.push(format!("data({})", names.join(", ")));
    }
    parts.join(" · ")
}

/// `ProductBrand n:1 · cascade → brand`: the link's name, its cardinality, and whether it is
/// read-only or cascades (a drawing's label, short enough to keep the drawing narrow).
fn short_label(spec: &LinkSpec) -> String {
    let mut parts = vec![format!("{} {}", spec.name, cardinality(spec))];
    if spec.read_only {
        parts.push(String::from("read-only"));
    }
    for side in [&spec.left, &spec.right] {
        if side.delete_cascade {
            parts.push(format!("cascade → {}", side.model.name));
        }
    }
    parts.join(" · ")
}

impl Links {
    /// The registered modules, models and links as a diagram.
    ///
    /// ```
    /// use link_runtime::{define_link, DiagramFormat, Linkable, Links};
    ///
    /// mod product {
    ///     #[derive(link_runtime::Linkable)]
    ///     #[linkable(module = "product")]
    ///     pub struct Product { pub id: String }
    /// }
    /// mod brand {
    ///     #[derive(link_runtime::Linkable)]
    ///     #[linkable(module = "brand")]
    ///     pub struct Brand { pub id: String }
    /// }
    /// define_link! { pub ProductBrand: product::Product [is_list] => brand::Brand }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = sea_orm::Database::connect("sqlite::memory:").await?;
    /// let links = Links::builder(db).module("product").module("brand").link::<ProductBrand>().build()?;
    /// assert!(links.diagram(DiagramFormat::Mermaid).contains(
    ///     r#"product__product -- "ProductBrand n:1" --> brand__brand"#
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub fn diagram(&self, format: DiagramFormat) -> String {
        let mut modules: BTreeMap<&str, BTreeMap<&str, ModelInfo>> = BTreeMap::new();
        for spec in self.specs() {
            for side in [&spec.left, &spec.right] {
                modules
                    .entry(side.model.module)
                    .or_default()
                    .insert(side.model.name, side.model);
            }
        }
        let mut out = String::new();
        match format {
            DiagramFormat::Mermaid => {
                out.push_str("flowchart LR\n");
                for (module, models) in &modules {
                    out.push_str(&format!("  subgraph {module}\n"));
                    for model in models.values() {
                        out.push_str(&format!("    {}[\"{}\"]\n", node_id(model), model.name));
                    }
                    out.push_str("  end\n");
                }
                for spec in self.specs() {
                    let arrow = if spec.read_only { "-.->" } else { "-->" };
                    let dashes = if spec.read_only { "-." } else { "--" };
                    out.push_str(&format!(
                        "  {} {dashes} \"{}\" {arrow} {}\n",
                        node_id(&spec.left.model),
                        label(spec).replace('"', "'"),
                        node_id(&spec.right.model)
                    ));
                }
            }
            DiagramFormat::Dot => {
                out.push_str("digraph links {\n  rankdir=LR;\n  node [shape=box];\n");
                for (module, models) in &modules {
                    out.push_str(&format!(
                        "  subgraph \"cluster_{module}\" {{\n    label=\"{module}\";\n"
                    ));
                    for model in models.values() {
                        out.push_str(&format!(
                            "    \"{}\" [label=\"{}\"];\n",
                            node_id(model),
                            model.name
                        ));
                    }
                    out.push_str("  }\n");
                }
                for spec in self.specs() {
                    let style = if spec.read_only { ", style=dashed" } else { "" };
                    out.push_str(&format!(
                        "  \"{}\" -> \"{}\" [label=\"{}\"{style}];\n",
                        node_id(&spec.left.model),
                        node_id(&spec.right.model),
                        label(spec).replace('"', "'")
                    ));
                }
                out.push_str("}\n");
            }
            #[cfg(feature = "svg")]
            DiagramFormat::Svg => out = svg(&modules, self.specs()),
        }
        out
    }
}

/// The link graph drawn as SVG by `layout-rs` (Graphviz's layered layout, in pure Rust): a box
/// per model (`model · module`), an arrow per link from its left model to its right one,
/// labelled with [`short_label`] (the DOT and Mermaid text carry every option).
#[cfg(feature = "svg")]
fn svg<'s>(
    modules: &BTreeMap<&str, BTreeMap<&str, ModelInfo>>,
    specs: impl Iterator<Item = &'s LinkSpec>,
) -> String {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::color::Color;
    use layout::core::geometry::Point;
    use layout::core::style::{LineStyleKind, StyleAttr};
    use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
    use layout::topo::layout::VisualGraph;

    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    let mut nodes = BTreeMap::new();
    for (module, models) in modules {
        for model in models.values() {
            let look = StyleAttr::new(
                Color::fast("black"),
                2,
                Some(Color::fast("lightyellow")),
                5,
                15,
            );
            let shape = ShapeKind::new_box(&format!("{} · {module}", model.name));
            let element =
                Element::create(shape, look, Orientation::LeftToRight, Point::new(190., 44.));
            nodes.insert(node_id(model), graph.add_node(element));
        }
    }
    for spec in specs {
        let (Some(&from), Some(&to)) = (
            nodes.get(&node_id(&spec.left.model)),
            nodes.get(&node_id(&spec.right.model)),
        ) else {
            continue;
        };
        let style = if spec.read_only {
            LineStyleKind::Dashed
        } else {
            LineStyleKind::Normal
        };
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            &short_label(spec),
            &StyleAttr::simple(),
            &None,
            &None,
        );
        graph.add_edge(arrow, from, to);
    }
    let mut writer = SVGWriter::new();
    graph.do_it(false, false, false, &mut writer);
    writer.finalize()
}
