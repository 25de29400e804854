//! The scan report: the documented JSON contract (`docs/scan-json.md`), and its renderings
//! for people (a terminal table) and for pull-request comments (Markdown).

mod markdown;
mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::markdown::render as markdown;
pub use self::table::render as table;
use crate::detect::Inventory;
use crate::detect::languages::Exclusion;
use crate::detect::scanners::Evidence;
use crate::evaluate::{Assessment, CoverageSummary, Requirement};
use crate::platform::{Answer, Control, PlatformControls, Source};
use crate::rules::RuleSet;
use crate::rules::schema::{Category, LanguageType};
use crate::snapshot::Warning;

/// The JSON contract of `fullcover scan --format json`. Keys are only ever added. It
/// reads back what it writes (the App reads its stored reports as this type).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    pub repository: String,
    pub languages: Vec<LanguageEntry>,
    pub iac: Vec<IacEntry>,
    pub ecosystems: Vec<EcosystemEntry>,
    pub scanners: Vec<ScannerEntry>,
    pub requirements: Vec<Requirement>,
    pub coverage: CoverageSummary,
    pub warnings: Vec<Warning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileEntry>>,
    /// GitHub's own controls and what is known of each; absent from reports written
    /// before they were read.
    #[serde(default)]
    pub platform: PlatformReport,
}

/// `platform` in the report: how the answers were obtained and one entry per control.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlatformReport {
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
    pub controls: Vec<PlatformEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlatformEntry {
    pub id: String,
    pub name: String,
    /// `enabled`, `disabled`, `unknown`, or `not_checked` (offline, not declared).
    pub state: String,
    /// GitHub language ids, for default setup.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// GitHub's message for `disabled`, why it cannot be told for `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl PlatformEntry {
    /// "enabled: python, go", "disabled", "unknown (no permission)", "not checked".
    pub fn describe(&self) -> String {
        match self.state.as_str() {
            "enabled" if self.languages.is_empty() => "enabled".to_owned(),
            "enabled" => format!("enabled: {}", self.languages.join(", ")),
            "unknown" => format!(
                "unknown ({})",
                self.detail.as_deref().unwrap_or("not readable")
            ),
            "not_checked" => "not checked".to_owned(),
            other => other.to_owned(),
        }
    }
}

fn platform_report(controls: &PlatformControls, rules: &RuleSet) -> PlatformReport {
    let entries = Control::ALL
        .into_iter()
        .map(|control| {
            let name = crate::platform::rule(rules, control)
                .map_or_else(|| control.id().to_owned(), |rule| rule.name.clone());
            let (state, languages, detail) = match controls.answer(control) {
                None => ("not_checked", Vec::new(), None),
                Some(Answer::Enabled { languages }) => ("enabled", languages.clone(), None),
                Some(Answer::Disabled { detail }) => ("disabled", Vec::new(), Some(detail.clone())),
                Some(Answer::Unknown { detail }) => ("unknown", Vec::new(), Some(detail.clone())),
            };
            PlatformEntry {
                id: control.id().to_owned(),
                name,
                state: state.to_owned(),
                languages,
                detail,
            }
        })
        .collect();
    PlatformReport {
        source: controls.source,
        seen: controls.seen.clone(),
        controls: entries,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LanguageEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: LanguageType,
    pub bytes: u64,
    pub files: usize,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IacEntry {
    pub kind: String,
    pub name: String,
    pub files: Vec<String>,
    /// Terraform providers by local name (`aws`), whether or not a source is declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// The source address (`hashicorp/aws`) of each provider whose `required_providers`
    /// entry declares one, by local name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provider_sources: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EcosystemEntry {
    pub name: String,
    pub title: String,
    pub manifests: Vec<String>,
    pub lockfiles: Vec<String>,
    pub directories: Vec<String>,
    /// Direct dependencies declared in the manifests, summed; `null` when none was parsed.
    pub dependencies: Option<usize>,
    /// Whether Dependabot version updates support this ecosystem.
    pub dependabot: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScannerEntry {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// Whether something runs it (a workflow, a hook, a bot); `false` for configuration
    /// files alone.
    pub running: bool,
    pub evidence: Vec<Evidence>,
    pub covers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub language: Option<String>,
    pub excluded: Option<Exclusion>,
    /// Whether the file counts in the language statistics.
    pub counted: bool,
}

impl ScanReport {
    pub fn new(
        inventory: &Inventory,
        assessment: &Assessment,
        rules: &RuleSet,
        with_files: bool,
    ) -> Self {
        let empty = Vec::new();
        Self {
            repository: inventory.repository.clone(),
            languages: inventory
                .languages
                .iter()
                .map(|stat| LanguageEntry {
                    name: stat.name.clone(),
                    kind: stat.kind,
                    bytes: stat.bytes,
                    files: stat.files,
                    share: stat.share,
                })
                .collect(),
            iac: inventory
                .iac
                .iter()
                .map(|kind| IacEntry {
                    kind: kind.id.clone(),
                    name: kind.name.clone(),
                    files: kind.files.clone(),
                    providers: kind.details.providers.keys().cloned().collect(),
                    provider_sources: kind
                        .details
                        .providers
                        .iter()
                        .filter_map(|(local, source)| Some((local.clone(), source.clone()?)))
                        .collect(),
                    modules: kind.details.modules.iter().cloned().collect(),
                })
                .collect(),
            ecosystems: inventory
                .ecosystems
                .iter()
                .map(|ecosystem| EcosystemEntry {
                    name: ecosystem.id.clone(),
                    title: ecosystem.name.clone(),
                    manifests: ecosystem.manifests.clone(),
                    lockfiles: ecosystem.lockfiles.clone(),
                    directories: ecosystem.directories.clone(),
                    dependencies: ecosystem.dependencies,
                    dependabot: ecosystem.dependabot,
                })
                .collect(),
            scanners: inventory
                .scanners
                .iter()
                .map(|scanner| ScannerEntry {
                    id: scanner.id.clone(),
                    name: scanner.name.clone(),
                    category: scanner.category,
                    running: scanner.claim.is_some(),
                    evidence: scanner.evidence.clone(),
                    covers: assessment.covers.get(&scanner.id).unwrap_or(&empty).clone(),
                })
                .collect(),
            requirements: assessment.requirements.clone(),
            coverage: assessment.coverage.clone(),
            warnings: inventory.warnings.clone(),
            files: with_files.then(|| {
                inventory
                    .files
                    .iter()
                    .map(|file| FileEntry {
                        path: file.path.as_str().to_owned(),
                        language: file.language.map(|id| rules.languages.get(id).name.clone()),
                        excluded: file.excluded,
                        counted: file.counted,
                    })
                    .collect()
            }),
            platform: platform_report(&inventory.platform, rules),
        }
    }

    /// Requirements grouped by category, in report order.
    pub fn requirements_by_category(&self) -> BTreeMap<Category, Vec<&Requirement>> {
        let mut grouped: BTreeMap<Category, Vec<&Requirement>> = BTreeMap::new();
        for requirement in &self.requirements {
            grouped
                .entry(requirement.category)
                .or_default()
                .push(requirement);
        }
        grouped
    }
}
