//! Parsing Medusa's filter shape into a checked [`Filter`] tree, against the model's fields,
//! the link hops and the allow-list.

use super::*;
use crate::linkable::canonical;
use crate::source::key_text;

/// What parsing needs: the registry, for models, hops and column types, and the allow-list.
pub(crate) struct Parser<'a> {
    pub(crate) links: &'a Links,
    pub(crate) allow: Option<&'a AllowList>,
}

impl Parser<'_> {
    pub(crate) fn source(&self, model: &ModelInfo) -> Result<&dyn RecordSource> {
        self.links
            .source_of(model)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{} is not a model of a database of ours (an external model): its records cannot be filtered or sorted in SQL",
                    model.qualified_name()
                ))
            })
    }

    /// Behind an allow-list: `path` is allowed as something (checked before it is resolved).
    pub(super) fn allowed(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check(path),
            None => Ok(()),
        }
    }

    /// Behind an allow-list: the field path `path` is allowed.
    pub(super) fn allowed_field(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check_field(path),
            None => Ok(()),
        }
    }

    /// Behind an allow-list: the link at `path` may be followed.
    fn allowed_link(&self, path: &str) -> Result<()> {
        match self.allow {
            Some(allow) => allow.check_link(path),
            None => Ok(()),
        }
    }

    /// Parses `json` as a filter on `model`. `prefix` is the path to `model` (`""` at the root,
    /// `"brand."` under the brand hop); `through` is the hop that reached it, whose
    /// `filterable(…)` fields are the only ones a filter may name.
    pub(crate) fn parse(
        &self,
        model: &ModelInfo,
        json: &Json,
        prefix: &str,
        through: Option<&Hop>,
    ) -> Result<Filter> {
        let object = match json {
            Json::Null => return Ok(Filter::All(Vec::new())),
            Json::Object(object) => object,
            other => {
                return Err(Error::invalid(format!(
                    "filters{} must be an object such as {{\"title\": \"Shirt\"}}, not {}",
                    at(prefix),
                    crate::input::shown(&other.to_string())
                )));
            }
        };
        let mut all = Vec::new();
        // Every mistake of the filters is reported at once.
        let mut wrong = Vec::new();
        for (key, value) in object {
            match self.parse_key(model, (key, value), prefix, through) {
                Ok(filter) => all.push(filter),
                Err(error) => wrong.push(error),
            }
        }
        crate::query::paths::at_once("filters", wrong)?;
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::All(all)
        })
    }

    /// One entry of a filter object: `$and`, `$or`, `$not`, or a field or link of `model`.
    fn parse_key(
        &self,
        model: &ModelInfo,
        (key, value): (&String, &Json),
        prefix: &str,
        through: Option<&Hop>,
    ) -> Result<Filter> {
        Ok(match key.as_str() {
            "$and" | "$or" => {
                let Json::Array(items) = value else {
                    return Err(Error::invalid(format!(
                        "`{key}`{} takes an array of filters, not {}",
                        at(prefix),
                        crate::input::shown(&value.to_string())
                    )));
                };
                let parts = items
                    .iter()
                    .map(|item| self.parse(model, item, prefix, through))
                    .collect::<Result<Vec<_>>>()?;
                if key == "$and" {
                    Filter::All(parts)
                } else {
                    Filter::Any(parts)
                }
            }
            "$not" => Filter::Not(Box::new(self.parse(model, value, prefix, through)?)),
            op if op.starts_with('$') => {
                return Err(Error::invalid(format!(
                    "unknown operator `{op}`{}: combine filters with $and, $or, $not; compare a field with {OPERATORS}",
                    at(prefix)
                )));
            }
            name => {
                let path = format!("{prefix}{name}");
                self.allowed(&path)?;
                match paths::step(self.links, (model, through), name, &path, self.allow)? {
                    Step::Field(field) => {
                        self.allowed_field(&path)?;
                        if let Some(hop) = through
                            && !hop.filterable(field)
                        {
                            return Err(not_filterable(hop, field));
                        }
                        let source = self.source(model)?;
                        let (ty, _) = source.column(field).ok_or_else(|| Error::UnknownField {
                            message: format!(
                                "`{path}` is not a column of {}",
                                model.qualified_name()
                            ),
                        })?;
                        let key = entry_point_key(self.links, model, field);
                        compare(&ty, model.column_of(field), value, &path, key.as_ref())?
                    }
                    // The link's own columns are always filterable: the link declares them.
                    Step::LinkColumn(column) => {
                        if let Some(allow) = self.allow {
                            allow.check_exact(&path)?;
                        }
                        let ty = column.ty.sea_orm_type();
                        Filter::OnLink(Box::new(compare(&ty, column.name, value, &path, None)?))
                    }
                    Step::Hop(hop) => {
                        // Behind an allow-list, say nothing of a link it does not reach.
                        self.allowed_link(&path)?;
                        if let Some(error) = not_through_link_table(&hop, &format!("`{path}`")) {
                            return Err(error);
                        }
                        self.source(&hop.target)?;
                        let inner =
                            self.parse(&hop.target, value, &format!("{path}."), Some(&hop))?;
                        Filter::Linked {
                            hop,
                            filter: Box::new(inner),
                        }
                    }
                }
            }
        })
    }
}

