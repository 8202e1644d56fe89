//! Limits on what callers send, checked before anything reads it: no real query or link
//! definition comes near them, and hostile input stops here instead of being parsed, echoed
//! back whole or recursed into.

use serde_json::Value as Json;

use crate::error::{Error, Result};

/// The longest name, key or field path accepted: far above any real one.
pub(crate) const MAX_NAME: usize = 255;
/// How many values a filter may bind (`$in` lists count each): well under every backend's
/// limit for one statement (SQLite's is 32,766), so a filter never fails in the database.
pub(crate) const MAX_FILTER_VALUES: usize = 10_000;
/// How deep JSON input may nest (`$and` in `$or` in a link …).
pub(crate) const MAX_DEPTH: usize = 32;

/// A caller's text as a message repeats it: cut to 80 characters, so a hostile megabyte is not
/// echoed back.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

/// Refuses a name longer than [`MAX_NAME`].
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    if name.len() > MAX_NAME {
        return Err(Error::invalid(format!(
            "{what} is at most {MAX_NAME} bytes; got `{}`",
            shown(name)
        )));
    }
    Ok(())
}

/// Refuses JSON nested deeper than [`MAX_DEPTH`] or with an object key longer than
/// [`MAX_NAME`]. Walks with a stack of its own, so any depth is safe to check.
pub(crate) fn check_json(input: &Json) -> Result<()> {
    let mut pending = vec![(input, 0)];
    while let Some((value, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::invalid(format!(
                "input nests at most {MAX_DEPTH} levels deep"
            )));
        }
        match value {
            Json::Object(map) => {
                for (key, inner) in map {
                    check_name("a key", key)?;
                    pending.push((inner, depth + 1));
                }
            }
            Json::Array(items) => pending.extend(items.iter().map(|item| (item, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a JSON value holds a NUL byte in any string, keys included.
pub(crate) fn json_holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_holds_nul),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || json_holds_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_and_deep_or_long_input_refused() {
        assert_eq!(shown("short"), "short");
        let cut = shown(&"é".repeat(500));
        assert!(
            cut.starts_with(&"é".repeat(80)) && cut.ends_with("… (1000 bytes)"),
            "{cut}"
        );
        assert!(check_json(&serde_json::json!({"a": [{"b": 1}]})).is_ok());
        let mut deep = Json::Null;
        for _ in 0..10_000 {
            deep = Json::Array(vec![deep]);
        }
        assert!(check_json(&deep).is_err());
        // serde_json drops nested values recursively: take it apart without recursion.
        let mut rest = vec![deep];
        while let Some(value) = rest.pop() {
            if let Json::Array(items) = value {
                rest.extend(items);
            }
        }
        let long = serde_json::json!({ "k".repeat(256): 1 });
        let message = check_json(&long)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("at most 255 bytes"), "{message}");
    }
}
