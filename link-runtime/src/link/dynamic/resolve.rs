//! Resolving a Medusa-shaped definition: its sides to models and ids, the link it names or
//! implies, its pairs grouped by link.

use super::*;

impl Links {
    /// Parses definitions and groups their pairs by link, in order of first appearance.
    pub(super) fn definition_groups(
        &self,
        input: &Json,
        data: DataUse,
    ) -> Result<Vec<(LinkEntry, Vec<PreparedPair>)>> {
        crate::input::check_json(input)?;
        let items = items(input);
        let many = items.len() > 1;
        let mut definitions = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let definition = self.definition(item, data).map_err(|err| match err {
                // Say which definition of a batch was wrong.
                Error::InvalidInput { message } if many => Error::InvalidInput {
                    message: format!("link definition {index}: {message}"),
                },
                Error::Direction { message } if many => Error::Direction {
                    message: format!("link definition {index}: {message}"),
                },
                Error::UnknownLink { message } if many => Error::UnknownLink {
                    message: format!("link definition {index}: {message}"),
                },
                other => other,
            })?;
            definitions.push(definition);
        }
        let mut groups: Vec<(LinkEntry, Vec<PreparedPair>)> = Vec::new();
        for Definition { entry, pair } in definitions {
            match groups
                .iter_mut()
                .find(|(e, _)| e.spec.name == entry.spec.name)
            {
                Some((_, pairs)) => pairs.push(pair),
                None => groups.push((entry, vec![pair])),
            }
        }
        Ok(groups
            .into_iter()
            .map(|(entry, pairs)| (entry, merge_pairs(pairs.into_iter())))
            .collect())
    }

    pub(super) fn definition(&self, item: &Json, data: DataUse) -> Result<Definition> {
        let object = item.as_object().ok_or_else(|| {
            Error::invalid(format!(
                "a link definition is an object such as {{\"product\": {{\"product_id\": \"p1\"}}, \"brand\": {{\"brand_id\": \"b1\"}}}}; got {}",
                short(item)
            ))
        })?;
        let link = link_name(object)?;
        let sides = self.sides(object, false)?;
        let (left, right) = match sides.as_slice() {
            [left, right] => (left, right),
            [] | [_] => {
                return Err(Error::invalid(format!(
                    "a link definition names two records, left first; this one names {}: add the missing side",
                    match sides.first() {
                        Some(side) => format!("only `{}`", side.key),
                        None => "none".to_string(),
                    }
                )));
            }
            _ => return Err(third_side(&sides)),
        };
        let entry = self.find_link(&left.key, &left.model, &right.key, &right.model, link)?;
        if entry.spec.read_only {
            return Err(read_only(&entry.spec));
        }
        let named = match (object.get("data"), data) {
            (_, DataUse::Ignored) => Vec::new(),
            (Some(data), _) => named_data(&entry.spec, data)?,
            (None, DataUse::Optional) => Vec::new(),
            (None, DataUse::Required) => {
                return Err(Error::invalid(format!(
                    "an update of link {} names the extra columns to change in \"data\", e.g. {}",
                    entry.spec.display_name(),
                    match entry.spec.extra_columns.first() {
                        Some(column) => format!("{{\"data\": {{\"{}\": …}}}}", column.name),
                        None => "…; this link has no extra columns, so there is nothing to update"
                            .to_string(),
                    }
                )));
            }
        };
        let pair = PreparedPair {
            left: left.ids[0].clone(),
            right: right.ids[0].clone(),
            named,
            insert_only: Vec::new(),
        };
        Ok(Definition { entry, pair })
    }

    /// The models of every registered link.
    pub(super) fn known_models(&self) -> Vec<ModelInfo> {
        let mut models: Vec<ModelInfo> = Vec::new();
        for spec in self.specs() {
            for model in [spec.left.model, spec.right.model] {
                if !models.iter().any(|m| m.is(&model)) {
                    models.push(model);
                }
            }
        }
        models
    }

    /// The sides of an input object (every key but `link` and `data`), in order.
    pub(super) fn sides(&self, object: &Map<String, Json>, many_ids: bool) -> Result<Vec<SideRef>> {
        let known = self.known_models();
        let mut sides = Vec::new();
        for (key, value) in object.iter().filter(|(k, _)| *k != "link" && *k != "data") {
            let candidates: Vec<&ModelInfo> = known
                .iter()
                .filter(|m| m.module == key || m.name == key)
                .collect();
            if candidates.is_empty() {
                let mut names: Vec<String> = known.iter().map(|m| self.side_key(m)).collect();
                names.sort();
                names.dedup();
                return Err(Error::invalid(format!(
                    "unknown module or model `{key}`; the linked ones are: {}",
                    names.join(", ")
                )));
            }
            let expected: Vec<String> = candidates
                .iter()
                .map(|m| format!("{{\"{key}\": {{\"{}\": \"…\"}}}}", m.key))
                .collect();
            let inner = value.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
                Error::invalid(format!(
                    "`{key}` names one record by its key, as {}; got {}",
                    expected.join(" or "),
                    short(value)
                ))
            })?;
            let Some((key_name, id)) = inner.iter().next() else {
                continue;
            };
            let matching: Vec<&&ModelInfo> =
                candidates.iter().filter(|m| m.key == key_name).collect();
            let model = match matching.as_slice() {
                [model] => ***model,
                [] => {
                    return Err(Error::invalid(format!(
                        "unknown key `{key_name}` for `{key}`; expected {}",
                        candidates
                            .iter()
                            .map(|m| format!("`{}`", m.key))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )));
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "`{key}.{key_name}` is ambiguous: name the model instead of the module"
                    )));
                }
            };
            let ids = ids(key, key_name, id, many_ids)?
                .into_iter()
                .map(|id| crate::linkable::canonical(&model, id))
                .collect::<Result<Vec<_>>>()?;
            sides.push(SideRef {
                key: key.clone(),
                model,
                ids,
            });
        }
        Ok(sides)
    }

    /// How the JSON shape names a model: its module, unless the module holds several linked
    /// models; then the model.
    pub(super) fn side_key(&self, model: &ModelInfo) -> String {
        let in_module = self
            .known_models()
            .iter()
            .filter(|m| m.module == model.module)
            .count();
        if in_module > 1 {
            model.name.to_string()
        } else {
            model.module.to_string()
        }
    }

    pub(super) fn link_named(&self, name: &str) -> Result<LinkEntry> {
        self.entry_named(name)
            .cloned()
            .ok_or_else(|| Error::UnknownLink {
                message: format!(
                    "unknown link `{}`; the links are: {}",
                    crate::input::shown(name),
                    self.specs().map(|s| s.name).collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// The link joining `left` → `right` (in that order), or the error saying why there is none.
    pub(super) fn find_link(
        &self,
        left_key: &str,
        left: &ModelInfo,
        right_key: &str,
        right: &ModelInfo,
        name: Option<&str>,
    ) -> Result<LinkEntry> {
        let joins = |e: &LinkEntry, a: &ModelInfo, b: &ModelInfo| {
            e.spec.left.model.is(a) && e.spec.right.model.is(b)
        };
        let direction = |e: &LinkEntry| Error::Direction {
            message: format!(
                "link {} is declared with {} first; you passed {} first: put the \"{}\" key before the \"{}\" key",
                e.spec.display_name(),
                e.spec.left.model.name,
                left.name,
                right_key,
                left_key
            ),
        };
        if let Some(name) = name {
            let entry = self.link_named(name)?;
            if joins(&entry, left, right) {
                return Ok(entry);
            }
            if joins(&entry, right, left) {
                return Err(direction(&entry));
            }
            return Err(Error::invalid(format!(
                "link {} joins {} and {}, not {} and {}",
                entry.spec.display_name(),
                entry.spec.left.model.qualified_name(),
                entry.spec.right.model.qualified_name(),
                left.qualified_name(),
                right.qualified_name()
            )));
        }
        let forward: Vec<&LinkEntry> = self
            .entries()
            .iter()
            .filter(|e| joins(e, left, right))
            .collect();
        match forward.as_slice() {
            [entry] => return Ok((*entry).clone()),
            [] => {}
            several => {
                return Err(Error::invalid(format!(
                    "{} and {} are joined by several links ({}): say which with \"link\"",
                    left.name,
                    right.name,
                    several
                        .iter()
                        .map(|e| e.spec.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if let Some(reverse) = self.entries().iter().find(|e| joins(e, right, left)) {
            return Err(direction(reverse));
        }
        Err(Error::UnknownLink {
            message: format!(
                "no link joins {} and {}: declare one with define_link!",
                left.qualified_name(),
                right.qualified_name()
            ),
        })
    }

    /// The one stored link `model` takes part in (or the one named).
    pub(super) fn link_of(
        &self,
        key: &str,
        model: &ModelInfo,
        name: Option<&str>,
    ) -> Result<LinkEntry> {
        let involved: Vec<&LinkEntry> = self
            .stored_entries()
            .filter(|e| e.spec.left.model.is(model) || e.spec.right.model.is(model))
            .collect();
        if let Some(name) = name {
            let entry = self.link_named(name)?;
            if involved.iter().any(|e| e.spec.name == entry.spec.name) {
                return Ok(entry);
            }
            let joins_model = entry.spec.left.model.is(model) || entry.spec.right.model.is(model);
            if entry.spec.read_only && joins_model {
                return Err(read_only(&entry.spec));
            }
            return Err(Error::invalid(format!(
                "link {} does not involve `{key}`",
                entry.spec.display_name()
            )));
        }
        match involved.as_slice() {
            [entry] => Ok((*entry).clone()),
            [] => Err(Error::UnknownLink {
                message: format!("no link involves `{key}`"),
            }),
            several => Err(Error::invalid(format!(
                "`{key}` takes part in several links ({}): say which with \"link\"",
                several
                    .iter()
                    .map(|e| e.spec.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

pub(super) fn link_name(object: &Map<String, Json>) -> Result<Option<&str>> {
    match object.get("link") {
        None => Ok(None),
        Some(Json::String(name)) => Ok(Some(name)),
        Some(other) => Err(Error::invalid(format!(
            "\"link\" is the name of a link, such as \"ProductBrand\"; got {}",
            short(other)
        ))),
    }
}

pub(super) fn third_side(sides: &[SideRef]) -> Error {
    Error::invalid(format!(
        "a link joins two records; this names {}: remove `{}`",
        sides
            .iter()
            .map(|s| format!("`{}`", s.key))
            .collect::<Vec<_>>()
            .join(", "),
        sides.get(2).map(|s| s.key.as_str()).unwrap_or_default()
    ))
}

pub(super) fn ids(key: &str, key_name: &str, value: &Json, many: bool) -> Result<Vec<String>> {
    let one = |v: &Json| match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let found = match value {
        Json::Array(items) if many => items.iter().map(one).collect::<Option<Vec<_>>>(),
        other => one(other).map(|id| vec![id]),
    };
    found.ok_or_else(|| {
        Error::invalid(format!(
            "the id of `{key}.{key_name}` is a string{}; got {}",
            if many { " or an array of strings" } else { "" },
            short(value)
        ))
    })
}
