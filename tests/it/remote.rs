//! A snapshot that holds only what detection needs (the form a GitHub git tree plus the
//! fetched blobs takes) gives exactly the report of the full checkout.

use std::sync::Arc;

use fullcover::report::ScanReport;
use fullcover::snapshot::{MemorySource, Snapshot};
use fullcover::{detect, evaluate, snapshot};

use crate::support::{RULES, fixture_names, fixtures_dir};

fn report(snapshot: &Snapshot) -> serde_json::Value {
    let inventory = detect::detect(snapshot, &RULES);
    let assessment = evaluate::evaluate(&inventory, &RULES);
    serde_json::to_value(ScanReport::new(&inventory, &assessment, &RULES, true)).unwrap()
}

#[test]
fn only_the_needed_prefixes_give_the_same_report() {
    let mut needed_files = 0;
    let mut all_files = 0;
    for name in fixture_names() {
        let full = snapshot::local::snapshot(&fixtures_dir().join(&name)).unwrap();
        let needs = detect::content_needs(&full, &RULES);
        let fetched: Vec<(String, Vec<u8>)> = needs
            .iter()
            .map(|(path, limit)| {
                (
                    path.as_str().to_owned(),
                    full.read(path, *limit).unwrap().bytes,
                )
            })
            .collect();
        needed_files += fetched.len();
        all_files += full.files().len();
        let partial = Snapshot::new(
            full.repository.clone(),
            full.files().to_vec(),
            Arc::new(MemorySource::new(fetched)),
            full.warnings().to_vec(),
        );
        assert_eq!(report(&partial), report(&full), "{name}");
    }
    assert!(
        needed_files < all_files,
        "{needed_files} of {all_files} files fetched"
    );
}
