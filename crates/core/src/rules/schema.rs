//! The shape of the data files in `rules/`, as serde reads them. Unknown keys are errors,
//! so a typo in a rule never silently disables it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::rules::ManifestFormat;

/// `languages.toml`: linguist's language table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguagesFile {
    pub language: Vec<LanguageRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageRule {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: LanguageType,
    #[serde(default)]
    pub extensions: Vec<String>,
    #[serde(default)]
    pub filenames: Vec<String>,
    #[serde(default)]
    pub interpreters: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageType {
    Programming,
    Markup,
    Data,
    Prose,
}

/// `heuristics.toml`: linguist's disambiguations for ambiguous extensions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeuristicsFile {
    #[serde(default)]
    pub named_patterns: BTreeMap<String, Vec<String>>,
    pub disambiguation: Vec<Disambiguation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disambiguation {
    pub extensions: Vec<String>,
    pub rule: Vec<HeuristicRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeuristicRule {
    pub languages: Vec<String>,
    #[serde(flatten)]
    pub condition: Condition,
    #[serde(default)]
    pub and: Vec<Condition>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default)]
    pub pattern: Vec<String>,
    #[serde(default)]
    pub negative_pattern: Vec<String>,
    pub named_pattern: Option<String>,
}

/// `linguist-paths.toml`: which paths linguist leaves out of the statistics.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinguistPathsFile {
    pub vendored: PatternList,
    pub documentation: PatternList,
    pub generated: GeneratedRules,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternList {
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedRules {
    pub paths: Vec<String>,
    #[serde(default)]
    pub content: Vec<GeneratedContent>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedContent {
    pub extensions: Vec<String>,
    pub lines: usize,
    pub pattern: String,
}

/// `iac.toml`: infrastructure-as-code kinds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IacFile {
    pub kind: Vec<IacKindRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IacKindRule {
    pub id: String,
    pub name: String,
    #[serde(rename = "match")]
    pub matches: Vec<IacMatch>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IacMatch {
    /// Globs; a glob without `/` matches the file name in any directory.
    pub paths: Vec<String>,
    /// Strings that must all occur in the content.
    #[serde(default)]
    pub markers: Vec<String>,
    /// Strings of which at least one must occur in the content.
    #[serde(default)]
    pub markers_any: Vec<String>,
    /// The structural check the content must pass.
    #[serde(default)]
    pub check: ContentCheck,
}

/// Structural checks implemented in `detect::iac`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentCheck {
    #[default]
    None,
    Terraform,
    CloudformationTemplate,
    KubernetesManifest,
    HelmChart,
    Kustomization,
    ArmTemplate,
    ServerlessConfig,
    PulumiProject,
    CdkApp,
    ComposeFile,
    AnsiblePlaybook,
    AnsibleTasks,
    Workflow,
    CompositeAction,
    OpenapiDocument,
    Dockerfile,
}

/// `ecosystems.toml`: dependency ecosystems, by Dependabot `package-ecosystem` id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcosystemsFile {
    /// Paths never searched for manifests (installed packages, virtualenvs, ...).
    pub ignore: Vec<String>,
    pub ecosystem: Vec<EcosystemRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcosystemRule {
    pub id: String,
    pub name: String,
    /// Whether Dependabot version updates support this ecosystem.
    pub dependabot: bool,
    #[serde(default)]
    pub manifests: Vec<ManifestRule>,
    #[serde(default)]
    pub lockfiles: Vec<LockfileRule>,
    /// Dependabot's `directory` for these manifests is always `/` (GitHub Actions).
    #[serde(default)]
    pub root_directory: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRule {
    pub paths: Vec<String>,
    pub format: Option<ManifestFormat>,
    /// Only a manifest if one of these files sits in the same directory.
    #[serde(default)]
    pub with_sibling: Vec<String>,
    /// Not a manifest of this ecosystem if one of these files sits in the same directory.
    #[serde(default)]
    pub unless_sibling: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockfileRule {
    pub paths: Vec<String>,
    #[serde(default)]
    pub with_sibling: Vec<String>,
    #[serde(default)]
    pub unless_sibling: Vec<String>,
}

/// `scanners.toml`: how to recognise security scanners already configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannersFile {
    pub scanner: Vec<ScannerRule>,
    /// Controls GitHub runs itself, switched on in settings (no file in the repository).
    #[serde(default)]
    pub platform: Vec<PlatformRule>,
}

/// `[[platform]]` in `scanners.toml`: a GitHub control read through the API and what it
/// covers when it is on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformRule {
    /// One of `crate::platform::Control`'s ids.
    pub id: String,
    pub name: String,
    pub category: Category,
    /// For a control that analyses languages GitHub names itself (default setup): each
    /// GitHub language id and the linguist languages it analyses. The control covers
    /// `sast` only for the languages GitHub says it analyses.
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, Vec<String>>,
    /// The GitHub language id whose analysis covers `cicd` (default setup's `actions`).
    #[serde(default)]
    pub cicd_language: Option<String>,
    /// What the control covers when on (for `languages` controls, the `secrets`, `sca`
    /// and other parts; `sast` comes from `languages`).
    #[serde(default)]
    pub covers: Coverage,
    /// Where the facts come from.
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerRule {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// Workflow step `uses:` (owner/repo[/path], without `@ref`), case-insensitive.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Job-level reusable workflows (`owner/repo/.github/workflows/x.yml`).
    #[serde(default)]
    pub reusable_workflows: Vec<String>,
    /// Container images (job `container:` or `docker://` steps), without tag.
    #[serde(default)]
    pub images: Vec<String>,
    /// Regexes matched against each line of `run:` scripts and CI job scripts.
    #[serde(default)]
    pub commands: Vec<String>,
    /// pre-commit hook ids.
    #[serde(default)]
    pub precommit_hooks: Vec<String>,
    /// GitLab CI `include: template:` names or `component:` prefixes.
    #[serde(default)]
    pub gitlab_includes: Vec<String>,
    /// Files whose presence runs the scanner (a bot's configuration).
    #[serde(default)]
    pub enabling_files: Vec<String>,
    /// Files that configure the scanner but do not run it by themselves.
    #[serde(default)]
    pub config_files: Vec<String>,
    /// Files whose content configures the scanner (`[tool.bandit]` in pyproject.toml).
    #[serde(default)]
    pub config_content: Vec<ContentSignature>,
    /// Names of the check runs it reports (globs, case-insensitive).
    #[serde(default)]
    pub checks: Vec<String>,
    pub covers: Coverage,
}

/// A string that, found in a file matching `path`, shows the scanner is configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSignature {
    pub path: String,
    pub contains: String,
}

/// What a running scanner covers, before any scoping by its configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Linguist language names it analyses.
    #[serde(default)]
    pub sast: Vec<String>,
    #[serde(default)]
    pub secrets: bool,
    /// Ecosystem ids, or `["*"]` for every ecosystem.
    #[serde(default)]
    pub sca: Vec<String>,
    /// IaC kind ids.
    #[serde(default)]
    pub iac: Vec<String>,
    #[serde(default)]
    pub container: bool,
    #[serde(default)]
    pub cicd: bool,
    /// Ecosystems the scanner sees only through a lockfile: without one it covers nothing.
    #[serde(default)]
    pub sca_needs_lockfile: Vec<String>,
    /// How the scanner's own configuration narrows what it covers.
    #[serde(default)]
    pub scope: Scope,
}

/// Configuration-dependent narrowing, implemented in `detect::scanners`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    None,
    /// CodeQL `languages:` input or matrix.
    CodeqlLanguages,
    /// `dependabot.yml` `updates[]` ecosystems and directories.
    DependabotUpdates,
    /// Trivy's `scan-type` / subcommand.
    TrivyScanType,
    /// Checkov's `framework` input or `--framework` flag.
    CheckovFramework,
    /// Terrascan's `iac_type` input or `-i` flag.
    TerrascanIacType,
    /// Grype's target: an image, or a directory or SBOM.
    GrypeTarget,
    /// KICS's `platform_type` (or `type`) input or `--type` flag.
    KicsPlatform,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Sast,
    Secrets,
    Sca,
    Iac,
    Container,
    Cicd,
    /// Dynamic testing of a running application; no requirement maps to it.
    Dast,
}

