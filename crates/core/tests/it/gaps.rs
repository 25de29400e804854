//! The gaps the plan closes with language- and kind-specific scanners (TSX, PowerShell,
//! Elixir, Docker Compose), and the reasons `rules/policy.toml` gives for what it leaves
//! to a person.

use std::path::Path;

use fullcover_core::evaluate::Status;
use fullcover_core::plan::{Plan, Visibility};
use fullcover_core::rules::RuleSet;
use fullcover_core::rules::schema::Category;
use fullcover_core::{detect, evaluate, snapshot};

use crate::plan::{copy_dir, missing_after, plan_and_write, planned_fixtures, settings};
use crate::support::{RULES, fixtures_dir};

/// Plans a copy of a fixture with the given visibility, writing the files.
fn plan_fixture(name: &str, visibility: Visibility) -> (tempfile::TempDir, Plan) {
    let root = tempfile::tempdir().unwrap();
    copy_dir(&fixtures_dir().join(name), root.path());
    let planned = plan_and_write(root.path(), &settings(name, visibility));
    (root, planned)
}

/// The scanner of the planned file that satisfies `requirement`.
fn scanner_for<'a>(planned: &'a Plan, requirement: &str) -> Option<&'a str> {
    planned
        .files
        .iter()
        .find(|f| f.satisfies.iter().any(|r| r == requirement))
        .map(|f| f.scanner.as_str())
}

fn status_of(dir: &Path, requirement: &str) -> Option<Status> {
    let snapshot = snapshot::local::snapshot(dir).unwrap();
    let assessment = evaluate::evaluate(&detect::detect(&snapshot, &RULES), &RULES);
    assessment
        .requirements
        .into_iter()
        .find(|r| r.id == requirement)
        .map(|r| r.status)
}

#[test]
fn fixtures_of_the_closed_gaps_reach_full_coverage_with_nothing_left_to_a_person() {
    for name in ["react-tsx", "powershell-module", "phoenix-app"] {
        for visibility in [Visibility::Public, Visibility::Private] {
            let (dir, planned) = plan_fixture(name, visibility);
            assert!(
                planned.manual.is_empty(),
                "{name} ({visibility:?}): {:?}",
                planned.manual
            );
            let missing = missing_after(dir.path());
            assert!(missing.is_empty(), "{name} ({visibility:?}): {missing:?}");
        }
    }
}

#[test]
fn tsx_is_analysed_by_codeql_where_code_scanning_is_available_and_by_semgrep_elsewhere() {
    let (_, public) = plan_fixture("react-tsx", Visibility::Public);
    assert_eq!(scanner_for(&public, "sast:tsx"), Some("codeql"));
    let codeql = public.files.iter().find(|f| f.scanner == "codeql").unwrap();
    assert!(
        codeql.content.contains("language: javascript-typescript"),
        "{}",
        codeql.content
    );
    let (_, private) = plan_fixture("react-tsx", Visibility::Private);
    assert_eq!(scanner_for(&private, "sast:tsx"), Some("semgrep"));
}

#[test]
fn an_existing_codeql_workflow_for_javascript_typescript_covers_tsx() {
    let root = tempfile::tempdir().unwrap();
    copy_dir(&fixtures_dir().join("react-tsx"), root.path());
    let workflows = root.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(
        workflows.join("codeql.yml"),
        "on: push\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/init@v4\n        with:\n          languages: javascript-typescript\n      - uses: github/codeql-action/analyze@v4\n",
    )
    .unwrap();
    assert_eq!(status_of(root.path(), "sast:tsx"), Some(Status::Satisfied));
}

#[test]
fn powershell_gets_psscriptanalyzer_with_its_security_rules() {
    let (dir, planned) = plan_fixture("powershell-module", Visibility::Public);
    assert_eq!(
        scanner_for(&planned, "sast:powershell"),
        Some("psscriptanalyzer")
    );
    let workflow = std::fs::read_to_string(
        dir.path()
            .join(".github/workflows/fullcover-psscriptanalyzer.yml"),
    )
    .unwrap();
    assert!(workflow.contains("microsoft/psscriptanalyzer-action@"));
    assert!(
        workflow.contains("\"PSAvoidUsingInvokeExpression\""),
        "{workflow}"
    );
    assert!(
        workflow.contains("category: psscriptanalyzer"),
        "{workflow}"
    );
    let (dir, _) = plan_fixture("powershell-module", Visibility::Private);
    let workflow = std::fs::read_to_string(
        dir.path()
            .join(".github/workflows/fullcover-psscriptanalyzer.yml"),
    )
    .unwrap();
    assert!(!workflow.contains("upload-sarif"), "{workflow}");
    assert!(workflow.contains("actions/upload-artifact@"), "{workflow}");
}

