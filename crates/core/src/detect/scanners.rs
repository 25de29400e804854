//! Security scanners already configured: workflow steps, reusable workflows, job
//! containers and `run:` commands; pre-commit hooks; GitLab CI includes and scripts;
//! bot configuration (Dependabot, Renovate) and scanner configuration files. Every hit
//! carries the path and line that proves it, and what the scanner covers as configured.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::dependabot::DirectoryPatterns;
use super::scope::{self, Trigger};
use super::structured::{FileContent, strings};
use crate::rules::RuleSet;
use crate::rules::compiled::globs::Candidate;
use crate::rules::compiled::scanners::ScannerFileRole;
use crate::rules::schema::{Coverage, Scope};
use crate::snapshot::Warning;

/// Where a scanner was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Empty for platform evidence.
    pub path: String,
    /// 0 for platform evidence.
    pub line: usize,
    /// What matched, as written in the file; for platform evidence, GitHub's answer.
    pub signal: String,
    #[serde(default, skip_serializing_if = "EvidenceKind::is_file")]
    pub kind: EvidenceKind,
}

/// What proves a scanner: a file in the repository, or GitHub's API answering for a
/// control it runs itself (`crate::platform`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    #[default]
    File,
    Platform,
}

impl EvidenceKind {
    pub fn is_file(&self) -> bool {
        *self == EvidenceKind::File
    }
}

/// Which directories of an ecosystem a scanner covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directories {
    All,
    /// Dependabot `directory` values and `directories` globs.
    Only(DirectoryPatterns),
}

/// What a running scanner covers, as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    pub sast: BTreeSet<String>,
    pub secrets: bool,
    pub sca: BTreeMap<String, Directories>,
    pub iac: BTreeSet<String>,
    pub container: bool,
    pub cicd: bool,
    /// Ecosystems covered only where a lockfile exists.
    pub sca_needs_lockfile: BTreeSet<String>,
}

impl Claim {
    /// Everything the rule says the scanner can cover.
    pub fn full(covers: &Coverage, rules: &RuleSet) -> Self {
        let sca = if covers.sca.iter().any(|e| e == "*") {
            rules
                .ecosystems
                .ecosystems
                .iter()
                .map(|e| (e.id.clone(), Directories::All))
                .collect()
        } else {
            covers
                .sca
                .iter()
                .map(|e| (e.clone(), Directories::All))
                .collect()
        };
        Self {
            sast: covers.sast.iter().cloned().collect(),
            secrets: covers.secrets,
            sca,
            iac: covers.iac.iter().cloned().collect(),
            container: covers.container,
            cicd: covers.cicd,
            sca_needs_lockfile: covers.sca_needs_lockfile.iter().cloned().collect(),
        }
    }

    pub fn merge(&mut self, other: &Claim) {
        self.sast.extend(other.sast.iter().cloned());
        self.secrets |= other.secrets;
        for (ecosystem, directories) in &other.sca {
            match (self.sca.get_mut(ecosystem), directories) {
                (None, _) => {
                    self.sca.insert(ecosystem.clone(), directories.clone());
                }
                (Some(mine), Directories::All) => *mine = Directories::All,
                (Some(Directories::Only(mine)), Directories::Only(theirs)) => {
                    mine.extend(theirs);
                }
                (Some(Directories::All), Directories::Only(_)) => {}
            }
        }
        self.iac.extend(other.iac.iter().cloned());
        self.container |= other.container;
        self.cicd |= other.cicd;
        self.sca_needs_lockfile
            .extend(other.sca_needs_lockfile.iter().cloned());
    }
}

/// One sighting of a scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerHit {
    pub scanner: usize,
    pub evidence: Evidence,
    /// `None` when the sighting only configures the scanner without running it.
    pub claim: Option<Claim>,
    /// A pre-commit hook: it covers something only if CI runs pre-commit.
    pub pre_commit_hook: bool,
}

/// What one file says about scanners.
#[derive(Debug, Default)]
pub struct ScannerFindings {
    pub hits: Vec<ScannerHit>,
    /// The file runs pre-commit in CI (or enables pre-commit.ci).
    pub runs_pre_commit: bool,
}

/// The kind of file the scanner detector reads, decided from the path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScannerSource {
    Workflow,
    CompositeAction,
    PreCommit,
    GitlabCi,
    Dependabot,
}

