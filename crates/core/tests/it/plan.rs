//! The onboarding plan on every fixture repository: after `plan --write` the scan reports
//! full coverage (or lists what only a person can do), a second plan changes nothing,
//! every action is pinned by SHA, and the real validators accept the generated files.

use std::path::{Path, PathBuf};
use std::process::Command;

use fullcover_core::evaluate::Status;
use fullcover_core::plan::{self, Change, Plan, PlanSettings, Templates, Visibility};
use fullcover_core::{detect, evaluate, snapshot};

use crate::support::{RULES, fixture_names, fixtures_dir};

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        }
    }
}

pub(crate) fn settings(name: &str, visibility: Visibility) -> PlanSettings {
    PlanSettings {
        repository: format!("acme/{name}"),
        default_branch: "main".to_owned(),
        visibility,
        advanced_security: false,
        config: fullcover_core::config::Config::default(),
        platform: Default::default(),
    }
}

/// Plans for `root` and writes the changes, as `fullcover plan --write` does.
pub(crate) fn plan_and_write(root: &Path, settings: &PlanSettings) -> Plan {
    let templates = Templates::embedded().unwrap();
    let snapshot = snapshot::local::snapshot(root).unwrap();
    let inventory = detect::detect(&snapshot, &RULES);
    let assessment = evaluate::evaluate(&inventory, &RULES);
    let planned = plan::plan(
        &snapshot,
        &inventory,
        &assessment,
        &RULES,
        &templates,
        settings,
    )
    .unwrap();
    for file in planned.changes() {
        let target = root.join(&file.path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, &file.content).unwrap();
    }
    planned
}

pub(crate) fn missing_after(root: &Path) -> Vec<String> {
    let snapshot = snapshot::local::snapshot(root).unwrap();
    let assessment = evaluate::evaluate(&detect::detect(&snapshot, &RULES), &RULES);
    assessment
        .requirements
        .into_iter()
        .filter(|r| r.status == Status::Missing)
        .map(|r| r.id)
        .collect()
}

/// Every fixture with a plan written into a copy, under `root/<fixture>`.
pub(crate) fn planned_fixtures(
    root: &Path,
    visibility: Visibility,
) -> Vec<(String, PathBuf, Plan)> {
    fixture_names()
        .into_iter()
        .map(|name| {
            let dir = root.join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            copy_dir(&fixtures_dir().join(&name), &dir);
            let planned = plan_and_write(&dir, &settings(&name, visibility));
            (name, dir, planned)
        })
        .collect()
}

#[test]
fn after_writing_the_plan_only_manual_steps_remain_and_a_second_plan_is_empty() {
    for visibility in [Visibility::Public, Visibility::Private] {
        let root = tempfile::tempdir().unwrap();
        for (name, dir, planned) in planned_fixtures(root.path(), visibility) {
            let manual: Vec<&str> = planned
                .manual
                .iter()
                .map(|m| m.requirement.as_str())
                .collect();
            let missing = missing_after(&dir);
            let unexplained: Vec<&String> = missing
                .iter()
                .filter(|id| !manual.contains(&id.as_str()))
                .collect();
            assert!(
                unexplained.is_empty(),
                "{name} ({visibility:?}): still missing {unexplained:?}"
            );
            let again = plan_and_write(&dir, &settings(&name, visibility));
            let changed: Vec<&str> = again.changes().map(|f| f.path.as_str()).collect();
            assert!(
                changed.is_empty(),
                "{name} ({visibility:?}): second plan changes {changed:?}"
            );
        }
    }
}

#[test]
fn private_repositories_get_semgrep_and_no_code_scanning_uploads() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("python-django");
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(&fixtures_dir().join("python-django"), &dir);
    // The fixture runs CodeQL already; remove it so SAST is missing.
    std::fs::remove_file(dir.join(".github/workflows/codeql.yml")).unwrap();
    let planned = plan_and_write(&dir, &settings("python-django", Visibility::Private));
    let scanners: Vec<&str> = planned.files.iter().map(|f| f.scanner.as_str()).collect();
    assert!(scanners.contains(&"semgrep"), "{scanners:?}");
    assert!(!scanners.contains(&"codeql"), "{scanners:?}");
    assert!(!scanners.contains(&"dependency-review"), "{scanners:?}");
}