impl Category {
    /// The categories requirements are grouped in.
    pub const REQUIRED: [Category; 6] = [
        Category::Sast,
        Category::Secrets,
        Category::Sca,
        Category::Iac,
        Category::Container,
        Category::Cicd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sast => "sast",
            Category::Secrets => "secrets",
            Category::Sca => "sca",
            Category::Iac => "iac",
            Category::Container => "container",
            Category::Cicd => "cicd",
            Category::Dast => "dast",
        }
    }
}

/// `policy.toml`: which controls a stack requires.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub sast: SastPolicy,
    pub secrets: SecretsPolicy,
    pub sca: SkipPolicy,
    pub iac: SkipPolicy,
    pub container: ContainerPolicy,
    pub cicd: CicdPolicy,
    /// Requirement id (or `<category>:*` for the rest of a category) -> why no maintained
    /// open-source scanner the plan can add covers it, and what a person can do.
    #[serde(default)]
    pub person_only: BTreeMap<String, String>,
}

impl PolicyFile {
    /// Why only a person can meet `requirement`: its own entry, else its category's.
    pub fn person_only_reason(&self, requirement: &str) -> Option<&str> {
        self.person_only
            .get(requirement)
            .or_else(|| {
                let category = requirement.split(':').next()?;
                self.person_only.get(&format!("{category}:*"))
            })
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SastPolicy {
    /// A programming language with fewer counted bytes than this needs no SAST.
    pub min_bytes: u64,
    /// Languages that are build or infrastructure code, covered by other controls.
    pub skip_languages: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsPolicy {
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipPolicy {
    /// Ids that need no requirement in this category, with the reason.
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerPolicy {
    /// IaC kinds whose presence means an image is built here.
    pub image_sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CicdPolicy {
    /// IaC kinds that are CI/CD pipelines.
    pub pipelines: Vec<String>,
}

/// `onboarding.toml`: which scanner the plan adds for each missing control.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnboardingFile {
    pub sast: SastOnboarding,
    pub secrets: Choice,
    pub sca: ScaOnboarding,
    pub iac: IacOnboarding,
    pub container: Choice,
    pub cicd: Choice,
}

/// A scanner id and why it is the default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub default: String,
    pub default_reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SastOnboarding {
    pub default: String,
    pub default_reason: String,
    pub fallback: String,
    pub fallback_reason: String,
    pub semgrep_image: String,
    pub semgrep_configs: Vec<String>,
    /// Linguist language name -> CodeQL language id.
    pub codeql_languages: BTreeMap<String, String>,
    /// CodeQL language ids that need `build-mode: autobuild`.
    pub codeql_autobuild: Vec<String>,
    /// Linguist languages whose analysis needs a build whatever their CodeQL id.
    pub codeql_build_languages: Vec<String>,
    /// Linguist language -> the scanner added where neither CodeQL nor the fallback
    /// analyses it.
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageScanner>,
    /// PSScriptAnalyzer rules the workflow runs (its security rules).
    pub psscriptanalyzer_rules: Vec<String>,
    /// Sobelow release installed from Hex, and the Erlang/OTP and Elixir it runs on.
    pub sobelow_version: String,
    pub sobelow_otp_version: String,
    pub sobelow_elixir_version: String,
}

/// A language-specific SAST scanner and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageScanner {
    pub scanner: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaOnboarding {
    pub default: String,
    pub default_reason: String,
    pub updates: String,
    pub updates_reason: String,
    pub pull_requests: String,
    pub pull_requests_reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IacOnboarding {
    pub default: String,
    pub default_reason: String,
    /// IaC kind id -> Checkov framework.
    pub checkov_frameworks: BTreeMap<String, String>,
    pub dockerfile: String,
    pub dockerfile_reason: String,
    /// The scanner for the kinds Checkov does not read, and its platform per IaC kind.
    pub kics: String,
    pub kics_reason: String,
    pub kics_platforms: BTreeMap<String, String>,
}