pub fn source_of(path: &str) -> Option<ScannerSource> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let is_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if let Some(rest) = path.strip_prefix(".github/workflows/") {
        return (is_yaml && !rest.contains('/')).then_some(ScannerSource::Workflow);
    }
    if path.starts_with(".github/") && (name == "action.yml" || name == "action.yaml") {
        return Some(ScannerSource::CompositeAction);
    }
    match path {
        ".pre-commit-config.yaml" | ".pre-commit-config.yml" => Some(ScannerSource::PreCommit),
        ".github/dependabot.yml" | ".github/dependabot.yaml" => Some(ScannerSource::Dependabot),
        _ if name.ends_with(".gitlab-ci.yml") || name.ends_with(".gitlab-ci.yaml") => {
            Some(ScannerSource::GitlabCi)
        }
        _ if path.starts_with(".gitlab/ci/") && is_yaml => Some(ScannerSource::GitlabCi),
        _ => None,
    }
}

/// Scanner hits from one file's path and, for the sources above, its content.
pub fn examine(
    path: &str,
    candidate: &Candidate<'_>,
    source: Option<ScannerSource>,
    file: Option<&FileContent<'_>>,
    rules: &RuleSet,
    warnings: &mut Vec<Warning>,
) -> ScannerFindings {
    let mut finder = Finder {
        path,
        text: source.and(file).and_then(FileContent::text).unwrap_or(""),
        rules,
        hits: Vec::new(),
        runs_pre_commit: false,
        searched: BTreeMap::new(),
        lines: Vec::new(),
        cursor: 0,
    };
    for (scanner, role) in rules.scanners.files.matches(candidate) {
        let covers = &rules.scanners.scanners[scanner].covers;
        // Dependabot covers only what its file lists, which `dependabot()` reads below; a
        // file that cannot be read configures nothing.
        let claim = (role == ScannerFileRole::Enabling && covers.scope != Scope::DependabotUpdates)
            .then(|| Claim::full(covers, rules));
        let signal = match role {
            ScannerFileRole::Enabling => format!("{path} enables it"),
            ScannerFileRole::Config => format!("{path} configures it"),
        };
        finder.hits.push(ScannerHit {
            scanner,
            evidence: Evidence {
                path: path.to_owned(),
                line: 1,
                signal,
                kind: EvidenceKind::File,
            },
            claim,
            pre_commit_hook: false,
        });
    }
    if let Some(text) = file.and_then(FileContent::text) {
        for (scanner, signature) in rules.scanners.content.matches(candidate) {
            let needle = &rules.scanners.scanners[scanner].config_content[signature].contains;
            if let Some(index) = text.lines().position(|line| line.contains(needle.as_str())) {
                finder.hits.push(ScannerHit {
                    scanner,
                    evidence: Evidence {
                        path: path.to_owned(),
                        line: index + 1,
                        signal: format!("{needle} configures it"),
                        kind: EvidenceKind::File,
                    },
                    claim: None,
                    pre_commit_hook: false,
                });
            }
        }
    }
    let (Some(source), Some(file)) = (source, file) else {
        return finder.findings();
    };
    let documents = match file.documents() {
        Ok(documents) => documents,
        Err(err) => {
            const CONSEQUENCE: &str = "scanners in it are not detected";
            match warnings
                .iter_mut()
                .find(|w| w.path.as_deref() == Some(path))
            {
                Some(earlier) => earlier.message = format!("{}; {CONSEQUENCE}", earlier.message),
                None => warnings.push(Warning::at(path, format!("{err}; {CONSEQUENCE}"))),
            }
            return finder.findings();
        }
    };
    let Some(document) = documents.first().and_then(Value::as_object) else {
        if documents.first().is_some_and(|doc| !doc.is_null()) {
            warnings.push(Warning::at(
                path,
                "not a YAML mapping; scanners in it are not detected",
            ));
        }
        return finder.findings();
    };
    match source {
        ScannerSource::Workflow => finder.workflow(document),
        ScannerSource::CompositeAction => {
            if let Some(steps) = document
                .get("runs")
                .and_then(|runs| runs.get("steps"))
                .and_then(Value::as_array)
            {
                finder.steps(steps, &Map::new());
            }
        }
        ScannerSource::PreCommit => finder.pre_commit(document),
        ScannerSource::GitlabCi => finder.gitlab(document),
        ScannerSource::Dependabot => finder.dependabot(document, warnings),
    }
    finder.findings()
}

struct Finder<'a> {
    path: &'a str,
    text: &'a str,
    rules: &'a RuleSet,
    hits: Vec<ScannerHit>,
    runs_pre_commit: bool,
    /// For each needle, the line after its last sighting: repeated values (the same
    /// action in two jobs) get their own lines.
    searched: BTreeMap<String, usize>,
    /// The text's lines, split on first use.
    lines: Vec<&'a str>,
    /// Where the last sighting was.
    cursor: usize,
}

