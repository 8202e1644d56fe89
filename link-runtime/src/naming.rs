//! Medusa's link-table naming, reproduced exactly so a Rust service and a Medusa backend agree
//! on table and index names in a shared database (`medusa-behaviour.md` §1.2).

use crate::definition::LinkSpec;

/// The longest table name Medusa produces.
pub const TABLE_NAME_LIMIT: usize = 58;

/// Medusa's `composeTableName`: strips a trailing `_id` or `Service` from each part and joins
/// the parts with `_`.
pub fn compose_table_name(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| strip_suffix_ignore_case(part))
        .collect::<Vec<_>>()
        .join("_")
}

fn strip_suffix_ignore_case(part: &str) -> &str {
    for suffix in ["_id", "service"] {
        if part.len() >= suffix.len() {
            let split = part.len() - suffix.len();
            if part.is_char_boundary(split) && part[split..].eq_ignore_ascii_case(suffix) {
                return &part[..split];
            }
        }
    }
    part
}

/// Medusa's `simpleHash`: DJB2 over UTF-16 code units with JavaScript number semantics, so the
/// result may be negative (`-92128f74`) or longer than eight hex digits (`29c624132`).
pub fn simple_hash(text: &str) -> String {
    let mut hash: i64 = 5381;
    for unit in text.encode_utf16() {
        // `hash << 5` applies ToInt32 and wraps to 32 bits; `+ hash` adds the full number.
        let shifted = i64::from((hash as i32).wrapping_shl(5));
        hash = shifted + hash + i64::from(unit);
    }
    if hash < 0 {
        format!("-{:x}", hash.unsigned_abs())
    } else {
        format!("{hash:x}")
    }
}

/// Medusa's `camelToSnakeCase`: an underscore between a lowercase and an uppercase ASCII
/// letter, then lowercase.
fn camel_to_snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous_lower = false;
    for c in text.chars() {
        if previous_lower && c.is_ascii_uppercase() {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase();
        out.push(c);
    }
    out.to_lowercase()
}

/// Medusa's `compressName`: names up to `limit` characters are only lowercased; longer ones lose
/// consecutive duplicate parts, then (if still too long) every part is cut to four characters,
/// and the hash of the original name is appended within the limit.
pub fn compress_name(name: &str, limit: usize) -> String {
    if name.encode_utf16().count() <= limit {
        return name.to_lowercase();
    }
    let hash = simple_hash(name).to_lowercase();
    let lowered = name.to_lowercase();
    let mut parts: Vec<&str> = Vec::new();
    for part in lowered.split('_') {
        if parts.last() != Some(&part) || parts.is_empty() {
            parts.push(part);
        }
    }
    let mut result = parts.join("_");
    if result.chars().count() > limit {
        result = camel_to_snake_case(name)
            .split('_')
            .map(|part| part.chars().take(4).collect::<String>())
            .collect::<Vec<_>>()
            .join("_");
    }
    let length = result.chars().count();
    let overflow = (length + hash.len()).saturating_sub(limit);
    let kept: String = result.chars().take(length - overflow.min(length)).collect();
    (kept + &hash).to_lowercase()
}

/// The table name before compression: the `table` option as written, or Medusa's composed name.
pub fn uncompressed_table_name(spec: &LinkSpec) -> String {
    match spec.table {
        Some(table) => table.to_string(),
        None => compose_table_name(&[
            spec.left.model.module,
            spec.left.column,
            spec.right.model.module,
            spec.right.column,
        ])
        .to_lowercase(),
    }
}

/// The longest index name every backend keeps whole (PostgreSQL: 63 bytes; MySQL: 64).
const INDEX_NAME_LIMIT: usize = 63;

/// The names of a link table and its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// The table, e.g. `product_product_brand_brand`.
    pub table: String,
    /// The hash suffix of the index names, e.g. `29c624132`.
    pub hash: String,
}

impl TableNames {
    /// The names Medusa gives the link table of `spec`.
    pub fn of(spec: &LinkSpec) -> Self {
        let uncompressed = uncompressed_table_name(spec);
        TableNames {
            table: compress_name(&uncompressed, TABLE_NAME_LIMIT),
            hash: simple_hash(&uncompressed),
        }
    }

    /// Medusa's name of the index on `column` (`IDX_<column>_<hash>`), cut to the 63 bytes
    /// PostgreSQL keeps of a name (as it cuts the name Medusa gives it).
    pub fn index(&self, column: &str) -> String {
        let mut name = format!("IDX_{column}_{}", self.hash);
        let mut cut = INDEX_NAME_LIMIT.min(name.len());
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name
    }

