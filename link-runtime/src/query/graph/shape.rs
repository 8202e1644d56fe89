//! Shaping the answer: per-parent pages of nested lists, and the JSON of each record with its
//! linked records nested under the link's name.

use super::*;

/// One parent's list, ordered and sliced as its nested page says.
pub(super) fn page_of(
    mut items: Vec<usize>,
    page: &NestedPage,
    arena: &[Record],
    model: &ModelInfo,
) -> Vec<usize> {
    if !page.order.is_empty() {
        items.sort_by(|&a, &b| {
            for term in &page.order {
                let ordering = compare(
                    arena[a].get(term.field),
                    arena[b].get(term.field),
                    term.direction,
                );
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            key_of(&arena[a], model).cmp(&key_of(&arena[b], model))
        });
    }
    items
        .into_iter()
        .skip(page.skip)
        .take(page.take.unwrap_or(usize::MAX))
        .collect()
}

/// Orders two field values the way the root's SQL order does: missing and null values last
/// ascending and first descending.
pub(super) fn compare(a: Option<&Json>, b: Option<&Json>, direction: Direction) -> Ordering {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    let ordering = match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => {
            return if direction == Direction::Asc {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        (Some(_), None) => {
            return if direction == Direction::Asc {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        (Some(Json::Number(x)), Some(Json::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Json::Bool(x)), Some(Json::Bool(y))) => x.cmp(y),
        (Some(Json::String(x)), Some(Json::String(y))) => x.cmp(y),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    };
    if direction == Direction::Asc {
        ordering
    } else {
        ordering.reverse()
    }
}

/// Counts how many times [`render`] will show each record (at least; a record reached twice,
/// say a brand of two products, is copied, and so are the records below it).
pub(super) fn count_uses(node: &Node, index: usize, children: &Children, uses: &mut [u32]) {
    uses[index] = uses[index].saturating_add(1);
    for (_, child) in &node.children {
        if let Some(items) = children.get(&(child.path.as_str(), index)) {
            for &i in items {
                count_uses(child, i, children, uses);
            }
        }
    }
}

/// Writes the record `index` as `node` selects it, with its linked records. A record with one
/// use is taken out of the arena; others are copied. `via` is the hop that reached it.
pub(super) fn render(
    (node, via): (&Node, Option<&Hop>),
    index: usize,
    arena: &mut [Record],
    uses: &[u32],
    children: &Children,
) -> Json {
    let lists: Vec<bool> = node
        .children
        .iter()
        .map(|(hop, _)| {
            hop.list.unwrap_or_else(|| match hop.via {
                Via::Forward { field } => {
                    matches!(arena[index].get(field), Some(Json::Array(_)))
                }
                _ => false,
            })
        })
        .collect();
    let pk = node.model.key_field();
    let selected = std::iter::once(pk).chain(node.fields.iter().copied().filter(|f| *f != pk));
    let mut out = if uses[index] <= 1 {
        let mut record = std::mem::take(&mut arena[index]);
        if node.all {
            record
        } else {
            selected
                .map(|field| {
                    (
                        field.to_string(),
                        record.remove(field).unwrap_or(Json::Null),
                    )
                })
                .collect()
        }
    } else if node.all {
        arena[index].clone()
    } else {
        let record = &arena[index];
        selected
            .map(|field| {
                (
                    field.to_string(),
                    record.get(field).cloned().unwrap_or(Json::Null),
                )
            })
            .collect()
    };
    if node.all
        && let Some(hop) = via
    {
        // Link columns read only to order the list are not shown unless selected.
        for column in hop.link_column_names() {
            if !node.link_fields.contains(&column) {
                out.remove(column);
            }
        }
    }
    for ((hop, child), list) in node.children.iter().zip(lists) {
        let items = children
            .get(&(child.path.as_str(), index))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let value = if list {
            Json::Array(
                items
                    .iter()
                    .map(|&i| render((child, Some(hop)), i, arena, uses, children))
                    .collect(),
            )
        } else {
            items
                .first()
                .map(|&i| render((child, Some(hop)), i, arena, uses, children))
                .unwrap_or(Json::Null)
        };
        out.insert(hop.name.clone(), value);
    }
    Json::Object(out)
}