impl<'a> Finder<'a> {
    fn findings(self) -> ScannerFindings {
        ScannerFindings {
            hits: self.hits,
            runs_pre_commit: self.runs_pre_commit,
        }
    }

    /// The line of the next occurrence of `needle` on a line that also holds `context`.
    /// Sightings arrive in document order, so the search starts where the last one was
    /// found and wraps around: a long workflow is read about once, not once per hit.
    fn line_of(&mut self, needle: &str, context: &str) -> usize {
        if self.lines.is_empty() {
            self.lines = self.text.lines().collect();
        }
        let key = format!("{context}\u{0}{needle}");
        let floor = self.searched.get(&key).copied().unwrap_or(0);
        let start = self.cursor.max(floor);
        let holds = |line: &&str| line.contains(needle) && line.contains(context);
        let found = self.lines[start.min(self.lines.len())..]
            .iter()
            .position(holds)
            .map(|offset| start + offset)
            .or_else(|| {
                self.lines[floor.min(start)..start.min(self.lines.len())]
                    .iter()
                    .position(holds)
                    .map(|offset| floor.min(start) + offset)
            });
        match found {
            Some(index) => {
                self.searched.insert(key, index + 1);
                self.cursor = index;
                index + 1
            }
            None => 1,
        }
    }

    fn hit(&mut self, scanner: usize, needle: &str, signal: String, claim: Claim) {
        let line = self.line_of(needle, "");
        self.push(scanner, line, signal, claim);
    }

    fn push(&mut self, scanner: usize, line: usize, signal: String, claim: Claim) {
        self.hits.push(ScannerHit {
            scanner,
            evidence: Evidence {
                path: self.path.to_owned(),
                line,
                signal,
                kind: EvidenceKind::File,
            },
            claim: Some(claim),
            pre_commit_hook: false,
        });
    }

    fn full_claim(&self, scanner: usize) -> Claim {
        Claim::full(&self.rules.scanners.scanners[scanner].covers, self.rules)
    }

    fn workflow(&mut self, document: &Map<String, Value>) {
        let Some(jobs) = document.get("jobs").and_then(Value::as_object) else {
            return;
        };
        for job in jobs.values().filter_map(Value::as_object) {
            if let Some(uses) = job.get("uses").and_then(Value::as_str) {
                let scanner = self
                    .rules
                    .scanners
                    .by_reusable_workflow(uses)
                    .or_else(|| self.rules.scanners.by_action(uses));
                if let Some(scanner) = scanner {
                    let claim = self.full_claim(scanner);
                    self.hit(scanner, uses, format!("uses: {uses}"), claim);
                }
            }
            let before = self.hits.len();
            if let Some(steps) = job.get("steps").and_then(Value::as_array) {
                self.steps(steps, job);
            }
            if let Some(image) = container_image(job.get("container")) {
                self.job_image(image, before);
            }
        }
    }

    fn image(&mut self, image: &str) {
        if let Some(scanner) = self.rules.scanners.by_image(image) {
            let claim = self.full_claim(scanner);
            self.hit(scanner, image, format!("image: {image}"), claim);
        }
    }

    /// A job's container image. When the job's own commands already run that scanner,
    /// their arguments say what it covers, and the image is evidence only.
    fn job_image(&mut self, image: &str, first_hit_of_job: usize) {
        let Some(scanner) = self.rules.scanners.by_image(image) else {
            return;
        };
        let run_by_commands = self.hits[first_hit_of_job..]
            .iter()
            .any(|hit| hit.scanner == scanner);
        self.image(image);
        if run_by_commands && let Some(last) = self.hits.last_mut() {
            last.claim = None;
            last.evidence.signal.push_str(" (runs the commands above)");
        }
    }

    fn steps(&mut self, steps: &[Value], job: &Map<String, Value>) {
        let codeql_languages = steps
            .iter()
            .filter(|step| {
                step.get("uses")
                    .and_then(Value::as_str)
                    .is_some_and(|uses| {
                        uses.to_lowercase().starts_with("github/codeql-action/init")
                    })
            })
            .find_map(|step| codeql_languages(step.get("with"), job));
        for step in steps.iter().filter_map(Value::as_object) {
            if let Some(uses) = step.get("uses").and_then(Value::as_str) {
                if uses.to_lowercase().starts_with("pre-commit/action") {
                    self.runs_pre_commit = true;
                }
                if uses.starts_with("docker://") {
                    self.image(uses);
                } else if let Some(scanner) = self.rules.scanners.by_action(uses) {
                    let trigger = Trigger::Step {
                        with: step.get("with"),
                        codeql_languages: codeql_languages.as_deref(),
                    };
                    let claim = self.scoped(scanner, &trigger);
                    self.hit(scanner, uses, format!("uses: {uses}"), claim);
                }
            }
            if let Some(run) = step.get("run").and_then(Value::as_str) {
                self.script(run);
            }
        }
    }