#[test]
fn elixir_gets_sobelow_per_mix_project_and_compose_gets_kics() {
    let (dir, planned) = plan_fixture("phoenix-app", Visibility::Public);
    assert_eq!(scanner_for(&planned, "sast:elixir"), Some("sobelow"));
    assert_eq!(scanner_for(&planned, "iac:docker-compose"), Some("kics"));
    let sobelow =
        std::fs::read_to_string(dir.path().join(".github/workflows/fullcover-sobelow.yml"))
            .unwrap();
    let parsed = fullcover_core::formats::parse_yaml(&sobelow).unwrap();
    assert_eq!(
        parsed["jobs"]["sobelow"]["strategy"]["matrix"]["root"],
        serde_json::json!(["."])
    );
    assert!(
        sobelow.contains("mix escript.install hex sobelow 0.15.0"),
        "{sobelow}"
    );
    let kics =
        std::fs::read_to_string(dir.path().join(".github/workflows/fullcover-kics.yml")).unwrap();
    assert!(kics.contains("platform_type: DockerCompose"), "{kics}");
}

#[test]
fn sobelow_runs_in_every_mix_project_of_an_umbrella() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let code = "defmodule A do\n  def f(x), do: x\nend\n".repeat(60);
    for app in ["apps/core", "apps/web"] {
        std::fs::create_dir_all(dir.join(app).join("lib")).unwrap();
        std::fs::write(
            dir.join(app).join("mix.exs"),
            "defmodule X.MixProject do\n  use Mix.Project\n  def project, do: [app: :x, deps: []]\nend\n",
        )
        .unwrap();
        std::fs::write(dir.join(app).join("lib/a.ex"), &code).unwrap();
    }
    std::fs::write(
        dir.join("mix.exs"),
        "defmodule U.MixProject do\n  use Mix.Project\n  def project, do: [apps_path: \"apps\", deps: []]\nend\n",
    )
    .unwrap();
    plan_and_write(dir, &settings("umbrella", Visibility::Public));
    let sobelow =
        std::fs::read_to_string(dir.join(".github/workflows/fullcover-sobelow.yml")).unwrap();
    let parsed = fullcover_core::formats::parse_yaml(&sobelow).unwrap();
    assert_eq!(
        parsed["jobs"]["sobelow"]["strategy"]["matrix"]["root"],
        serde_json::json!([".", "apps/core", "apps/web"])
    );
    assert_eq!(status_of(dir, "sast:elixir"), Some(Status::Satisfied));
}

#[test]
fn elixir_without_a_mix_project_is_left_to_a_person_with_the_policy_reason() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    std::fs::write(
        dir.join("release.exs"),
        "defmodule Release do\n  def run(x), do: IO.puts(x)\nend\n".repeat(40),
    )
    .unwrap();
    let planned = plan_and_write(dir, &settings("scripts", Visibility::Public));
    let step = planned
        .manual
        .iter()
        .find(|m| m.requirement == "sast:elixir")
        .unwrap();
    assert_eq!(
        Some(step.action.as_str()),
        RULES
            .policy
            .person_only
            .get("sast:elixir")
            .map(String::as_str)
    );
}

#[test]
fn kics_covers_only_the_platforms_it_is_told_to_scan() {
    let root = tempfile::tempdir().unwrap();
    copy_dir(&fixtures_dir().join("phoenix-app"), root.path());
    let workflows = root.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(
        root.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )
    .unwrap();
    let kics = |platforms: &str| {
        format!(
            "on: push\njobs:\n  kics:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: Checkmarx/kics-github-action@v2\n        with:\n          path: .\n{platforms}"
        )
    };
    std::fs::write(
        workflows.join("kics.yml"),
        kics("          platform_type: DockerCompose\n"),
    )
    .unwrap();
    assert_eq!(
        status_of(root.path(), "iac:docker-compose"),
        Some(Status::Satisfied)
    );
    assert_eq!(
        status_of(root.path(), "iac:terraform"),
        Some(Status::Missing)
    );
    std::fs::write(workflows.join("kics.yml"), kics("")).unwrap();
    assert_eq!(
        status_of(root.path(), "iac:terraform"),
        Some(Status::Satisfied)
    );
}

