//! Shared helpers: the built-in rules loaded once, and a scan of a directory through the
//! same pipeline the CLI runs.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use fullcover_core::report::ScanReport;
use fullcover_core::rules::RuleSet;
use fullcover_core::{detect, evaluate, snapshot};

pub static RULES: LazyLock<RuleSet> = LazyLock::new(|| match RuleSet::embedded() {
    Ok(rules) => rules,
    Err(errors) => panic!("{errors}"),
});

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/repos")
}

/// Scans a directory and returns the report, files included.
pub fn scan(path: &Path) -> ScanReport {
    let snapshot = snapshot::local::snapshot(path).expect("the directory can be listed");
    let inventory = detect::detect(&snapshot, &RULES);
    let assessment = evaluate::evaluate(&inventory, &RULES);
    ScanReport::new(&inventory, &assessment, &RULES, true)
}

/// Every fixture repository, by name.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures exist")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