    fn scoped(&self, scanner: usize, trigger: &Trigger<'_>) -> Claim {
        let mut claim = self.full_claim(scanner);
        let scope = self.rules.scanners.scanners[scanner].covers.scope;
        scope::narrow(scope, &mut claim, trigger);
        claim
    }

    fn script(&mut self, script: &str) {
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if scope::runs_pre_commit(line) {
                self.runs_pre_commit = true;
            }
            for scanner in self.rules.scanners.by_command(line) {
                let claim = self.scoped(scanner, &Trigger::Command(line));
                self.hit(scanner, line, format!("run: {line}"), claim);
            }
        }
    }

    fn pre_commit(&mut self, document: &Map<String, Value>) {
        let Some(repos) = document.get("repos").and_then(Value::as_array) else {
            return;
        };
        let hooks = repos
            .iter()
            .filter_map(|repo| repo.get("hooks").and_then(Value::as_array))
            .flatten()
            .filter_map(|hook| hook.get("id").and_then(Value::as_str));
        for hook in hooks {
            for &scanner in self.rules.scanners.by_hook(hook) {
                let claim = self.scoped(scanner, &Trigger::Hook(hook));
                let line = self.line_of(hook, "id:");
                self.push(scanner, line, format!("pre-commit hook {hook}"), claim);
                if let Some(last) = self.hits.last_mut() {
                    last.pre_commit_hook = true;
                }
            }
        }
        // A `ci:` section configures pre-commit.ci, which runs the hooks on every push.
        if document.contains_key("ci") {
            self.runs_pre_commit = true;
        }
    }

    fn gitlab(&mut self, document: &Map<String, Value>) {
        let includes: Vec<&str> = match document.get("include") {
            Some(Value::Array(items)) => items.iter().flat_map(include_names).collect(),
            Some(item) => include_names(item),
            None => Vec::new(),
        };
        for include in includes {
            if let Some(scanner) = self.rules.scanners.by_gitlab_include(include) {
                let claim = self.scoped(scanner, &Trigger::GitlabInclude);
                self.hit(scanner, include, format!("include: {include}"), claim);
            }
        }
        if let Some(image) = container_image(document.get("image")) {
            self.image(image);
        }
        for job in document.values().filter_map(Value::as_object) {
            let before = self.hits.len();
            for key in ["before_script", "script", "after_script"] {
                for line in strings(job.get(key)) {
                    self.script(line);
                }
            }
            if let Some(image) = container_image(job.get("image")) {
                self.job_image(image, before);
            }
        }
    }

    fn dependabot(&mut self, document: &Map<String, Value>, warnings: &mut Vec<Warning>) {
        let Some(scanner) = self.rules.scanners.index_of("dependabot") else {
            return;
        };
        let Some(updates) = document.get("updates").and_then(Value::as_array) else {
            warnings.push(Warning::at(
                self.path,
                "no `updates` list; Dependabot updates nothing",
            ));
            return;
        };
        // The entries below replace the file-level sighting, which claims nothing.
        self.hits
            .retain(|hit| !(hit.scanner == scanner && hit.claim.is_none()));
        for update in updates.iter().filter_map(Value::as_object) {
            let Some(ecosystem) = update.get("package-ecosystem").and_then(Value::as_str) else {
                continue;
            };
            let directories = DirectoryPatterns::of_entry(update);
            let claim = Claim {
                sca: BTreeMap::from([(ecosystem.to_owned(), Directories::Only(directories))]),
                ..Claim::default()
            };
            let line = self.line_of(ecosystem, "package-ecosystem");
            self.push(
                scanner,
                line,
                format!("package-ecosystem: {ecosystem}"),
                claim,
            );
        }
    }
}

