//! A snapshot that holds only what detection needs (the form a GitHub git tree plus the
//! fetched blobs takes) gives exactly the report of the full checkout.

use std::sync::Arc;

use fullcover_core::report::ScanReport;
use fullcover_core::snapshot::{MemorySource, Snapshot};
use fullcover_core::{detect, evaluate, snapshot};

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
        let needs = detect::content_needs(&full, &RULES, detect::Depth::Full);
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

/// What the App fetches (`Depth::Deciding`) decides the same requirements, statuses and
/// scanners as the whole checkout, on every fixture, with fewer files read.
#[test]
fn the_deciding_files_give_the_same_requirements() {
    let requirements = |snapshot: &Snapshot| {
        let inventory = detect::detect(snapshot, &RULES);
        let assessment = evaluate::evaluate(&inventory, &RULES);
        let scanners: Vec<String> = inventory.scanners.iter().map(|s| s.id.clone()).collect();
        let requirements: Vec<(String, String)> = assessment
            .requirements
            .iter()
            .map(|r| (r.id.clone(), format!("{:?}", r.status)))
            .collect();
        (requirements, scanners)
    };
    let mut full_reads = 0;
    let mut deciding_reads = 0;
    for name in fixture_names() {
        let full = snapshot::local::snapshot(&fixtures_dir().join(&name)).unwrap();
        let needs = detect::content_needs(&full, &RULES, detect::Depth::Deciding);
        full_reads += detect::content_needs(&full, &RULES, detect::Depth::Full).len();
        deciding_reads += needs.len();
        let fetched: Vec<(String, Vec<u8>)> = needs
            .iter()
            .map(|(path, limit)| {
                (
                    path.as_str().to_owned(),
                    full.read(path, *limit).unwrap().bytes,
                )
            })
            .collect();
        let partial = Snapshot::new(
            full.repository.clone(),
            full.files().to_vec(),
            Arc::new(MemorySource::partial(fetched)),
            full.warnings().to_vec(),
        );
        assert_eq!(requirements(&partial), requirements(&full), "{name}");
    }
    // The fixtures are mostly configuration; source-heavy repositories save far more
    // (tests/it/app.rs fetches 30 Python sources less).
    assert!(
        deciding_reads < full_reads,
        "{deciding_reads} reads against {full_reads}"
    );
}
