//! The graph Query walks: from each model, the links it can follow (its *hops*, named as Medusa
//! names them), and the tree of fields a request selects along them.

use crate::definition::ExtraColumn;
use crate::error::{Error, Result};
pub(crate) use crate::hops::{Hop, Via, hops_of_link};
use crate::input::shown;
use crate::linkable::ModelInfo;
use crate::registry::Links;

/// Every hop from `model`, in registration order.
pub(crate) fn hops_from(links: &Links, model: &ModelInfo) -> Vec<Hop> {
    links
        .entries()
        .iter()
        .enumerate()
        .flat_map(|(i, entry)| hops_of_link(i, &entry.spec, model))
        .collect()
}

/// What a request selects of one model's records, and the hops it follows from them.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) model: ModelInfo,
    /// Every field (`*`, or the hop named without a field).
    pub(crate) all: bool,
    /// Fields named one by one, in request order (the primary key always comes back too);
    /// the link columns among them are in `link_fields` too.
    pub(crate) fields: Vec<&'static str>,
    /// The columns of the link row that reached each record (`tags.position`), shown on the
    /// record beside its own fields.
    pub(crate) link_fields: Vec<&'static str>,
    pub(crate) children: Vec<(Hop, Node)>,
    /// The hop names that reach this node from the root, joined by `.` (`brand.tags`; empty at
    /// the root): the key of its nested page and of its records' lists.
    pub(crate) path: String,
}

impl Node {
    fn new(model: ModelInfo, path: String) -> Self {
        Node {
            model,
            all: false,
            fields: Vec::new(),
            link_fields: Vec::new(),
            children: Vec::new(),
            path,
        }
    }

    fn child(&mut self, hop: Hop) -> &mut Node {
        let at = match self.children.iter().position(|(h, _)| h.name == hop.name) {
            Some(at) => at,
            None => {
                let path = if self.path.is_empty() {
                    hop.name.clone()
                } else {
                    format!("{}.{}", self.path, hop.name)
                };
                let node = Node::new(hop.target, path);
                self.children.push((hop, node));
                self.children.len() - 1
            }
        };
        &mut self.children[at].1
    }

    /// The node at `path` (hop names), if the request selects it.
    pub(crate) fn at(&self, path: &[&str]) -> Option<&Node> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .children
                .iter()
                .find(|(hop, _)| hop.name == *first)
                .and_then(|(_, node)| node.at(rest)),
        }
    }
}

/// "valid fields of product: id, title, deleted_at; links: brand, tags", for messages; behind an
/// allow-list only what it allows, so a caller learns no other field names.
pub(crate) fn valid_names(links: &Links, model: &ModelInfo, allow: Option<&AllowList>) -> String {
    if let Some(allow) = allow {
        return format!("allowed here: {}", allow.patterns.join(", "));
    }
    let hops: Vec<String> = hops_from(links, model)
        .into_iter()
        .map(|h| h.name)
        .collect();
    let mut text = format!(
        "valid fields of {}: {}",
        model.name,
        model.fields.join(", ")
    );
    if !hops.is_empty() {
        text.push_str(&format!("; links: {}", hops.join(", ")));
    }
    text
}