    /// Our unique index over live rows of `column` (Medusa has none): `IDX_<column>_live_unique_<hash>`,
    /// or, where that is longer than a database keeps, `IDX_lu_<hash of column>_<hash>`.
    pub fn live_unique_index(&self, column: &str) -> String {
        let name = format!("IDX_{column}_live_unique_{}", self.hash);
        if name.len() <= INDEX_NAME_LIMIT {
            return name;
        }
        format!("IDX_lu_{}_{}", simple_hash(column), self.hash)
    }
}

/// `text` with a `'static` lifetime, allocated once per distinct text for the life of the
/// process: the names of a link's entry point (its table, its columns) live in the same
/// `'static` descriptions as the models' names, and a registry built again (say, once per test)
/// finds the text it needs already there.
pub(crate) fn intern(text: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = texts.get(text) {
        return found;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(leaked);
    leaked
}

/// [`intern`] for a list of names.
pub(crate) fn intern_list(names: &[&'static str]) -> &'static [&'static str] {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static LISTS: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    let mut lists = LISTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = lists.get(names) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(names.to_vec().into_boxed_slice());
    lists.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked examples of medusa-behaviour.md §1.2, from Medusa's own tests.
    #[test]
    fn index_names_fit_every_backend() {
        let names = TableNames {
            table: String::from("t"),
            hash: simple_hash("t"),
        };
        let (a, b) = ("a".repeat(60), format!("{}b", "a".repeat(59)));
        for column in [&a, &b] {
            assert!(names.index(column).len() <= 63);
            assert!(names.live_unique_index(column).len() <= 63);
        }
        assert_ne!(names.live_unique_index(&a), names.live_unique_index(&b));
        assert_eq!(
            names.live_unique_index("brand_id"),
            format!("IDX_brand_id_live_unique_{}", names.hash)
        );
    }

    #[test]
    fn hashes_match_medusa() {
        assert_eq!(simple_hash("user_user_car_car"), "-92128f74");
        assert_eq!(simple_hash("product_product_brand_brand"), "29c624132");
        assert_eq!(
            simple_hash("currency_currency_code_region_region"),
            "-1bc7b4706"
        );
        assert_eq!(
            simple_hash("product_product_variant_region_region"),
            "f4e19600"
        );
    }

    #[test]
    fn composes_table_names_like_medusa() {
        assert_eq!(
            compose_table_name(&["user", "user_id", "car", "car_id"]),
            "user_user_car_car"
        );
        assert_eq!(
            compose_table_name(&["product", "product_id", "brand", "brand_id"]),
            "product_product_brand_brand"
        );
        assert_eq!(
            compose_table_name(&["currency", "currency_code", "region", "region_id"]),
            "currency_currency_code_region_region"
        );
        assert_eq!(compose_table_name(&["productService", "x_ID"]), "product_x");
    }

    #[test]
    fn compresses_the_long_custom_module_name() {
        let name = compose_table_name(&[
            "user",
            "user_id",
            "CustomModuleImplementationContainingAReallyBigNameThatExceedsPosgresLimitToNameATable",
            "very_long_table_name_of_custom_module_id",
        ])
        .to_lowercase();
        assert_eq!(
            compress_name(&name, TABLE_NAME_LIMIT),
            "user_user_cust_very_long_tabl_name_of_cust_modu1776e67de"
        );
        assert_eq!(simple_hash(&name), "1776e67de");
    }

    #[test]
    fn compress_name_cases_of_medusa() {
        assert_eq!(
            compress_name(
                "product_product_variant_id_order_order_id_long_long_long_long_name",
                58
            ),
            "product_variant_id_order_id_long_name33bb7b344"
        );
        assert_eq!(
            compress_name("product_product_variant_id_order_order_id", 30),
            "product_variant_id_ord91d0cda8"
        );
        let compressed = compress_name(
            "CustomModuleImplementationContainingAReallyBigNameThatExceedsPosgresLimitToNameATableModule",
            58,
        );
        assert_eq!(
            compressed,
            "cust_modu_impl_cont_area_big_name_that_exce_posg_1f1cc72da"
        );
        assert_eq!(compressed.len(), 58);
    }

    #[test]
    fn short_names_are_only_lowercased() {
        assert_eq!(compress_name("Product_Brand", 58), "product_brand");
    }
}