/// The model whose keys `field` of a link table's entry point holds (its key columns hold each
/// side's keys, as text in their canonical form).
fn entry_point_key(links: &Links, model: &ModelInfo, field: &str) -> Option<ModelInfo> {
    if model.module != crate::hops::LINK_MODULE {
        return None;
    }
    let spec = links
        .specs()
        .find(|spec| !spec.read_only && spec.entry_point() == model.name)?;
    [&spec.left, &spec.right]
        .into_iter()
        .find(|side| side.column == field)
        .map(|side| side.model)
}

/// The condition `value` puts on `field`, a column of type `ty`: a value, an array (`$in`),
/// null, or an object of operators. A column holding `key`'s keys takes them in any form a
/// write takes, and compares their canonical text.
fn compare(
    ty: &sea_orm::sea_query::ColumnType,
    field: &'static str,
    value: &Json,
    path: &str,
    key: Option<&ModelInfo>,
) -> Result<Filter> {
    let ty = ty.clone();
    let as_typed = |json: &Json| {
        value_for(&ty, json).map_err(|expected| {
            Error::invalid(format!(
                "filter on `{path}`: expected {expected}, got {}",
                crate::input::shown(&json.to_string())
            ))
        })
    };
    // Strict for what must find a key (`$eq`, `$in`): a form no key takes is refused, as a
    // write refuses it. Lenient for the rest (`$ne`, `$nin`, ranges): such a value is compared
    // as the text it is.
    let typed = |json: &Json, strict: bool| match (key, key_text(json)) {
        (Some(model), Some(id)) => match canonical(model, id.clone()) {
            Ok(id) => Ok(Value::from(id)),
            Err(_) if !strict => Ok(Value::from(id)),
            Err(error) => Err(Error::invalid(format!("filter on `{path}`: {error}"))),
        },
        _ => as_typed(json),
    };
    let list = |json: &Json, op: &str| match json {
        Json::Array(items) => items
            .iter()
            .map(|item| typed(item, op == "$in"))
            .collect::<Result<Vec<_>>>(),
        other => Err(Error::invalid(format!(
            "filter on `{path}`: `{op}` takes an array, got {}",
            crate::input::shown(&other.to_string())
        ))),
    };
    Ok(match value {
        Json::Null => Filter::Null {
            column: field,
            is_null: true,
        },
        Json::Array(_) => Filter::Compare {
            column: field,
            op: Op::In,
            values: list(value, "$in")?,
        },
        Json::Object(ops) => {
            let mut all = Vec::new();
            for (op, operand) in ops {
                let op = match op.as_str() {
                    "$eq" => Op::Eq,
                    "$ne" => Op::Ne,
                    "$gt" => Op::Gt,
                    "$gte" => Op::Gte,
                    "$lt" => Op::Lt,
                    "$lte" => Op::Lte,
                    "$like" => Op::Like,
                    "$ilike" => Op::ILike,
                    "$in" => Op::In,
                    "$nin" => Op::Nin,
                    other => {
                        return Err(Error::invalid(format!(
                            "unknown operator `{other}` on `{path}`: use one of {OPERATORS}"
                        )));
                    }
                };
                all.push(match (op, operand) {
                        (Op::Eq | Op::Ne, Json::Null) => Filter::Null {
                            column: field,
                            is_null: op == Op::Eq,
                        },
                        (Op::In | Op::Nin, _) => Filter::Compare {
                            column: field,
                            op,
                            values: list(operand, if op == Op::In { "$in" } else { "$nin" })?,
                        },
                        (Op::Like | Op::ILike, _) if !is_text(&ty) => {
                            return Err(Error::invalid(format!(
                                "filter on `{path}`: `$like` and `$ilike` match text, and `{path}` is not a text column; compare it with $eq, $ne, $in, $nin, $gt, $gte, $lt or $lte"
                            )));
                        }
                        (Op::Like | Op::ILike, Json::String(pattern))
                            if ends_in_escape(pattern) =>
                        {
                            // PostgreSQL refuses it; the other backends would each read it
                            // their own way.
                            return Err(Error::invalid(format!(
                                "filter on `{path}`: the pattern {} ends with the escape character `\\`: write `\\\\` for a backslash itself",
                                crate::input::shown(&operand.to_string())
                            )));
                        }
                        (Op::Like | Op::ILike, Json::String(_)) => Filter::Compare {
                            column: field,
                            op,
                            values: vec![as_typed(operand)?],
                        },
                        (Op::Like | Op::ILike, other) => {
                            return Err(Error::invalid(format!(
                                "filter on `{path}`: `$like` and `$ilike` take a string pattern such as \"%shirt%\", got {}",
                                crate::input::shown(&other.to_string())
                            )));
                        }
                        (_, operand) => Filter::Compare {
                            column: field,
                            op,
                            values: vec![typed(operand, op == Op::Eq)?],
                        },
                    });
            }
            if all.len() == 1 {
                all.remove(0)
            } else {
                Filter::All(all)
            }
        }
        scalar => Filter::Compare {
            column: field,
            op: Op::Eq,
            values: vec![typed(scalar, true)?],
        },
    })
}

