//! Every environment variable name the code, the READMEs, the sample configs and the scripts
//! mention: none may start with a binary's override prefix unless it is an override
//! (`<PREFIX><SECTION>__<FIELD>`) or the bare prefix. Anything else under a prefix, such as
//! `VIGIL_AGGREGATOR_` + `KEYSTORE_PASSWORD`, is refused by the config loader as an unknown
//! field: a README telling people to set one would be a wall.

use std::path::{Path, PathBuf};

use vigil_service::ENV_PREFIXES;

/// Folders that hold no names of ours (build output, vendored code, data, generated artifacts).
const SKIP_DIRS: &[&str] =
    &["target", ".git", "node_modules", "lib", "testdata", ".devnet", "artifacts", "out", "cache"];
/// Files that mention names: code, docs, configs, scripts, CI.
const EXTENSIONS: &[&str] = &["rs", "md", "toml", "sh", "yml", "yaml"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                files(&path, out);
            }
        } else if name == "run"
            || path.extension().is_some_and(|e| EXTENSIONS.contains(&&*e.to_string_lossy()))
        {
            out.push(path);
        }
    }
}

/// `VIGIL_…` names in `text`: `VIGIL_` not preceded by an identifier character, then capitals,
/// digits and underscores.
fn names(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|t| t.find("VIGIL_")) {
        let start = from + at;
        let preceded =
            text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(text.len() - start);
        if !preceded {
            found.push(&text[start..start + len]);
        }
        from = start + len.max(1);
    }
    found
}

/// What may start with an override prefix: the prefix itself, or an override.
fn allowed(name: &str, prefix: &str) -> bool {
    name == prefix || name[prefix.len()..].contains("__")
}

#[test]
fn no_variable_but_an_override_starts_with_an_override_prefix() {
    let root = workspace();
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(all.len() > 50, "the scan found the repository ({} files)", all.len());
    let mut seen = 0;
    let mut bad = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for name in names(&text) {
            seen += 1;
            if let Some(prefix) = ENV_PREFIXES.iter().find(|p| name.starts_with(*p))
                && !allowed(name, prefix)
            {
                bad.push(format!("{}: {name}", file.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(seen > 20, "names were found ({seen})");
    assert!(
        bad.is_empty(),
        "variables under an override prefix that are not overrides (the loader refuses them):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scan_sees_what_it_must() {
    // Built at run time, or this file would be a finding of the scan above.
    let bad = format!("{}KEYSTORE_PASSWORD", "VIGIL_AGGREGATOR_");
    let text = format!(
        "export {bad}=x; VIGIL_SLASHER_SOURCES__CHAIN_EVENTS `VIGIL_OPERATOR_` MY_VIGIL_X \
         VIGIL_BLS_PASSWORD"
    );
    assert_eq!(
        names(&text),
        [&*bad, "VIGIL_SLASHER_SOURCES__CHAIN_EVENTS", "VIGIL_OPERATOR_", "VIGIL_BLS_PASSWORD"]
    );
    assert!(!allowed(&bad, "VIGIL_AGGREGATOR_"));
    assert!(allowed("VIGIL_SLASHER_SOURCES__CHAIN_EVENTS", "VIGIL_SLASHER_"));
    assert!(allowed("VIGIL_OPERATOR_", "VIGIL_OPERATOR_"));
}