/// Whether the plan can add a scanner for `requirement` in some repository (with a
/// lockfile, a Mix project, code scanning), per `rules/onboarding.toml`.
fn plan_can_cover(rules: &RuleSet, category: &str, subject: &str) -> bool {
    let onboarding = &rules.onboarding;
    let covers = |scanner: &str| {
        rules
            .scanners
            .index_of(scanner)
            .map(|i| &rules.scanners.scanners[i].covers)
    };
    match category {
        "sast" => {
            let Some(language) = rules.languages.list.iter().find(|l| l.slug == subject) else {
                return false;
            };
            onboarding
                .sast
                .codeql_languages
                .contains_key(&language.name)
                || covers(&onboarding.sast.fallback)
                    .is_some_and(|c| c.sast.contains(&language.name))
        }
        "sca" => {
            let ecosystem = rules
                .ecosystems
                .ecosystems
                .iter()
                .find(|e| e.id == subject)
                .unwrap();
            ecosystem.dependabot
                || covers(&onboarding.sca.default).is_some_and(|c| {
                    c.sca.iter().any(|e| e == subject)
                        && !c.sca_needs_lockfile.iter().any(|e| e == subject)
                })
        }
        "iac" => {
            subject == "dockerfile"
                || onboarding.iac.checkov_frameworks.contains_key(subject)
                || onboarding.iac.kics_platforms.contains_key(subject)
        }
        _ => true,
    }
}

#[test]
fn every_requirement_left_to_a_person_has_its_reason_in_the_policy() {
    let policy = &RULES.policy;
    for category in ["sast", "sca", "iac"] {
        assert!(
            policy.person_only.contains_key(&format!("{category}:*")),
            "person_only lacks `{category}:*`"
        );
    }
    // Every ecosystem and IaC kind the plan cannot always cover has a reason of its own.
    for ecosystem in &RULES.ecosystems.ecosystems {
        let id = format!("sca:{}", ecosystem.id);
        if !policy.sca.skip.contains_key(&ecosystem.id)
            && !plan_can_cover(&RULES, "sca", &ecosystem.id)
        {
            assert!(policy.person_only.contains_key(&id), "no reason for {id}");
        }
    }
    for kind in &RULES.iac.kinds {
        let id = format!("iac:{}", kind.id);
        if !policy.iac.skip.contains_key(&kind.id) && !plan_can_cover(&RULES, "iac", &kind.id) {
            assert!(policy.person_only.contains_key(&id), "no reason for {id}");
        }
    }
    // No entry names a requirement the plan covers (Elixir only where there is no Mix
    // project).
    for requirement in policy.person_only.keys() {
        let (category, subject) = requirement.split_once(':').unwrap();
        if subject == "*" || requirement == "sast:elixir" {
            continue;
        }
        assert!(
            !plan_can_cover(&RULES, category, subject),
            "{requirement} is covered by the plan, yet person_only explains it"
        );
    }
}

#[test]
fn every_manual_step_on_every_fixture_gives_the_policy_reason_of_its_own_requirement() {
    for visibility in [Visibility::Public, Visibility::Private] {
        let root = tempfile::tempdir().unwrap();
        for (name, _, planned) in planned_fixtures(root.path(), visibility) {
            for step in &planned.manual {
                // A `dependabot.yml` that cannot be read is the repository's to fix; an image
                // made of build outputs is scanned where it is built (Trivy covers images,
                // these ones cannot be built from the repository alone).
                if step.action.starts_with(".github/dependabot.yml")
                    || (step.requirement == "container:dockerfile"
                        && step
                            .action
                            .starts_with("no image builds from the repository alone"))
                {
                    continue;
                }
                let category =
                    fullcover_core::rules::compiled::policy::category_of(&step.requirement);
                assert!(
                    matches!(
                        category,
                        Some(Category::Sast | Category::Sca | Category::Iac)
                    ),
                    "{name}: {step:?}"
                );
                assert_eq!(
                    RULES.policy.person_only.get(&step.requirement),
                    Some(&step.action),
                    "{name} ({visibility:?}): {} has no reason of its own in rules/policy.toml",
                    step.requirement
                );
            }
        }
    }
}
