//! The fixture repositories: their whole JSON report is pinned by snapshots, and the
//! facts each fixture exists for are asserted explicitly.

use std::collections::BTreeSet;

use crate::support::{RULES, fixture_names, fixtures_dir, scan};

#[test]
fn every_fixture_report_matches_its_snapshot() {
    for name in fixture_names() {
        let report = scan(&fixtures_dir().join(&name));
        insta::assert_json_snapshot!(format!("scan-{name}"), report);
    }
}

#[test]
fn every_fixture_report_reads_back_as_it_was_written() {
    for name in fixture_names() {
        let written = serde_json::to_string(&scan(&fixtures_dir().join(&name))).unwrap();
        let read: fullcover_core::report::ScanReport =
            serde_json::from_str(&written).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(serde_json::to_string(&read).unwrap(), written, "{name}");
    }
}

#[test]
fn fixtures_cover_every_iac_kind_fifteen_ecosystems_and_ten_scanners() {
    let mut kinds = BTreeSet::new();
    let mut ecosystems = BTreeSet::new();
    let mut scanners = BTreeSet::new();
    for name in fixture_names() {
        let report = scan(&fixtures_dir().join(&name));
        kinds.extend(report.iac.into_iter().map(|k| k.kind));
        ecosystems.extend(report.ecosystems.into_iter().map(|e| e.name));
        scanners.extend(report.scanners.into_iter().map(|s| s.id));
    }
    let all_kinds: BTreeSet<String> = RULES.iac.kinds.iter().map(|k| k.id.clone()).collect();
    assert_eq!(kinds, all_kinds);
    assert!(ecosystems.len() >= 15, "{ecosystems:?}");
    assert!(scanners.len() >= 10, "{scanners:?}");
}

fn language_of(report: &fullcover_core::report::ScanReport, path: &str) -> Option<String> {
    report
        .files
        .as_ref()
        .and_then(|files| files.iter().find(|f| f.path == path))
        .and_then(|f| f.language.clone())
}

#[test]
fn ambiguous_extensions_follow_linguist_heuristics() {
    let report = scan(&fixtures_dir().join("ambiguous-extensions"));
    let expected = [
        ("headers/ring_buffer_c.h", "C"),
        ("headers/lru_cache_cpp.h", "C++"),
        ("headers/SessionStore_objc.h", "Objective-C"),
        ("objc/SessionStore.m", "Objective-C"),
        ("matlab/moving_average.m", "MATLAB"),
        ("perl/rotate_logs.pl", "Perl"),
        ("prolog/family.pl", "Prolog"),
        ("perl/Util.pm", "Perl"),
        ("web/api_client.ts", "TypeScript"),
        ("web/translations_de.ts", "XML"),
        ("verilog/counter.v", "Verilog"),
        ("rocq/list_facts.v", "Rocq Prover"),
        ("inc/db_config.inc", "PHP"),
        ("inc/scene_objects.inc", "POV-Ray SDL"),
        ("latex/acmereport.cls", "TeX"),
        ("stats/churn_model.r", "R"),
        ("sql/audit_trigger_plpgsql.sql", "PLpgSQL"),
        ("sql/monthly_report_tsql.sql", "TSQL"),
        ("sql/schema_plain.sql", "SQL"),
        ("api/catalog.yml", "OASv3-yaml"),
        ("config/settings.yml", "YAML"),
        ("Makefile", "Makefile"),
        ("Rakefile", "Ruby"),
        ("Dockerfile", "Dockerfile"),
        ("CMakeLists.txt", "CMake"),
        ("scripts/deploy", "Shell"),
        ("scripts/tool", "JavaScript"),
        ("scripts/py", "Python"),
    ];
    let wrong: Vec<String> = expected
        .iter()
        .filter_map(|(path, language)| {
            let found = language_of(&report, path);
            (found.as_deref() != Some(*language))
                .then(|| format!("{path}: expected {language}, found {found:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn linguist_overrides_from_gitattributes_apply() {
    let report = scan(&fixtures_dir().join("linguist-overrides"));
    let files = report.files.as_ref().expect("files are listed");
    let excluded = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| serde_json::to_value(f.excluded).expect("serialisable"))
    };
    assert_eq!(excluded("lib/app.js"), Some(serde_json::Value::Null));
    assert_eq!(
        excluded("node_modules/lodash.debounce/index.js").map(|v| v.to_string()),
        Some("\"vendored\"".into())
    );
    let counted: BTreeSet<&str> = report.languages.iter().map(|l| l.name.as_str()).collect();
    assert!(counted.contains("JavaScript"), "{counted:?}");
    assert!(
        !counted.contains("SQL") && !counted.contains("PLpgSQL"),
        "{counted:?}"
    );
}

#[test]
fn dependabot_globs_and_multi_ecosystem_groups_cover_what_they_match() {
    let report = scan(&fixtures_dir().join("microservices-globs"));
    let status = |id: &str| {
        report
            .requirements
            .iter()
            .find(|r| r.id == id)
            .map(|r| (r.status, r.satisfied_by.clone()))
    };
    for id in [
        "sca:gomod",
        "sca:pip",
        "sca:nuget",
        "sca:gradle",
        "sca:docker",
    ] {
        assert_eq!(
            status(id),
            Some((
                fullcover_core::evaluate::Status::Satisfied,
                vec!["dependabot".to_owned()]
            )),
            "{id}"
        );
    }
    // `/src/*` reaches one level only: the frontend's assets are two levels down.
    assert_eq!(
        status("sca:npm").map(|(s, _)| s),
        Some(fullcover_core::evaluate::Status::Missing)
    );
}