#[test]
fn user_files_are_never_overwritten() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("node-web-app"), dir);
    let first = plan_and_write(dir, &settings("node-web-app", Visibility::Public));
    let zizmor = dir.join(".github/workflows/fullcover-zizmor.yml");
    let edited = std::fs::read_to_string(&zizmor)
        .unwrap()
        .replace("timeout-minutes", "timeout-minutes ");
    std::fs::write(&zizmor, &edited).unwrap();
    let mine = dir.join(".github/workflows/fullcover-trufflehog.yml");
    std::fs::write(&mine, "name: my own secrets scan\non: push\njobs: {}\n").unwrap();
    // Force a re-plan of both by removing what makes them satisfied: nothing else changes.
    let again = plan_and_write(dir, &settings("node-web-app", Visibility::Public));
    assert!(first.changes().count() > 0);
    assert_eq!(std::fs::read_to_string(&zizmor).unwrap(), edited);
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "name: my own secrets scan\non: push\njobs: {}\n"
    );
    let kept: Vec<&str> = again
        .files
        .iter()
        .filter(|f| matches!(f.change, Change::Kept(_)))
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        kept.contains(&".github/workflows/fullcover-trufflehog.yml"),
        "{kept:?}"
    );
}

#[test]
fn an_existing_dependabot_file_is_merged_not_replaced() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("python-django"), dir);
    std::fs::write(
        dir.join("package.json"),
        r#"{"dependencies": {"left-pad": "1"}}"#,
    )
    .unwrap();
    let before = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    let planned = plan_and_write(dir, &settings("python-django", Visibility::Public));
    let after = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    let file = planned
        .files
        .iter()
        .find(|f| f.path == ".github/dependabot.yml")
        .unwrap();
    assert_eq!(file.change, Change::Update);
    for line in before.lines() {
        assert!(after.contains(line), "lost line {line:?}");
    }
    assert!(after.contains("npm"), "{after}");
}