fn include_names(item: &Value) -> Vec<&str> {
    match item {
        Value::String(name) => vec![name.as_str()],
        Value::Object(map) => ["template", "component"]
            .iter()
            .filter_map(|key| map.get(*key).and_then(Value::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

fn container_image(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(image) => Some(image),
        Value::Object(map) => map
            .get("image")
            .or_else(|| map.get("name"))
            .and_then(Value::as_str),
        _ => None,
    }
}

/// CodeQL's `languages:` input, with `${{ matrix.x }}` resolved from the job's matrix.
fn codeql_languages(with: Option<&Value>, job: &Map<String, Value>) -> Option<Vec<String>> {
    let input = with?.get("languages")?.as_str()?;
    let matrix = job.get("strategy").and_then(|s| s.get("matrix"));
    let mut languages = Vec::new();
    let mut rest = input;
    while let Some((literal, expression)) = rest.split_once("${{") {
        languages.extend(split_list(literal));
        let (inner, after) = expression.split_once("}}").unwrap_or((expression, ""));
        if let Some(key) = inner.trim().strip_prefix("matrix.") {
            languages.extend(
                strings(matrix.and_then(|m| m.get(key)))
                    .into_iter()
                    .map(str::to_owned),
            );
            if let Some(Value::Array(include)) = matrix.and_then(|m| m.get("include")) {
                languages.extend(
                    include
                        .iter()
                        .filter_map(|entry| entry.get(key)?.as_str().map(str::to_owned)),
                );
            }
        }
        rest = after;
    }
    languages.extend(split_list(rest));
    (!languages.is_empty()).then_some(languages)
}

fn split_list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Content;

    type Found = Vec<(String, usize, Option<Claim>)>;

    fn hits(path: &str, text: &str) -> (Found, Vec<Warning>) {
        let rules = RuleSet::embedded().unwrap();
        let content = Content {
            bytes: text.as_bytes().to_vec(),
            truncated: false,
        };
        let file = FileContent::new(path, &content);
        let mut warnings = Vec::new();
        let candidate = Candidate::new(path);
        let found = examine(
            path,
            &candidate,
            source_of(path),
            Some(&file),
            &rules,
            &mut warnings,
        )
        .hits
        .into_iter()
        .map(|hit| {
            (
                rules.scanners.scanners[hit.scanner].id.clone(),
                hit.evidence.line,
                hit.claim,
            )
        })
        .collect();
        (found, warnings)
    }

    #[test]
    fn codeql_languages_come_from_the_matrix() {
        let (found, warnings) = hits(
            ".github/workflows/codeql.yml",
            "on: push\njobs:\n  analyze:\n    strategy:\n      matrix:\n        language: [python, actions]\n    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n        with:\n          languages: ${{ matrix.language }}\n      - uses: github/codeql-action/analyze@v3\n",
        );
        assert!(warnings.is_empty());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, 9);
        let claim = found[1].2.clone().unwrap();
        assert_eq!(claim.sast, BTreeSet::from(["Python".to_owned()]));
        assert!(claim.cicd);
    }

    #[test]
    fn run_lines_containers_and_reusable_workflows() {
        let (found, _) = hits(
            ".github/workflows/sec.yml",
            "on: push\njobs:\n  semgrep:\n    container:\n      image: semgrep/semgrep\n    steps:\n      - run: semgrep ci\n  osv:\n    uses: google/osv-scanner-action/.github/workflows/osv-scanner-reusable.yml@v2\n  go:\n    steps:\n      - run: |\n          go build ./...\n          gosec ./...\n",
        );
        let mut ids: Vec<_> = found
            .iter()
            .map(|(id, line, _)| (id.as_str(), *line))
            .collect();
        ids.sort_by_key(|(_, line)| *line);
        assert_eq!(
            ids,
            [
                ("semgrep", 5),
                ("semgrep", 7),
                ("osv-scanner", 9),
                ("gosec", 14)
            ]
        );
    }

    #[test]
    fn dependabot_claims_only_listed_directories() {
        let (found, _) = hits(
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /web\n  - package-ecosystem: pip\n    directories: [\"/\", \"/svc/*\"]\n",
        );
        assert_eq!(found.len(), 2);
        let npm = found[0].2.clone().unwrap();
        let Some(Directories::Only(npm)) = npm.sca.get("npm") else {
            panic!("{npm:?}");
        };
        assert_eq!(npm.exact, BTreeSet::from(["/web".to_owned()]));
        assert_eq!(found[1].1, 5);
    }

    #[test]
    fn trivy_image_scans_cover_containers_only() {
        let (found, _) = hits(
            ".github/workflows/t.yml",
            "on: push\njobs:\n  t:\n    steps:\n      - uses: aquasecurity/trivy-action@v0.33.1\n        with:\n          image-ref: app:latest\n",
        );
        let claim = found[0].2.clone().unwrap();
        assert!(claim.container && !claim.secrets && claim.sca.is_empty());
    }

    #[test]
    fn malformed_workflows_warn() {
        let (found, warnings) = hits(".github/workflows/bad.yml", "jobs:\n  a:\n   - b\n  c: [\n");
        assert!(found.is_empty());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("YAML"), "{:?}", warnings[0]);
    }
}
