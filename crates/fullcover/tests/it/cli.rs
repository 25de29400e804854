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