#[test]
fn dependabot_globs_and_groups_are_extended_never_overlapped() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("microservices-globs"), dir);
    let before = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    plan_and_write(dir, &settings("microservices-globs", Visibility::Public));
    let after = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    assert!(
        after.starts_with(before.as_str()),
        "the user's entries must stay first and unchanged:\n{after}"
    );
    let updates = |text: &str| {
        fullcover_core::formats::parse_yaml(text).unwrap()["updates"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let entries = updates(&after).split_off(updates(&before).len());
    let added = &after[before.len()..];
    let npm: Vec<_> = entries
        .iter()
        .filter(|e| e["package-ecosystem"] == "npm")
        .collect();
    assert_eq!(npm.len(), 1, "{added}");
    assert_eq!(
        npm[0]["directories"],
        serde_json::json!(["/src/frontend/assets"])
    );
    for ecosystem in ["gomod", "pip", "nuget", "gradle", "docker"] {
        assert!(
            !entries.iter().any(|e| e["package-ecosystem"] == ecosystem),
            "{ecosystem} is already updated: {added}"
        );
    }
    assert!(missing_after(dir).iter().all(|id| !id.starts_with("sca:")));
}

/// Plans as the CLI does: the repository's configuration read, its `ignore` applied.
fn plan_with_config(root: &Path, name: &str) -> (Plan, String) {
    let templates = Templates::embedded().unwrap();
    let listed = snapshot::local::snapshot(root).unwrap();
    let config =
        fullcover_core::config::Config::from_snapshot(&listed, Default::default()).unwrap();
    let snapshot = config.apply(listed);
    let settings = PlanSettings {
        config,
        ..settings(name, Visibility::Public)
    };
    let onboarding = plan::onboarding(&snapshot, &RULES, &templates, &settings).unwrap();
    let body = onboarding.pull_request(&templates).unwrap().body;
    (onboarding.plan, body)
}

#[test]
fn a_dependabot_file_that_cannot_be_read_whole_is_left_alone_and_the_plan_says_why() {
    let padding = format!("# {}\n", "x".repeat(1024)).repeat(1100);
    type Setup = fn(&Path, &str);
    let cases: [(&str, Setup, &str); 4] = [
        (
            "hidden by ignore",
            |dir, _| {
                std::fs::write(
                    dir.join(".github/fullcover.yml"),
                    "ignore: [\".github/*.yml\"]\n",
                )
                .unwrap();
            },
            "is hidden by an `ignore` glob of .github/fullcover.yml",
        ),
        (
            "not UTF-8",
            |dir, _| {
                let path = dir.join(".github/dependabot.yml");
                let mut bytes = b"# Gr\xfc\xdfe aus K\xf6ln\n".to_vec();
                bytes.extend(std::fs::read(&path).unwrap());
                std::fs::write(path, bytes).unwrap();
            },
            "is not UTF-8 text",
        ),
        (
            "a symbolic link",
            |dir, _| {
                let path = dir.join(".github/dependabot.yml");
                std::fs::rename(&path, dir.join("dependabot-shared.yml")).unwrap();
                std::os::unix::fs::symlink("../dependabot-shared.yml", path).unwrap();
            },
            "is a symbolic link",
        ),
        (
            "over 1 MiB",
            |dir, padding| {
                let path = dir.join(".github/dependabot.yml");
                let mut text = std::fs::read_to_string(&path).unwrap();
                text.push_str(padding);
                std::fs::write(path, text).unwrap();
            },
            "is larger than 1 MiB",
        ),
    ];
    for (case, setup, why) in cases {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        copy_dir(&fixtures_dir().join("microservices-globs"), dir);
        setup(dir, &padding);
        let before = std::fs::read(dir.join(".github/dependabot.yml")).unwrap();
        let (planned, body) = plan_with_config(dir, "microservices-globs");
        let file = planned
            .files
            .iter()
            .find(|f| f.path == ".github/dependabot.yml")
            .unwrap_or_else(|| panic!("{case}: no dependabot.yml in the plan"));
        match &file.change {
            Change::Kept(reason) => assert!(reason.contains(why), "{case}: {reason}"),
            other => panic!("{case}: {other:?}"),
        }
        assert!(planned.changes().all(|f| f.path != file.path), "{case}");
        // The reason is escaped for Markdown like any text that may quote the repository.
        assert!(
            body.contains("### Left alone\n\n- `.github/dependabot.yml`: it ")
                && body.contains(&why.replace('`', "\\`")),
            "{case}: {body}"
        );
        // The requirements nothing else covers name it too.
        assert!(
            planned
                .manual
                .iter()
                .any(|m| m.requirement.starts_with("sca:")
                    && m.action.contains(".github/dependabot.yml is left alone")
                    && m.action.contains(why)),
            "{case}: {:?}",
            planned.manual
        );
        for changed in planned.changes() {
            let target = dir.join(&changed.path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, &changed.content).unwrap();
        }
        assert_eq!(
            std::fs::read(dir.join(".github/dependabot.yml")).unwrap(),
            before,
            "{case}"
        );
    }
}

#[test]
fn a_linked_dependabot_file_is_neither_replaced_nor_written_through() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("linked-dependabot"), dir);
    let shared = std::fs::read(dir.join("ops/dependabot.yml")).unwrap();
    let planned = plan_and_write(dir, &settings("linked-dependabot", Visibility::Public));
    let file = planned
        .files
        .iter()
        .find(|f| f.path == ".github/dependabot.yml")
        .unwrap();
    assert_eq!(
        file.change,
        Change::Kept(
            "it is a symbolic link; Fullcover adds entries only to a file it can read whole"
                .to_owned()
        )
    );
    assert!(
        std::fs::symlink_metadata(dir.join(".github/dependabot.yml"))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(dir.join("ops/dependabot.yml")).unwrap(),
        shared
    );
}

pub(crate) fn generated_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for (_, dir, planned) in planned_fixtures(root, Visibility::Public)
        .into_iter()
        .chain(planned_fixtures(&root.join("private"), Visibility::Private))
    {
        found.extend(planned.changes().map(|f| dir.join(&f.path)));
    }
    found
}

