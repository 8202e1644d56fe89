//! The dependency rule of `docs/ARCHITECTURE.md`, kept true: every `crate::…` path in a module of
//! `src/` names a module of its own layer or a layer below, and no two modules depend on each
//! other, directly or around a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the bottom up, and the top-level modules of each.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "error",
            "external",
            "input",
            "key",
            "stamp",
            "source",
            "linkable",
            "definition",
            "extra_default",
            "naming",
            "hops",
            "link_event",
            "link_entity",
            "entity_fields",
        ],
    ),
    ("sql", &["sql"]),
    ("registry", &["registry", "events"]),
    ("services", &["link", "query", "migrate"]),
    ("adapters", &["cli", "migration", "diagram"]),
    ("facade", &["lib", "schema", "__private"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to: `src/link/write.rs` → `link`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let first = relative
        .components()
        .next()
        .expect("a path")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a source text names through `crate::`, in `crate::a::…` and in
/// `crate::{a::…, b}` (comments included: a doc link is a dependency of the reader too).
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in text.match_indices("crate::") {
        // `link_runtime::crate::` cannot occur; `$crate::` is a macro's path to the crate.
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: at brace depth 0, after `{` or `,`.
            let mut depth = 0usize;
            let mut expecting = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if expecting && depth == 0 && (c.is_ascii_alphabetic() || c == '_') => {
                        named.insert(ident(&group[i..]));
                        expecting = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                named.insert(name);
            }
        }
    }
    named
}

fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let edges = graph.entry(module.clone()).or_default();
        for named in named_modules(&text) {
            // A module's own items, and exported items reached through the crate root.
            if named != module && layer_of(&named).is_some() {
                edges.insert(named);
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: Vec<String> = dependencies()
        .into_keys()
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS (tests/layers.rs) and docs/ARCHITECTURE.md: {unplaced:?}"
    );
}

#[test]
fn dependencies_point_down() {
    let mut upward = Vec::new();
    for (module, edges) in dependencies() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        for named in edges {
            let theirs = layer_of(&named).unwrap_or(usize::MAX);
            if theirs > own {
                upward.push(format!(
                    "{module} ({}) uses {named} ({})",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "dependencies that point up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_module_cycles() {
    let graph = dependencies();
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    let cycle = graph
        .keys()
        .find_map(|module| visit(module, &graph, &mut Vec::new(), &mut done));
    assert!(
        cycle.is_none(),
        "modules depend on each other: {}",
        cycle.unwrap_or_default().join(" → ")
    );
}

#[test]
fn the_reader_sees_both_path_forms() {
    let named = named_modules("use crate::{a::B, c, d::{e, f}};\nfn x() { crate::g::h(); }");
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        ["a", "c", "d", "g"],
        "a group's top-level names and a plain path"
    );
}
