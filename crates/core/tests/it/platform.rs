//! GitHub's own controls (default setup, secret scanning, Dependabot alerts) counted as
//! coverage and planned around: the issue's scenarios, through `plan::onboarding` as the
//! App and the CLI run it.

use fullcover_core::config::Config;
use fullcover_core::detect::scanners::EvidenceKind;
use fullcover_core::evaluate::Status;
use fullcover_core::plan::{self, Onboarding, PlanSettings, Templates, Visibility};
use fullcover_core::platform::{Answer, Control, PlatformControls, Source};
use fullcover_core::report::ScanReport;
use fullcover_core::snapshot::Snapshot;

use crate::support::RULES;

fn api(answers: &[(Control, Answer)]) -> PlatformControls {
    PlatformControls {
        source: Source::Api,
        seen: Some("2026-12-03".to_owned()),
        answers: answers.iter().cloned().collect(),
    }
}

fn enabled(languages: &[&str]) -> Answer {
    Answer::Enabled {
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
    }
}

fn onboard(files: &[(&str, String)], platform: PlatformControls, config: &str) -> Onboarding {
    let mut all: Vec<(String, String)> = files
        .iter()
        .map(|(p, c)| ((*p).to_owned(), c.clone()))
        .collect();
    if !config.is_empty() {
        all.push((".github/fullcover.yml".to_owned(), config.to_owned()));
    }
    let snapshot = Snapshot::from_memory("acme/app", all);
    let config = Config::from_snapshot(&snapshot, Config::default()).unwrap();
    let settings = PlanSettings {
        repository: "acme/app".to_owned(),
        default_branch: "main".to_owned(),
        visibility: Visibility::Public,
        advanced_security: false,
        config,
        platform,
    };
    plan::onboarding(
        &snapshot,
        &RULES,
        &Templates::embedded().unwrap(),
        &settings,
    )
    .unwrap()
}

fn status(onboarding: &Onboarding, id: &str) -> (Status, Vec<String>) {
    let requirement = onboarding
        .before
        .requirements
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no requirement {id}"));
    (requirement.status, requirement.satisfied_by.clone())
}

fn planned_scanners(onboarding: &Onboarding) -> Vec<String> {
    onboarding
        .plan
        .changes()
        .map(|f| f.scanner.clone())
        .collect()
}

fn polyglot() -> Vec<(&'static str, String)> {
    vec![
        ("app/main.py", "def main():\n    return 1\n".repeat(200)),
        (
            "web/index.ts",
            "export const x = (a: number) => a + 1;\n".repeat(200),
        ),
        (
            "web/util.js",
            "function f(a) { return a + 1; }\n".repeat(200),
        ),
        (
            "svc/main.go",
            "package main\n\nfunc main() {}\n".repeat(200),
        ),
    ]
}

#[test]
fn default_setup_for_python_and_js_ts_gets_no_codeql_workflow_and_go_goes_to_semgrep() {
    let onboarding = onboard(
        &polyglot(),
        api(&[(
            Control::CodeqlDefaultSetup,
            enabled(&["python", "javascript-typescript"]),
        )]),
        "",
    );
    for id in ["sast:python", "sast:javascript", "sast:typescript"] {
        assert_eq!(
            status(&onboarding, id),
            (Status::Satisfied, vec!["codeql-default-setup".to_owned()]),
            "{id}"
        );
    }
    assert_eq!(status(&onboarding, "sast:go").0, Status::Missing);
    let scanners = planned_scanners(&onboarding);
    assert!(!scanners.contains(&"codeql".to_owned()), "{scanners:?}");
    let semgrep = onboarding
        .plan
        .files
        .iter()
        .find(|f| f.scanner == "semgrep")
        .expect("Go is covered by Semgrep");
    assert_eq!(semgrep.satisfies, ["sast:go"]);
    assert!(
        semgrep.reason.contains("default setup"),
        "{}",
        semgrep.reason
    );
    // Coverage counts default setup, before and after.
    assert_eq!(onboarding.before.coverage.by_category["sast"].satisfied, 3);
    assert_eq!(onboarding.after.coverage.by_category["sast"].satisfied, 4);
    // The report carries the platform evidence.
    let report = ScanReport::new(&onboarding.inventory, &onboarding.before, &RULES, false);
    let entry = report
        .scanners
        .iter()
        .find(|s| s.id == "codeql-default-setup")
        .unwrap();
    assert!(entry.running);
    assert_eq!(entry.evidence[0].kind, EvidenceKind::Platform);
    assert_eq!(
        entry.evidence[0].signal,
        "GitHub code scanning default setup: python, javascript-typescript (API, seen 2026-12-03)"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["scanners"][0]["evidence"][0]["kind"], "platform");
    assert_eq!(json["platform"]["controls"][0]["state"], "enabled");
    assert!(
        fullcover_core::report::markdown(&report)
            .contains("GitHub code scanning default setup: python")
    );
    let pull = onboarding
        .pull_request(&Templates::embedded().unwrap())
        .unwrap();
    assert!(
        pull.body.contains("**GitHub's own controls:** code scanning default setup enabled: python, javascript-typescript; secret scanning not checked"),
        "{}",
        pull.body
    );
}