#[test]
fn every_generated_action_is_pinned_to_a_full_commit_sha() {
    let root = tempfile::tempdir().unwrap();
    let files = generated_files(root.path());
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| {
            l.trim_start().starts_with("uses:") || l.trim_start().starts_with("- uses:")
        }) {
            let reference = line.split("uses:").nth(1).unwrap().trim();
            if reference.starts_with("./") {
                continue;
            }
            let sha = reference
                .split('@')
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{}: `{reference}` is not pinned to a commit SHA",
                path.display()
            );
            assert!(
                line.contains(" # v"),
                "{}: `{line}` lacks its version comment",
                path.display()
            );
        }
    }
}

pub(crate) fn run_tool(program: &str, args: &[&str], files: &[PathBuf]) {
    let output = Command::new(program)
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|err| panic!("{program} must be installed (.ci/run installs it): {err}"));
    assert!(
        output.status.success(),
        "{program} rejected generated files:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[ignore = "needs check-jsonschema from PyPI (.ci/run installs it)"]
fn generated_workflows_and_dependabot_files_match_schemastore() {
    let root = tempfile::tempdir().unwrap();
    let files = generated_files(root.path());
    let (dependabot, workflows): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|p| p.ends_with(".github/dependabot.yml"));
    assert!(!workflows.is_empty() && !dependabot.is_empty());
    run_tool(
        "check-jsonschema",
        &["--builtin-schema", "vendor.github-workflows"],
        &workflows,
    );
    run_tool(
        "check-jsonschema",
        &["--builtin-schema", "vendor.dependabot"],
        &dependabot,
    );
}

#[test]
#[ignore = "needs zizmor from PyPI (.ci/run installs it)"]
fn zizmor_finds_nothing_in_generated_workflows() {
    let root = tempfile::tempdir().unwrap();
    let files = generated_files(root.path());
    // Only what Fullcover generated: copy it into a tree of its own.
    let audit = tempfile::tempdir().unwrap();
    for (index, file) in files.iter().enumerate() {
        let relative = if file.ends_with(".github/dependabot.yml") {
            format!("r{index}/.github/dependabot.yml")
        } else {
            format!(
                "r{index}/.github/workflows/{}",
                file.file_name().unwrap().to_string_lossy()
            )
        };
        let target = audit.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(file, target).unwrap();
    }
    let dirs: Vec<PathBuf> = std::fs::read_dir(audit.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    run_tool("zizmor", &["--offline", "--no-progress"], &dirs);
}

#[test]
fn the_repository_configuration_skips_controls_and_chooses_scanners() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("node-web-app"), dir);
    let config = fullcover_core::config::Config::parse(
        ".github/fullcover.yml",
        "skip:\n  secrets: scanned by the platform team's org-wide job\nscanners:\n  sast: semgrep\nschedule: \"5 1 * * 3\"\n",
    )
    .unwrap();
    let mut settings = settings("node-web-app", Visibility::Public);
    settings.config = config;
    let planned = plan_and_write(dir, &settings);
    let scanners: Vec<&str> = planned.files.iter().map(|f| f.scanner.as_str()).collect();
    assert!(
        scanners.contains(&"semgrep") && !scanners.contains(&"codeql"),
        "{scanners:?}"
    );
    assert!(!scanners.contains(&"trufflehog"), "{scanners:?}");
    assert_eq!(planned.skipped[0].requirement, "secrets");
    let semgrep =
        std::fs::read_to_string(dir.join(".github/workflows/fullcover-semgrep.yml")).unwrap();
    assert!(semgrep.contains("cron: \"5 1 * * 3\""), "{semgrep}");
}

/// What a pull request is rendered from, kept to render it again.
pub(crate) struct PullRequestContext {
    inventory: fullcover_core::detect::Inventory,
    before: fullcover_core::evaluate::CoverageSummary,
    after: fullcover_core::evaluate::CoverageSummary,
    templates: Templates,
}

