//! Parsing an order (`{"title": "ASC", "brand.name": "DESC"}`) into checked [`OrderBy`] terms:
//! own fields, and fields through non-list links.

use super::*;

/// A direction of `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Asc,
    Desc,
}

/// One `order` entry: a field of the root, or of a record reached through non-list hops.
#[derive(Debug, Clone)]
pub(crate) struct OrderBy {
    pub(crate) hops: Vec<Hop>,
    /// The field, as records name it (a nested list is sorted by it in memory).
    pub(crate) field: &'static str,
    /// Its column, for SQL.
    pub(crate) column: &'static str,
    pub(crate) direction: Direction,
    pub(crate) nullable: bool,
    /// `field` is a column of the link row that reached the record, not of the record.
    pub(crate) on_link: bool,
}

impl Parser<'_> {
    /// Parses `order` (`{"title": "ASC", "brand.name": "DESC"}`) on `model`, reached through
    /// `through` (a nested page's hop, whose link columns it may name).
    pub(crate) fn order(
        &self,
        (model, through): (&ModelInfo, Option<&Hop>),
        order: &serde_json::Map<String, Json>,
        prefix: &str,
        sql_side: bool,
    ) -> Result<Vec<OrderBy>> {
        let mut out = Vec::new();
        // Every mistake of the order is reported at once.
        let mut wrong = Vec::new();
        for (relative, direction) in order {
            match self.order_term((model, through), (relative, direction), prefix, sql_side) {
                Ok(Some(term)) => out.push(term),
                Ok(None) => {}
                Err(error) => wrong.push(error),
            }
        }
        crate::query::paths::at_once("order's terms", wrong)?;
        Ok(out)
    }

    /// One entry of an order, `"brand.name": "ASC"`.
    fn order_term(
        &self,
        (model, through): (&ModelInfo, Option<&Hop>),
        (relative, direction): (&String, &Json),
        prefix: &str,
        sql_side: bool,
    ) -> Result<Option<OrderBy>> {
        let path = &format!("{prefix}{relative}");
        let direction = match direction.as_str().map(str::to_ascii_uppercase).as_deref() {
            Some("ASC") => Direction::Asc,
            Some("DESC") => Direction::Desc,
            _ => {
                return Err(Error::invalid(format!(
                    "order of `{path}` must be \"ASC\" or \"DESC\", not {}",
                    crate::input::shown(&direction.to_string())
                )));
            }
        };
        // Behind an allow-list, say nothing of a path it does not reach.
        self.allowed(path)?;
        let segments: Vec<&str> = relative.split('.').collect();
        let mut current = *model;
        let mut hops: Vec<Hop> = Vec::new();
        let mut field = None;
        let mut on_link = None;
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let via = hops.last().or(through);
            match paths::step(self.links, (&current, via), segment, path, self.allow)? {
                Step::Field(f) if last => field = Some(f),
                Step::LinkColumn(column) if last => {
                    field = Some(column.name);
                    on_link = Some(column);
                }
                Step::LinkColumn(&crate::definition::ExtraColumn { name: f, .. }) => {
                    return Err(Error::UnknownField {
                        message: format!(
                            "order `{path}`: `{f}` is a column of the link that reached {}, not a link",
                            current.name
                        ),
                    });
                }
                Step::Field(f) => {
                    return Err(Error::UnknownField {
                        message: format!(
                            "order `{path}`: `{f}` is a field of {}, not a link",
                            current.name
                        ),
                    });
                }
                Step::Hop(hop) => {
                    if last {
                        return Err(Error::UnknownField {
                            message: format!(
                                "order `{path}` names a link; name one of its fields, such as `{path}.{}`",
                                hop.target.key_field()
                            ),
                        });
                    }
                    if let Some(error) = not_through_link_table(&hop, &format!("order `{path}`")) {
                        return Err(error);
                    }
                    if hop.list != Some(false) {
                        return Err(Error::invalid(format!(
                            "order `{path}`: `{}` is a list (each {} has many), so ordering by it is ambiguous; order by a field of a record each {} has at most one of",
                            hop.name, current.name, current.name
                        )));
                    }
                    if sql_side && !joinable(self.links, &current, &hop) {
                        return Err(Error::invalid(format!(
                            "order `{path}`: {} and {} are not both on the connection that holds the link tables, so they cannot be sorted together in SQL; bind both modules with `.module(…)` to order by this field",
                            current.qualified_name(),
                            hop.target.qualified_name()
                        )));
                    }
                    current = hop.target;
                    hops.push(*hop);
                }
            }
        }
        let Some(field) = field else {
            return Ok(None);
        };
        if let (Some(_), Some(allow)) = (on_link, self.allow) {
            allow.check_exact(path)?;
        }
        if let Some(hop) = hops.last()
            && on_link.is_none()
            && !hop.filterable(field)
        {
            return Err(not_filterable(hop, field));
        }
        self.allowed_field(path)?;
        let nullable = if let Some(column) = on_link {
            column.nullable || !hops.is_empty()
        } else if sql_side {
            self.source(&current)?
                .column(field)
                .is_none_or(|(_, nullable)| nullable)
                || !hops.is_empty()
        } else {
            true
        };
        Ok(Some(OrderBy {
            column: if on_link.is_some() {
                field
            } else {
                current.column_of(field)
            },
            hops,
            field,
            direction,
            nullable,
            on_link: on_link.is_some(),
        }))
    }
}