#[test]
fn without_default_setup_codeql_is_proposed_as_before() {
    let onboarding = onboard(&polyglot(), PlatformControls::default(), "");
    assert!(planned_scanners(&onboarding).contains(&"codeql".to_owned()));
}

#[test]
fn codeql_chosen_in_configuration_beside_default_setup_is_a_persons_step() {
    let onboarding = onboard(
        &polyglot(),
        api(&[(
            Control::CodeqlDefaultSetup,
            enabled(&["python", "javascript-typescript"]),
        )]),
        "scanners:\n  sast: codeql\n",
    );
    let scanners = planned_scanners(&onboarding);
    assert!(!scanners.contains(&"codeql".to_owned()), "{scanners:?}");
    let step = onboarding
        .plan
        .manual
        .iter()
        .find(|s| s.requirement == "sast:go")
        .expect("Go is listed for a person");
    assert!(
        step.action.contains("enable Go in default setup"),
        "{}",
        step.action
    );
}

fn secrets_repo() -> Vec<(&'static str, String)> {
    vec![("main.go", "package main\n\nfunc main() {}\n".repeat(200))]
}

#[test]
fn secret_scanning_enabled_satisfies_secrets_and_no_trufflehog_is_proposed() {
    let onboarding = onboard(
        &secrets_repo(),
        api(&[(Control::SecretScanning, enabled(&[]))]),
        "",
    );
    assert_eq!(
        status(&onboarding, "secrets"),
        (Status::Satisfied, vec!["secret-scanning".to_owned()])
    );
    assert!(!planned_scanners(&onboarding).contains(&"trufflehog".to_owned()));
}

#[test]
fn secret_scanning_disabled_or_unknown_plans_trufflehog_from_files() {
    for answer in [
        Answer::Disabled {
            detail: "Secret scanning is disabled on this repository.".to_owned(),
        },
        Answer::Unknown {
            detail: "no permission".to_owned(),
        },
    ] {
        let onboarding = onboard(
            &secrets_repo(),
            api(&[(Control::SecretScanning, answer.clone())]),
            "",
        );
        assert_eq!(
            status(&onboarding, "secrets").0,
            Status::Missing,
            "{answer:?}"
        );
        assert!(planned_scanners(&onboarding).contains(&"trufflehog".to_owned()));
        let report = ScanReport::new(&onboarding.inventory, &onboarding.before, &RULES, false);
        let entry = report
            .platform
            .controls
            .iter()
            .find(|c| c.id == "secret-scanning")
            .unwrap();
        let expected = match answer {
            Answer::Unknown { .. } => "unknown (no permission)",
            _ => "disabled",
        };
        assert_eq!(entry.describe(), expected);
        assert!(fullcover_core::report::table(&report).contains(expected));
    }
}

#[test]
fn trufflehog_is_added_beside_secret_scanning_when_the_configuration_asks() {
    let onboarding = onboard(
        &secrets_repo(),
        api(&[(Control::SecretScanning, enabled(&[]))]),
        "scanners:\n  secrets: trufflehog\n",
    );
    assert!(planned_scanners(&onboarding).contains(&"trufflehog".to_owned()));
}

#[test]
fn dependabot_alerts_satisfy_npm_and_no_osv_scanner_is_proposed() {
    let files = vec![
        (
            "package.json",
            r#"{"dependencies": {"left-pad": "1.3.0"}}"#.to_owned(),
        ),
        (
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {}}"#.to_owned(),
        ),
    ];
    let onboarding = onboard(
        &files,
        api(&[(Control::DependabotAlerts, enabled(&[]))]),
        "",
    );
    assert_eq!(
        status(&onboarding, "sca:npm"),
        (Status::Satisfied, vec!["dependabot-alerts".to_owned()])
    );
    assert!(!planned_scanners(&onboarding).contains(&"osv-scanner".to_owned()));
    let without = onboard(&files, PlatformControls::default(), "");
    assert_eq!(status(&without, "sca:npm").0, Status::Missing);
    assert!(planned_scanners(&without).contains(&"osv-scanner".to_owned()));
}

#[test]
fn dependabot_alerts_do_not_cover_an_ecosystem_the_dependency_graph_does_not_read() {
    let files = vec![(
        "build.sbt",
        "libraryDependencies += \"org.typelevel\" %% \"cats-core\" % \"2.10.0\"\n".to_owned(),
    )];
    let onboarding = onboard(
        &files,
        api(&[(Control::DependabotAlerts, enabled(&[]))]),
        "",
    );
    assert_eq!(status(&onboarding, "sca:sbt").0, Status::Missing);
}
