//! The `fullcover` binary, run as a user runs it.

use std::process::{Command, Output};

use crate::support::fixtures_dir;

fn fullcover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fullcover"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn rules_check_accepts_the_built_in_rules() {
    let output = fullcover(&["rules", "check"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("built-in rules: ok"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn rules_check_accepts_the_rules_directory_of_the_repository() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let output = fullcover(&["rules", "check", dir]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn rules_check_reports_every_problem_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scanners.toml"),
        "[[scanner]]\nid = \"x\"\nname = \"X\"\ncategory = \"sast\"\ncommands = ['(unclosed']\n[scanner.covers]\nsast = [\"Klingon\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("iac.toml"),
        "[[kind]]\nid = \"terraform\"\nname = \"T\"\n[[kind.match]]\npaths = [\"a/[b\"]\n",
    )
    .unwrap();
    let output = fullcover(&["rules", "check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("scanners.toml: x: covers unknown language `Klingon`"),
        "{errors}"
    );
    assert!(
        errors.contains("scanners.toml: commands: bad regex `(unclosed`"),
        "{errors}"
    );
    assert!(
        errors.contains("iac.toml: terraform: bad glob `a/[b`"),
        "{errors}"
    );
}

#[test]
fn scan_prints_json_that_follows_the_contract() {
    let path = fixtures_dir().join("go-service");
    let output = fullcover(&["scan", path.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "repository",
        "languages",
        "iac",
        "ecosystems",
        "scanners",
        "requirements",
        "coverage",
        "warnings",
        "platform",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(json["repository"], "go-service");
    assert!(json["coverage"]["percent"].is_number());
}

#[test]
fn scan_table_and_markdown_are_plain_when_piped() {
    let path = fixtures_dir().join("python-django");
    let table = fullcover(&["scan", path.to_str().unwrap()]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("AppSec coverage"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes when piped");
    let markdown = fullcover(&["scan", path.to_str().unwrap(), "--format", "markdown"]);
    let text = stdout(&markdown);
    assert!(
        text.starts_with("## AppSec coverage of `python-django`"),
        "{text}"
    );
    assert!(
        text.contains("| Category | Satisfied | Required | Coverage |"),
        "{text}"
    );
}

#[test]
fn fail_under_sets_the_exit_status() {
    let path = fixtures_dir().join("node-web-app");
    let failing = fullcover(&["scan", path.to_str().unwrap(), "--fail-under", "100"]);
    assert_eq!(failing.status.code(), Some(1));
    assert!(
        stderr(&failing).contains("is below the required 100%"),
        "{}",
        stderr(&failing)
    );
    let passing = fullcover(&["scan", path.to_str().unwrap(), "--fail-under", "0"]);
    assert_eq!(passing.status.code(), Some(0));
}

#[test]
fn bad_arguments_are_explained() {
    let missing = fullcover(&["scan", "/no/such/checkout"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("/no/such/checkout"),
        "{}",
        stderr(&missing)
    );
    let bad_percent = fullcover(&["scan", ".", "--fail-under", "150"]);
    assert!(!bad_percent.status.success());
    assert!(
        stderr(&bad_percent).contains("150 is not between 0 and 100"),
        "{}",
        stderr(&bad_percent)
    );
}

#[test]
fn plan_prints_the_pull_request_body_and_writes_only_with_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "def f():\n    return 1\n".repeat(100),
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let markdown = fullcover(&["plan", path, "--format", "markdown"]);
    assert!(markdown.status.success(), "{}", stderr(&markdown));
    let body = stdout(&markdown);
    assert!(body.starts_with("<!-- fullcover:plan="), "{body}");
    assert!(
        !dir.path().join(".github").exists(),
        "nothing is written without --write"
    );
    let diff = fullcover(&["plan", path, "--format", "diff"]);
    assert!(
        stdout(&diff).contains("+++ b/.github/workflows/fullcover-codeql.yml"),
        "{}",
        stdout(&diff)
    );
    let write = fullcover(&["plan", path, "--write"]);
    assert!(write.status.success(), "{}", stderr(&write));
    assert!(
        dir.path()
            .join(".github/workflows/fullcover-codeql.yml")
            .exists()
    );
    let scan = fullcover(&["scan", path, "--fail-under", "100"]);
    assert_eq!(scan.status.code(), Some(0), "{}", stdout(&scan));
}

#[test]
fn a_bad_configuration_is_rejected_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/fullcover.yml"),
        "skip: {}\nscaners:\n  sast: semgrep\n",
    )
    .unwrap();
    let output = fullcover(&["plan", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(".github/fullcover.yml:2: unknown field `scaners`"),
        "{errors}"
    );
}

#[test]
fn plan_write_never_follows_a_symbolic_link_out_of_the_checkout() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "def f():\n    return 1\n".repeat(100),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join(".github")).unwrap();
    let output = fullcover(&["plan", dir.path().to_str().unwrap(), "--write"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is a symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing written outside"
    );
}

#[test]
fn skipped_controls_do_not_count_against_coverage() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "just text\n").unwrap();
    let path = dir.path().to_str().unwrap();
    assert_eq!(
        fullcover(&["scan", path, "--fail-under", "100"])
            .status
            .code(),
        Some(1)
    );
    std::fs::write(
        dir.path().join(".github/fullcover.yml"),
        "skip:\n  secrets: scanned by the organisation's own job\n",
    )
    .unwrap();
    let output = fullcover(&["scan", path, "--format", "json", "--fail-under", "100"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["requirements"][0]["status"], "skipped");
    assert_eq!(json["coverage"]["required"], 0);
}

#[test]
fn local_scans_are_recorded_and_reported_with_tokens_on_the_side() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("local.db").display()
    );
    for name in ["node-web-app", "go-service"] {
        let path = fixtures_dir().join(name);
        let output = fullcover(&[
            "scan",
            path.to_str().unwrap(),
            "--record",
            "--org",
            "team",
            "--database-url",
            &database,
            "--format",
            "json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("as team/{name}")),
            "{}",
            stderr(&output)
        );
    }
    let output = fullcover(&[
        "report",
        "--org",
        "team",
        "--database-url",
        &database,
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["org"], "team");
    assert_eq!(report["repos_in_scope"], 2);
    let names: Vec<&str> = report["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["go-service", "node-web-app"]);
    let table = fullcover(&["report", "--org", "team", "--database-url", &database]);
    let text = stdout(&table);
    assert!(
        text.contains("team: AppSec coverage") && text.contains("node-web-app"),
        "{text}"
    );
    assert!(text.contains("of 2 repositories"), "{text}");
    // Unknown organisations are an error, not an empty report.
    let unknown = fullcover(&["report", "--org", "nobody", "--database-url", &database]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no record of nobody"));

    let token = fullcover(&[
        "token",
        "create",
        "--org",
        "team",
        "--database-url",
        &database,
    ]);
    assert!(token.status.success(), "{}", stderr(&token));
    let printed = stdout(&token);
    assert!(printed.trim().starts_with("fct_"));
    // Only the digest is stored.
    let needle = printed.trim().as_bytes();
    for file in ["local.db", "local.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "token in clear in {file}"
        );
    }

    // An expiring token beside it; both listed, never in clear.
    let expiring = fullcover(&[
        "token",
        "create",
        "--org",
        "team",
        "--label",
        "ci",
        "--expires-in",
        "90d",
        "--database-url",
        &database,
    ]);
    assert!(expiring.status.success(), "{}", stderr(&expiring));
    assert!(
        stderr(&expiring).contains("expires 20"),
        "{}",
        stderr(&expiring)
    );
    let bad = fullcover(&[
        "token",
        "create",
        "--org",
        "team",
        "--expires-in",
        "soon",
        "--database-url",
        &database,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("\"soon\" is not a duration"),
        "{}",
        stderr(&bad)
    );
    let list = fullcover(&[
        "token",
        "list",
        "--org",
        "team",
        "--database-url",
        &database,
    ]);
    assert!(list.status.success(), "{}", stderr(&list));
    let listed = stdout(&list);
    let rows: Vec<&str> = listed.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{listed}");
    // Created in the same second: found by label, not by place.
    let api = rows.iter().find(|row| row.contains(" api ")).unwrap();
    let ci = rows.iter().find(|row| row.contains(" ci ")).unwrap();
    assert!(api.ends_with("never"), "{listed}");
    assert!(!ci.ends_with("never"), "{listed}");
    assert!(
        !listed.contains(printed.trim()),
        "a token in clear in the list"
    );

    // Revoked by the id the list shows: the API refuses it from then on.
    let id = api.split_whitespace().next().unwrap();
    let revoke = fullcover(&["token", "revoke", id, "--database-url", &database]);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    let again = fullcover(&["token", "revoke", id, "--database-url", &database]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("no token"), "{}", stderr(&again));
    let listed = stdout(&fullcover(&[
        "token",
        "list",
        "--org",
        "team",
        "--database-url",
        &database,
    ]));
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[test]
fn demo_onboards_the_demo_organisation_and_names_the_pull_requests() {
    let output = fullcover(&["demo", "--exit", "--fast", "--listen", "127.0.0.1:0"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for name in [
        "storefront-web",
        "billing-api",
        "ledger-service",
        "orders-service",
        "infra-aws",
        "platform-k8s",
        "acmectl",
        "mobile-gateway",
    ] {
        let shown = text
            .split("\n\n")
            .find(|block| block.starts_with(&format!("acme-demo/{name}\n")))
            .unwrap_or_else(|| panic!("{name} not shown:\n{text}"));
        assert!(
            shown.contains("opened PR #1: Add security scanning"),
            "{shown}"
        );
    }
    assert!(
        text.contains("acme-demo/legacy-portal\n  skipped:    archived"),
        "{text}"
    );
    assert!(
        text.contains("acme-demo/openapi-client-gen\n  skipped:    fork"),
        "{text}"
    );
    assert!(
        text.contains("Summary: 10 repositories, 8 PRs opened, 2 skipped"),
        "{text}"
    );
}

#[test]
fn serve_refuses_an_empty_secret_before_doing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("never.db");
    for (variable, name) in [
        ("FULLCOVER_METRICS_TOKEN", "FULLCOVER_METRICS_TOKEN"),
        ("FULLCOVER_CLIENT_SECRET", "FULLCOVER_CLIENT_SECRET"),
        ("FULLCOVER_WEBHOOK_SECRET", "FULLCOVER_WEBHOOK_SECRET"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_fullcover"))
            .args(["serve", "--app-id", "1", "--listen", "127.0.0.1:0"])
            .env_clear()
            .env("FULLCOVER_WEBHOOK_SECRET", "s3cret")
            .env("FULLCOVER_PRIVATE_KEY", "not read")
            .env(
                "FULLCOVER_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .env(variable, "")
            .output()
            .expect("the binary runs");
        assert!(!output.status.success(), "{variable}: {output:?}");
        let err = stderr(&output);
        assert!(
            err.contains(name) && err.contains("empty"),
            "{variable}: {err}"
        );
        assert!(!database.exists(), "nothing is opened before the check");
    }
}

const DAY: i64 = 86_400;

/// Fills `database` with one organisation's findings, `t0` being 60 days ago: every
/// step lies well inside the default 90-day window, and no severe finding is open, so
/// no figure depends on the second the binary runs.
fn seed_security_record(database: &str, t0: i64) {
    use fullcover::store::{FindingRecord, InstallationState, Store};
    use fullcover_core::metrics::security::{
        CloseReason, Family, LifecycleEvent, LifecycleKind, Severity,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::connect(database).await.unwrap();
        store
            .upsert_installation(7, "acme", "Organization", InstallationState::Active)
            .await
            .unwrap();
        store
            .upsert_repository(100, 7, "acme/api", Some("main"), false)
            .await
            .unwrap();
        store
            .upsert_repository(101, 7, "acme/web", Some("main"), false)
            .await
            .unwrap();
        // Dependabot alerts are not readable.
        let granted = [
            ("security_events", "read"),
            ("secret_scanning_alerts", "read"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        store
            .set_installation_permissions(7, &granted)
            .await
            .unwrap();
        use LifecycleKind::{Dismissed, Fixed, Reopened};
        let code = Family::CodeScanning;
        // (repository, family, number, severity, created, later steps), in days from t0.
        type Step = (f64, LifecycleKind);
        let script: [(i64, Family, i64, Severity, f64, Vec<Step>); 7] = [
            // C1: fixed after 2 days.
            (100, code, 1, Severity::High, 0.0, vec![(2.0, Fixed)]),
            // C2: fixed after 4 days.
            (101, code, 2, Severity::High, 1.0, vec![(5.0, Fixed)]),
            // C3: fixed, reopened (not by a user), fixed for good 10 days after creation;
            // critical, so due after 7 days: missed.
            (
                100,
                code,
                3,
                Severity::Critical,
                2.0,
                vec![
                    (3.0, Fixed),
                    (4.0, Reopened { by_user: false }),
                    (12.0, Fixed),
                ],
            ),
            // C4: medium, fixed after a day (a fix, not severe).
            (101, code, 4, Severity::Medium, 3.0, vec![(4.0, Fixed)]),
            // C5: a false positive: closed, out of MTTR, SLA and exposure.
            (
                100,
                code,
                5,
                Severity::High,
                5.0,
                vec![(
                    6.0,
                    Dismissed {
                        reason: CloseReason::FalsePositive,
                    },
                )],
            ),
            // S1: a secret revoked after 6 hours.
            (
                100,
                Family::SecretScanning,
                1,
                Severity::High,
                10.0,
                vec![(10.25, Fixed)],
            ),
            // O1: low, still open.
            (101, code, 6, Severity::Low, 15.0, vec![]),
        ];
        let at = |days: f64| t0 + (days * DAY as f64) as i64;
        for (repository, family, number, severity, created, steps) in script {
            let created = at(created);
            store
                .upsert_finding(&FindingRecord {
                    repository_id: repository,
                    family,
                    number,
                    severity,
                    state: if steps.is_empty() { "open" } else { "fixed" }.into(),
                    created_at: created,
                    default_branch_at: Some(created),
                    // C4's flaw was committed 6 hours before it was detected.
                    introduced_at: (number == 4).then_some(created - 6 * 3_600),
                    introduced_commit: None,
                    advisory_published_at: None,
                    pull_request: None,
                    partial_history: false,
                })
                .await
                .unwrap();
            let first = [
                (created, LifecycleKind::Created),
                (created, LifecycleKind::AppearedOnDefaultBranch),
            ];
            let later = steps.into_iter().map(|(day, kind)| (at(day), kind));
            for (when, kind) in first.into_iter().chain(later) {
                store
                    .record_finding_event(
                        repository,
                        family,
                        number,
                        LifecycleEvent { at: when, kind },
                        None,
                    )
                    .await
                    .unwrap();
            }
        }
    });
}

#[test]
fn report_prints_the_security_outcomes_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("security.db").display()
    );
    let t0 = chrono::Utc::now().timestamp() - 60 * DAY;
    seed_security_record(&database, t0);
    let args = ["report", "--org", "acme", "--database-url", &database];

    let output = fullcover(&[&args[..], &["--format", "json"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["org"], "acme");
    let security = &report["security"];
    // The API's body: the same fields, in the same order.
    let keys: Vec<&str> = security
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "org",
            "window",
            "severity_threshold",
            "mttr",
            "sla_attainment",
            "mttd",
            "exposure_window",
            "detection_rate",
            "escape_rate",
            "change_failure_rate",
            "net_resolve_rate",
            "reopen_rate",
            "unavailable",
            "weekly",
        ]
    );
    assert_eq!(security["org"], "acme");
    assert_eq!(security["window"]["days"], 90);
    // MTTR over C1 (2 days), C2 (4), C3 (10, creation to last fix) and S1 (0.25):
    // median (2 + 4) / 2 = 3 days, p90 the 4th of 4 = 10 days, mean 16.25 / 4.
    let mttr = &security["mttr"];
    assert_eq!(mttr["n"], 4, "{security:#}");
    assert_eq!(mttr["median_seconds"], 3.0 * DAY as f64);
    assert_eq!(mttr["p90_seconds"], 10.0 * DAY as f64);
    assert_eq!(mttr["mean_seconds"], 4.0625 * DAY as f64);
    assert_eq!(mttr["tier"], serde_json::Value::Null);
    // Due in the window: C1, C2, S1 met, C3 (critical, 7 days) missed; C5 is out.
    let sla = &security["sla_attainment"];
    assert_eq!(sla["met"], 3, "{security:#}");
    assert_eq!(sla["due"], 4);
    assert_eq!(sla["ratio"], 0.75);
    assert_eq!(sla["overdue_open"], 0);
    // Exposure: C1 2 + C2 4 + C3 (1 + 8) + S1 0.25 = 15.25 days over 4 findings.
    assert_eq!(security["exposure_window"]["vulnerability_days"], 15.25);
    assert_eq!(security["exposure_window"]["n"], 4);
    // Created in the window: 7; closed at its end: all but O1.
    assert_eq!(security["net_resolve_rate"]["created"], 7);
    assert_eq!(security["net_resolve_rate"]["closed"], 6);
    // One reopening of six fixes (C1, C2, C3 twice, C4, S1): 16.7 % > 10 %, tier low.
    assert_eq!(security["reopen_rate"]["reopened"], 1);
    assert_eq!(security["reopen_rate"]["fixes"], 6);
    assert_eq!(security["reopen_rate"]["tier"], "low");
    // No merged pull requests: null, not 0.
    assert_eq!(security["escape_rate"], serde_json::Value::Null);
    assert_eq!(security["change_failure_rate"], serde_json::Value::Null);
    // Time to detect: C4 only says when its flaw came in (6 hours before).
    assert_eq!(
        security["mttd"]["code_scanning"],
        serde_json::json!({"median_seconds": 21_600.0, "n": 1})
    );
    assert_eq!(security["mttd"]["dependabot"], serde_json::Value::Null);
    assert_eq!(
        security["unavailable"],
        serde_json::json!([{
            "family": "dependabot",
            "permission": "vulnerability_alerts",
            "reason": "not available: permission vulnerability_alerts not granted",
        }])
    );

    let table = fullcover(&args);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    for line in [
        "Security outcomes (last 90 days; severity high and above)",
        "MTTR                   median 3d 0h, p90 10d 0h, mean 4d 1h, GitHub-style mean 4d 1h; n = 4; no tier",
        "SLA attainment         75% (3 of 4 met by the due date); 0 overdue open; no tier",
        "Exposure window        15.25 vulnerability-days (n = 4; 0 ended by leaving scope)",
        "Detection rate         no data",
        "Escape rate            no data",
        "Change failure rate    no data",
        "Net resolve rate       85.7% (6 closed of 7 created)",
        "Reopen rate            16.7% (1 reopened of 6 fixes); tier low",
        "Dependabot alerts      not available: permission vulnerability_alerts not granted",
    ] {
        assert!(
            text.contains(&format!("{line}\n")),
            "{line:?} missing from:\n{text}"
        );
    }
    assert!(
        text.contains(
            "Time to detect         code scanning 6h 0m (n = 1); \
             Dependabot not available: permission vulnerability_alerts not granted; \
             secret scanning no data\n"
        ),
        "{text}"
    );

    // A window that ends before everything: nothing to count is "no data", not 0.
    let recent = fullcover(&[&args[..], &["--days", "5"]].concat());
    assert!(recent.status.success(), "{}", stderr(&recent));
    let text = stdout(&recent);
    assert!(text.contains("Security outcomes (last 5 days;"), "{text}");
    assert!(text.contains("MTTR                   no data\n"), "{text}");
    assert!(text.contains("Exposure window        no data\n"), "{text}");

    // The window is bounded, and a bad one explained.
    for bad in ["0", "3651", "many"] {
        let refused = fullcover(&[&args[..], &["--days", bad]].concat());
        assert_eq!(refused.status.code(), Some(2), "{bad}");
        assert!(stderr(&refused).contains("--days"), "{}", stderr(&refused));
    }
}

#[test]
fn report_without_known_permissions_says_so_instead_of_zero() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("local.db").display()
    );
    let path = fixtures_dir().join("go-service");
    let output = fullcover(&[
        "scan",
        path.to_str().unwrap(),
        "--record",
        "--org",
        "team",
        "--database-url",
        &database,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = fullcover(&["report", "--org", "team", "--database-url", &database]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains("MTTR                   not available: permissions not known yet\n"),
        "{text}"
    );
    assert!(text.contains("Escape rate            no data\n"), "{text}");
}

#[test]
fn plan_runs_the_workflows_on_the_branch_the_checkout_is_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/master\n").unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "def greet(name):\n    return 'hello ' + name\n".repeat(30),
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let output = fullcover(&["plan", "--format", "diff", path]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("branches: [\"master\"]"), "{diff}");
    assert!(!diff.contains("\"main\""), "{diff}");
    let chosen = fullcover(&[
        "plan",
        "--format",
        "diff",
        "--default-branch",
        "trunk",
        path,
    ]);
    assert!(stdout(&chosen).contains("branches: [\"trunk\"]"));
}

#[test]
fn platform_controls_are_unknown_offline_and_declared_with_platform() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.py"),
        "def main():\n    return 1\n".repeat(200),
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let output = fullcover(&["scan", path, "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).matches("not visible offline").count(),
        1,
        "{}",
        stderr(&output)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["platform"]["source"], "none");
    assert_eq!(json["coverage"]["satisfied"], 0);

    let output = fullcover(&[
        "scan",
        path,
        "--format",
        "json",
        "--platform",
        "codeql-default-setup=python",
        "--platform",
        "secret-scanning",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("not visible offline"));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["platform"]["source"], "declared");
    assert_eq!(json["coverage"]["satisfied"], 2, "{json}");

    // The local plan matches the App's: no CodeQL, no TruffleHog.
    let output = fullcover(&[
        "plan",
        path,
        "--format",
        "json",
        "--platform",
        "codeql-default-setup=python",
        "--platform",
        "secret-scanning",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains("fullcover-codeql.yml"), "{text}");
    assert!(!text.contains("fullcover-trufflehog.yml"), "{text}");

    let output = fullcover(&["scan", path, "--platform", "codeql-default-setup=cobol"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`cobol`"), "{}", stderr(&output));
}