/// The error for a filter or order through `hop` when it does not go through a link table:
/// a read-only link (not filterable, as in Medusa), or a side of a link row read from its entry
/// point (its key column is). `at` names the place: `` `brand.name` `` or `` order `brand.name` ``.
pub(crate) fn not_through_link_table(hop: &Hop, at: &str) -> Option<Error> {
    let (Via::Forward { field } | Via::Inverse { field, .. }) = hop.via else {
        return None;
    };
    let message = if hop.spec.read_only {
        format!(
            "{at}: link {} is read-only, and read-only links are not filterable or sortable (as in Medusa); filter on `{field}` instead",
            hop.spec.display_name(),
        )
    } else {
        format!(
            "{at}: the {} of a row of link {} cannot be filtered or sorted by from the link's entry point; filter on the row's `{field}`, or query {} with a filter through the link",
            hop.name,
            hop.spec.display_name(),
            hop.target.name
        )
    };
    Some(Error::UnknownField { message })
}

/// Whether a `$like` pattern ends with a `\` that escapes nothing.
fn ends_in_escape(pattern: &str) -> bool {
    pattern.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Whether a column holds text (what `$like` matches).
pub(crate) fn is_text(ty: &sea_orm::sea_query::ColumnType) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    matches!(ty, T::Char(_) | T::String(_) | T::Text | T::Enum { .. })
}

pub(crate) fn at(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!(" under `{}`", prefix.trim_end_matches('.'))
    }
}

pub(crate) fn not_filterable(hop: &Hop, field: &str) -> Error {
    let side = if hop.spec.right.model.name == hop.target.name
        && hop.spec.right.model.module == hop.target.module
    {
        "right"
    } else {
        "left"
    };
    Error::UnknownField {
        message: format!(
            "{}.{field} is not filterable through link {}: add `filterable({field})` to the {} ({side}) side of its define_link!",
            hop.name,
            hop.spec.display_name(),
            hop.target.name
        ),
    }
}