/// Plans for `dir` (public) and renders the pull request, as the CLI does.
pub(crate) fn plan_with_pull_request(
    dir: &Path,
    name: &str,
) -> (Plan, plan::PullRequest, PullRequestContext) {
    let templates = Templates::embedded().unwrap();
    let snapshot = snapshot::local::snapshot(dir).unwrap();
    let inventory = detect::detect(&snapshot, &RULES);
    let before = evaluate::evaluate(&inventory, &RULES);
    let planned = plan::plan(
        &snapshot,
        &inventory,
        &before,
        &RULES,
        &templates,
        &settings(name, Visibility::Public),
    )
    .unwrap();
    let preview = snapshot.with_files(
        planned
            .changes()
            .map(|f| (f.path.clone(), f.content.clone())),
    );
    let after = evaluate::evaluate(&detect::detect(&preview, &RULES), &RULES);
    let pr = plan::pull_request(
        &planned,
        &inventory,
        &before.coverage,
        &after.coverage,
        &templates,
    )
    .unwrap();
    let context = PullRequestContext {
        inventory,
        before: before.coverage,
        after: after.coverage,
        templates,
    };
    (planned, pr, context)
}

#[test]
fn the_pull_request_body_carries_the_marker_and_stays_under_the_limit() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_dir(&fixtures_dir().join("polyglot-ecosystems"), dir);
    let (mut planned, pr, context) = plan_with_pull_request(dir, "polyglot-ecosystems");
    assert!(
        pr.body
            .starts_with(&format!("<!-- fullcover:plan={} -->", planned.hash))
    );
    assert!(pr.body.contains("### What this adds"));
    assert!(
        pr.title.starts_with("Add security scanning: "),
        "{}",
        pr.title
    );
    // A monorepo with thousands of gaps switches to the summary layout.
    for index in 0..3000 {
        planned.manual.push(plan::ManualStep {
            requirement: format!("sast:lang{index}"),
            action: "a long explanation of what a person has to do here, repeated".to_owned(),
        });
    }
    let big = plan::pull_request(
        &planned,
        &context.inventory,
        &context.before,
        &context.after,
        &context.templates,
    )
    .unwrap();
    assert!(big.body.len() <= plan::BODY_LIMIT, "{}", big.body.len());
    assert!(big.body.contains("summary layout"));
}

#[test]
fn the_pull_request_text_for_a_typical_repository() {
    let dir = fixtures_dir().join("node-web-app");
    let (planned, pr, _) = plan_with_pull_request(&dir, "node-web-app");
    insta::assert_snapshot!("pr-node-web-app", format!("{}\n\n{}", pr.title, pr.body));
    let workflow = planned
        .files
        .iter()
        .find(|f| f.path == ".github/workflows/fullcover-codeql.yml")
        .unwrap();
    insta::assert_snapshot!("workflow-codeql-node-web-app", workflow.content);
}

#[test]
fn hostile_paths_stay_single_yaml_strings_in_generated_files() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let odd = "svc\" x: [injected]";
    std::fs::create_dir_all(dir.join(odd)).unwrap();
    std::fs::write(
        dir.join(odd).join("Dockerfile"),
        "FROM alpine:3.20\nRUN true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(odd).join("package.json"),
        r#"{"dependencies": {"a": "1"}}"#,
    )
    .unwrap();
    plan_and_write(dir, &settings("odd", Visibility::Public));
    let hadolint =
        std::fs::read_to_string(dir.join(".github/workflows/fullcover-hadolint.yml")).unwrap();
    let parsed = fullcover_core::formats::parse_yaml(&hadolint).unwrap();
    let text = serde_json::to_string(&parsed).unwrap();
    assert!(
        text.contains(&serde_json::to_string(&format!("{odd}/Dockerfile")).unwrap()),
        "{text}"
    );
    assert!(!text.contains("\"injected\""), "{text}");
    let dependabot = std::fs::read_to_string(dir.join(".github/dependabot.yml")).unwrap();
    let parsed = fullcover_core::formats::parse_yaml(&dependabot).unwrap();
    let directories = serde_json::to_string(&parsed["updates"]).unwrap();
    assert!(
        directories.contains(&serde_json::to_string(&format!("/{odd}")).unwrap()),
        "{directories}"
    );
}