/// The one of `candidates` closest to `name`, when close enough to be the name meant (a
/// typo, a missing plural `s`): for "did you mean" in an error.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(similarity, _)| *similarity > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A step of a field path: a hop to follow, a field of the model reached, or a column of the
/// link row that reached it.
pub(crate) enum Step {
    Hop(Box<Hop>),
    Field(&'static str),
    LinkColumn(&'static ExtraColumn),
}

/// Resolves one path segment on `model`, reached through the hop `via` (if any).
pub(crate) fn step(
    links: &Links,
    (model, via): (&ModelInfo, Option<&Hop>),
    name: &str,
    path: &str,
    allow: Option<&AllowList>,
) -> Result<Step> {
    if let Some(field) = model.fields.iter().find(|f| **f == name) {
        return Ok(Step::Field(field));
    }
    if let Some(column) = via.and_then(|hop| hop.link_column(name)) {
        return Ok(Step::LinkColumn(column));
    }
    if let Some(hop) = hops_from(links, model).into_iter().find(|h| h.name == name) {
        return Ok(Step::Hop(Box::new(hop)));
    }
    if let Some(allow) = allow {
        // An invented name gets the answer a hidden one gets.
        return Err(allow.refused(path));
    }
    let hops = hops_from(links, model);
    let columns = via.map(Hop::link_column_names).unwrap_or_default();
    let names = model
        .fields
        .iter()
        .copied()
        .chain(columns.iter().copied())
        .chain(hops.iter().map(|h| h.name.as_str()));
    let guess = closest(name, names)
        .map(|name| format!("did you mean `{name}`? "))
        .unwrap_or_default();
    let mut valid = valid_names(links, model, allow);
    if let (Some(hop), false) = (via, columns.is_empty()) {
        valid.push_str(&format!(
            "; columns of link {}: {}",
            hop.spec.display_name(),
            columns.join(", ")
        ));
    }
    Err(Error::UnknownField {
        message: format!(
            "unknown field `{}` in `{}`: {guess}{valid}",
            shown(name),
            shown(path),
        ),
    })
}

/// The tree of fields `fields` selects from `root` (every field of the root when empty).
pub(crate) fn parse_fields(
    links: &Links,
    root: ModelInfo,
    fields: &[String],
    allow: Option<&AllowList>,
) -> Result<Node> {
    let mut tree = Node::new(root, String::new());
    if fields.is_empty() {
        tree.all = true;
    }
    // Every wrong path is reported at once, so a caller fixes them in one round.
    let mut wrong: Vec<Error> = Vec::new();
    for path in fields {
        if let Err(error) = add_path(links, &mut tree, path, allow) {
            wrong.push(error);
        }
    }
    at_once("fields", wrong)?;
    Ok(tree)
}

/// `Ok` when `wrong` is empty; else one error for every mistake in it, so a caller fixes them
/// all in one round: the one, or `"n of the <what> are wrong: a | b"`, unknown names when all
/// are.
pub(crate) fn at_once(what: &str, wrong: Vec<Error>) -> Result<()> {
    if wrong.is_empty() {
        return Ok(());
    }
    Err(combined(what, wrong))
}

/// The one error for the mistakes `wrong` (at least one) of [`at_once`].
pub(crate) fn combined(what: &str, mut wrong: Vec<Error>) -> Error {
    if wrong.len() < 2 {
        return wrong
            .pop()
            .unwrap_or_else(|| Error::invalid(format!("the {what} are wrong")));
    }
    let message = format!(
        "{} of the {what} are wrong: {}",
        wrong.len(),
        wrong
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    if wrong
        .iter()
        .all(|e| matches!(e, Error::UnknownField { .. }))
    {
        Error::UnknownField { message }
    } else {
        Error::invalid(message)
    }
}

/// Adds the selection of `path` (`title`, `brand.*`, `brand.name`) to `tree`.
fn add_path(links: &Links, tree: &mut Node, path: &str, allow: Option<&AllowList>) -> Result<()> {
    if let Some(allow) = allow {
        allow.check(path)?;
    }
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = tree;
    let mut via: Option<Hop> = None;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if *segment == "*" && last {
            node.all = true;
            break;
        }
        match step(links, (&node.model, via.as_ref()), segment, path, allow)? {
            Step::Field(field) if last => {
                if !node.fields.contains(&field) {
                    node.fields.push(field);
                }
            }
            Step::LinkColumn(column) if last => {
                if let Some(allow) = allow {
                    allow.check_exact(path)?;
                }
                if !node.fields.contains(&column.name) {
                    node.fields.push(column.name);
                    node.link_fields.push(column.name);
                }
            }
            Step::LinkColumn(&ExtraColumn { name: field, .. }) | Step::Field(field) => {
                let what = if node.model.has_field(field) {
                    format!("a field of {}", node.model.name)
                } else {
                    format!("a column of the link that reached {}", node.model.name)
                };
                return Err(Error::UnknownField {
                    message: format!(
                        "`{}`: `{field}` is {what}, not a link, so nothing follows it; {}",
                        shown(path),
                        valid_names(links, &node.model, allow)
                    ),
                });
            }
            Step::Hop(hop) => {
                node = node.child((*hop).clone());
                via = Some(*hop);
                if last {
                    node.all = true;
                }
            }
        }
    }
    Ok(())
}

/// The paths an API lets its callers reach (SPEC §9.1): `title` allows that field,
/// `brand.*` every field of the brand, `brand.name` that one field. Fields, filters and order
/// outside the list are refused with [`Error::UnknownField`].
///
/// ```
/// use link_runtime::query::AllowList;
///
/// let allow = AllowList::new(["id", "title", "brand.*", "posts.title"]);
/// assert!(allow.permits("brand.name"));
/// assert!(!allow.permits("posts.body"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    patterns: Vec<String>,
}

impl AllowList {
    /// An allow-list of these paths.
    ///
    /// Example: [`AllowList`](crate::query::AllowList).
    pub fn new<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        AllowList {
            patterns: patterns.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether a caller may reach the field path `path`: a pattern names it, or `x.*` covers
    /// it as a field of `x` (a link's own column only where a pattern names it). A `*` covers fields, never links: Query follows a link only where
    /// [`AllowList::permits_link`] says so, so `brand.*` reaches `brand.name` but not
    /// `brand.products.title`, nor a filter through `brand.products`.
    ///
    /// Example: [`AllowList`](crate::query::AllowList).
    pub fn permits(&self, path: &str) -> bool {
        self.patterns.iter().any(|pattern| {
            if pattern == path {
                return true;
            }
            match pattern.strip_suffix('*') {
                Some(prefix) => {
                    let hop = prefix.trim_end_matches('.');
                    path == hop
                        || path
                            .strip_prefix(prefix)
                            .is_some_and(|rest| !rest.contains('.'))
                }
                None => false,
            }
        })
    }

    /// Whether a caller may follow the link at `path` (`brand`, `brand.products`): a pattern
    /// goes through it (`brand.name` and `brand.*` go through `brand`).
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn permits_link(&self, path: &str) -> bool {
        self.patterns.iter().any(|pattern| {
            pattern == path
                || pattern
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// `Err` unless `path` is allowed as a field or as a link; checked before the path is
    /// resolved, so a name the list hides and a name that does not exist get one answer.
    pub(crate) fn check(&self, path: &str) -> Result<()> {
        if self.permits(path) || self.permits_link(path) {
            return Ok(());
        }
        Err(self.refused(path))
    }

    /// `Err` unless a pattern names `path` itself: a link's own column (`tags.weight`) is
    /// reached only where the list names it, not through `tags.*`, which is the records' own
    /// fields, as in a query's fields.
    pub(crate) fn check_exact(&self, path: &str) -> Result<()> {
        if self.patterns.iter().any(|pattern| pattern == path) {
            return Ok(());
        }
        Err(self.refused(path))
    }

    /// `Err` unless the field path `path` is allowed.
    pub(crate) fn check_field(&self, path: &str) -> Result<()> {
        if self.permits(path) {
            return Ok(());
        }
        Err(self.refused(path))
    }

    /// `Err` unless the link at `path` may be followed.
    pub(crate) fn check_link(&self, path: &str) -> Result<()> {
        if self.permits_link(path) {
            return Ok(());
        }
        Err(self.refused(path))
    }

    /// The one answer for a path outside the list, whether or not it exists: it names only
    /// what the list allows.
    pub(crate) fn refused(&self, path: &str) -> Error {
        Error::UnknownField {
            message: format!(
                "`{}` is not allowed here; allowed: {}",
                shown(path),
                self.patterns.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AllowList;

    #[test]
    fn allow_lists_match_fields_stars_and_hops() {
        let allow = AllowList::new(["id", "brand.*", "posts.title"]);
        assert!(allow.permits("id"));
        assert!(!allow.permits("title"));
        assert!(allow.permits("brand"));
        assert!(allow.permits("brand.*"));
        assert!(allow.permits("brand.name"));
        assert!(!allow.permits("brand.products.title"));
        assert!(allow.permits_link("posts"));
        assert!(allow.permits("posts.title"));
        // `*` is the fields of a record, not its links.
        assert!(allow.permits_link("brand"));
        assert!(!allow.permits_link("brand.products"));
        assert!(!allow.permits("posts.*"));
        assert!(!allow.permits("post"));
        let all = AllowList::new(["*"]);
        assert!(all.permits("title"));
        assert!(!all.permits("brand.name"));
    }
}
