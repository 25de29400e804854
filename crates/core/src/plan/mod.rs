//! The onboarding plan: exactly the configuration that closes a repository's coverage
//! gaps, rendered from `templates/`, and the pull-request text that explains it. Pure: it
//! reads existing files only through the snapshot and returns what it would write.

pub mod choose;
pub mod dependabot;
pub mod ownership;
pub mod templates;
pub mod text;

use serde::Serialize;
use serde_json::{Value, json};

pub use self::choose::ManualStep;
use self::ownership::Owner;
pub use self::templates::{TemplateError, Templates};
use crate::detect::Inventory;
use crate::evaluate::{Assessment, CoverageSummary};
use crate::formats::parse_yaml;
use crate::platform::PlatformControls;
use crate::rules::RuleSet;
use crate::snapshot::{Presence, RepoPath, Snapshot, Warning};

/// GitHub's limit on a pull-request body.
pub const BODY_LIMIT: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub const NAMES: [&'static str; 2] = ["public", "private"];
}

impl std::str::FromStr for Visibility {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "public" => Ok(Self::Public),
            "private" => Ok(Self::Private),
            other => Err(format!(
                "visibility `{other}`: expected `public` or `private`"
            )),
        }
    }
}

/// What the plan needs to know about the repository beyond its files.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    pub repository: String,
    pub default_branch: String,
    pub visibility: Visibility,
    /// GitHub Advanced Security (code scanning on private repositories) is available.
    pub advanced_security: bool,
    /// The repository's (and its organisation's) `.github/fullcover.yml`.
    pub config: crate::config::Config,
    /// GitHub's own controls, as far as they are known: the plan never adds what they
    /// already do, and never an advanced CodeQL workflow beside default setup.
    pub platform: PlatformControls,
}

/// "GitHub secret scanning: enabled, ..." for the pull request, when anything is known.
fn platform_line(controls: &PlatformControls) -> String {
    if controls.source == crate::platform::Source::None {
        return String::new();
    }
    crate::platform::Control::ALL
        .into_iter()
        .map(|control| {
            let state = controls
                .answer(control)
                .map_or_else(|| "not checked".to_owned(), ToString::to_string);
            let name = match control {
                crate::platform::Control::CodeqlDefaultSetup => "code scanning default setup",
                crate::platform::Control::SecretScanning => "secret scanning",
                crate::platform::Control::DependabotAlerts => "Dependabot alerts",
            };
            format!("{name} {state}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Detection with the platform's answers added: the inventory evaluation and planning
/// read.
fn detect_with_platform(
    snapshot: &Snapshot,
    rules: &RuleSet,
    settings: &PlanSettings,
) -> Inventory {
    let mut inventory = crate::detect::detect(snapshot, rules);
    crate::platform::apply(&mut inventory, &settings.platform, rules);
    inventory
}

/// What happens to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "change", content = "reason")]
pub enum Change {
    Create,
    Update,
    /// Already as planned.
    Unchanged,
    /// The file is the user's (or was edited since Fullcover wrote it): left alone.
    Kept(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFile {
    pub path: String,
    #[serde(flatten)]
    pub change: Change,
    pub scanner: String,
    /// The scanner's display name.
    pub name: String,
    pub satisfies: Vec<String>,
    /// Why this scanner.
    pub reason: String,
    /// How to adjust or remove it.
    pub customise: String,
    /// Where its results go.
    pub results: String,
    /// What it scans on each trigger, where that is not simply the whole repository.
    pub scope: Option<String>,
    pub content: String,
    #[serde(skip)]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
    pub manual: Vec<ManualStep>,
    /// Requirements `.github/fullcover.yml` skips, with its reasons.
    pub skipped: Vec<ManualStep>,
    /// What the plan left out of its files, and why (a path no workflow can hold safely).
    pub warnings: Vec<Warning>,
    /// Identifies the plan's content: the same gaps give the same hash.
    pub hash: String,
}

impl Plan {
    /// Files to write: created or updated.
    pub fn changes(&self) -> impl Iterator<Item = &PlannedFile> {
        self.files
            .iter()
            .filter(|f| matches!(f.change, Change::Create | Change::Update))
    }
}

/// One repository's onboarding, worked out from its snapshot (already without the paths
/// its configuration ignores): what it is, where it stands, what the plan adds, and where
/// it stands once the plan is merged.
#[derive(Debug)]
pub struct Onboarding {
    pub inventory: Inventory,
    pub before: Assessment,
    pub plan: Plan,
    pub after: Assessment,
}

impl Onboarding {
    pub fn pull_request(&self, templates: &Templates) -> Result<PullRequest, TemplateError> {
        pull_request(
            &self.plan,
            &self.inventory,
            &self.before.coverage,
            &self.after.coverage,
            templates,
        )
    }
}

/// Detects, evaluates and plans, then evaluates the repository as the plan leaves it.
pub fn onboarding(
    snapshot: &Snapshot,
    rules: &RuleSet,
    templates: &Templates,
    settings: &PlanSettings,
) -> Result<Onboarding, TemplateError> {
    let inventory = detect_with_platform(snapshot, rules, settings);
    let mut before = crate::evaluate::evaluate(&inventory, rules);
    before.skip(&settings.config.skip);
    let planned = plan(snapshot, &inventory, &before, rules, templates, settings)?;
    let preview = snapshot.with_files(
        planned
            .changes()
            .map(|file| (file.path.clone(), file.content.clone())),
    );
    let mut after =
        crate::evaluate::evaluate(&detect_with_platform(&preview, rules, settings), rules);
    after.skip(&settings.config.skip);
    Ok(Onboarding {
        inventory,
        before,
        plan: planned,
        after,
    })
}

/// How many times the plan is re-evaluated with its own files in place: the workflows it
/// adds are themselves GitHub Actions, which need dependency updates and workflow checks.
const ROUNDS: usize = 3;

/// Plans the files that close the gaps in `assessment`, and the gaps the plan's own files
/// open.
pub fn plan(
    snapshot: &Snapshot,
    inventory: &Inventory,
    assessment: &Assessment,
    rules: &RuleSet,
    templates: &Templates,
    settings: &PlanSettings,
) -> Result<Plan, TemplateError> {
    let cron = settings
        .config
        .schedule
        .clone()
        .unwrap_or_else(|| weekly_cron(&settings.repository));
    let base = json!({
        "cron": cron,
        "default_branch": settings.default_branch,
        "repository": settings.repository,
    });
    let mut planned: Vec<PlannedFile> = Vec::new();
    let mut manual: Vec<ManualStep> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let mut view: Option<Snapshot> = None;
    for _ in 0..ROUNDS {
        let (current, found_inventory, found_assessment);
        let (inventory, assessment) = match &view {
            None => (inventory, assessment),
            Some(view) => {
                found_inventory = detect_with_platform(view, rules, settings);
                found_assessment = crate::evaluate::evaluate(&found_inventory, rules);
                (&found_inventory, &found_assessment)
            }
        };
        current = view.as_ref().unwrap_or(snapshot);
        let choices = choose::choose(inventory, assessment, rules, settings);
        let mut round = Vec::new();
        for addition in &choices.additions {
            if planned.iter().any(|f| f.path == addition.path) {
                continue;
            }
            round.push(workflow_file(current, templates, &base, addition)?);
        }
        if let Some(file) = dependabot_file(current, templates, &base, &choices.updates)? {
            if let Change::Kept(reason) = &file.change {
                for requirement in &choices.updates.satisfies {
                    let step = ManualStep {
                        requirement: requirement.clone(),
                        action: format!("{} is left alone: {reason}", file.path),
                    };
                    if !manual.contains(&step) {
                        manual.push(step);
                    }
                }
            }
            round.push(file);
        }
        for warning in choices.warnings {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        for step in choices.manual {
            if !manual.contains(&step) {
                manual.push(step);
            }
        }
        let writes: Vec<(String, String)> = round
            .iter()
            .filter(|f| matches!(f.change, Change::Create | Change::Update))
            .map(|f| (f.path.clone(), f.content.clone()))
            .collect();
        for file in round {
            match planned.iter_mut().find(|p| p.path == file.path) {
                Some(earlier) => {
                    earlier.content = file.content;
                    earlier.satisfies.extend(file.satisfies);
                }
                None => planned.push(file),
            }
        }
        if writes.is_empty() {
            break;
        }
        view = Some(current.with_files(writes));
    }
    // Changes are relative to the repository as it is, not to an intermediate round.
    for file in &mut planned {
        let (previous, unusable) = match existing(snapshot, &file.path) {
            Existing::Unusable(reason) => (None, Some(reason)),
            found => (found.text(), None),
        };
        file.previous = previous;
        file.change = match (&file.change, file.previous.as_deref()) {
            (Change::Kept(_), _) => file.change.clone(),
            _ if let Some(reason) = &unusable => Change::Kept(reason.clone()),
            // dependabot.yml is merged into, whoever wrote it.
            (_, Some(previous)) if file.scanner == "dependabot" && previous != file.content => {
                Change::Update
            }
            (_, previous) => change_for(previous, &file.content),
        };
    }
    planned.sort_by(|a, b| a.path.cmp(&b.path));
    // A step is a person's only while no planned file covers its requirement.
    manual.retain(|step| {
        !planned.iter().any(|file| {
            !matches!(file.change, Change::Kept(_)) && file.satisfies.contains(&step.requirement)
        })
    });
    let hash = ownership::hash(
        &planned
            .iter()
            .map(|f| format!("{}\n{}", f.path, f.content))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let skipped = settings
        .config
        .skip
        .iter()
        .filter(|(id, _)| assessment.requirements.iter().any(|r| &r.id == *id))
        .map(|(id, reason)| ManualStep {
            requirement: id.clone(),
            action: format!(
                "skipped by {}: {}",
                crate::config::PATH,
                text::single_line(reason, text::TEXT_LIMIT)
            ),
        })
        .collect();
    Ok(Plan {
        files: planned,
        manual,
        skipped,
        warnings,
        hash,
    })
}

fn workflow_file(
    snapshot: &Snapshot,
    templates: &Templates,
    base: &Value,
    addition: &choose::Addition,
) -> Result<PlannedFile, TemplateError> {
    let context = merged(base, &addition.context);
    let body = templates.render(&addition.template, &context)?;
    let description = if addition.satisfies.is_empty() {
        format!(
            "Added by Fullcover: {}; it closes no requirement by itself (see the pull request).",
            addition.scanner
        )
    } else {
        format!(
            "Added by Fullcover: {} for {}.",
            addition.scanner,
            addition.satisfies.join(", ")
        )
    };
    let content = ownership::with_header(&description, &body);
    let (previous, change) = match existing(snapshot, &addition.path) {
        Existing::Unusable(reason) => (None, Change::Kept(reason)),
        found => {
            let previous = found.text();
            let change = change_for(previous.as_deref(), &content);
            (previous, change)
        }
    };
    Ok(PlannedFile {
        change,
        path: addition.path.clone(),
        scanner: addition.scanner.clone(),
        name: addition.name.clone(),
        satisfies: addition.satisfies.clone(),
        reason: addition.reason.clone(),
        customise: addition.customise.clone(),
        results: addition.results.clone(),
        scope: addition.scope.clone(),
        content,
        previous,
    })
}

fn dependabot_file(
    snapshot: &Snapshot,
    templates: &Templates,
    base: &Value,
    updates: &choose::Updates,
) -> Result<Option<PlannedFile>, TemplateError> {
    if updates.entries.is_empty() {
        return Ok(None);
    }
    // Existence is decided from everything the repository holds: a file that is a link,
    // hidden by `ignore` or not readable whole is someone's configuration all the same.
    let existing_path = [".github/dependabot.yml", ".github/dependabot.yaml"]
        .into_iter()
        .find(|path| snapshot.presence(path) != Presence::Absent);
    let path = existing_path.unwrap_or(".github/dependabot.yml").to_owned();
    let kept = |reason: String, previous: Option<String>| PlannedFile {
        path: path.clone(),
        change: Change::Kept(reason),
        scanner: "dependabot".to_owned(),
        name: "Dependabot version updates".to_owned(),
        satisfies: Vec::new(),
        reason: updates.reason.clone(),
        customise: String::new(),
        results: DEPENDABOT_RESULTS.to_owned(),
        scope: None,
        content: previous.clone().unwrap_or_default(),
        previous,
    };
    let previous = match existing_path.map(|p| existing(snapshot, p)) {
        None | Some(Existing::Absent) => None,
        Some(Existing::Text(text)) => Some(text),
        Some(Existing::Unusable(reason)) => {
            return Ok(Some(kept(
                format!("{reason}; Fullcover adds entries only to a file it can read whole"),
                None,
            )));
        }
    };
    if let Some(existing) = &previous
        && let Err(err) = parse_yaml(existing)
    {
        return Ok(Some(kept(
            format!("it cannot be read ({err}); fix it and Fullcover will add the missing entries"),
            previous.clone(),
        )));
    }
    let missing = dependabot::missing(previous.as_deref(), &updates.entries);
    let description = "Added by Fullcover: Dependabot version updates.\nAdd or remove entries freely; Fullcover only ever adds missing ones.";
    let (content, change) = match &previous {
        _ if missing.is_empty() => return Ok(None),
        None => {
            let body = dependabot::render(templates, base, &missing)?;
            (ownership::with_header(description, &body), Change::Create)
        }
        Some(existing) => {
            let rendered = dependabot::render(templates, base, &missing)?;
            let ours = ownership::owner(existing) == Owner::Fullcover;
            match dependabot::insert(existing, &rendered) {
                // Still Fullcover's file: keep it so, with the hash of the merged body.
                Some(merged) if ours => (
                    ownership::with_header(description, ownership::body(&merged)),
                    Change::Update,
                ),
                Some(merged) => (merged, Change::Update),
                None => (
                    existing.clone(),
                    Change::Kept("it has no top-level `updates:` list to extend".to_owned()),
                ),
            }
        }
    };
    Ok(Some(PlannedFile {
        path,
        change,
        scanner: "dependabot".to_owned(),
        name: "Dependabot version updates".to_owned(),
        satisfies: updates.satisfies.clone(),
        reason: updates.reason.clone(),
        customise: "Each entry names an ecosystem and its directories; change `interval` or add `ignore` rules as you like.".to_owned(),
        results: DEPENDABOT_RESULTS.to_owned(),
        scope: None,
        content,
        previous,
    }))
}

const DEPENDABOT_RESULTS: &str =
    "pull requests from Dependabot, one group of minor and patch updates per ecosystem";

fn change_for(previous: Option<&str>, content: &str) -> Change {
    match previous {
        None => Change::Create,
        Some(existing) if existing == content => Change::Unchanged,
        Some(existing) => match ownership::owner(existing) {
            Owner::Fullcover => Change::Update,
            Owner::Edited => Change::Kept("edited since Fullcover wrote it".to_owned()),
            Owner::User => Change::Kept("written by someone else".to_owned()),
        },
    }
}

/// Existing files are read up to this size; a longer one is never merged into.
const READ_LIMIT: usize = 1024 * 1024;

/// A file already at a planned path, as far as the plan may build on it.
enum Existing {
    Absent,
    Text(String),
    /// There, but not readable whole as text: never written over. Says why.
    Unusable(String),
}

impl Existing {
    fn text(self) -> Option<String> {
        match self {
            Existing::Text(text) => Some(text),
            Existing::Absent | Existing::Unusable(_) => None,
        }
    }
}

fn existing(snapshot: &Snapshot, path: &str) -> Existing {
    match snapshot.presence(path) {
        Presence::Absent => Existing::Absent,
        Presence::Unlisted(why) => Existing::Unusable(format!("it {why}")),
        Presence::Listed => match snapshot.read(&RepoPath::new(path), READ_LIMIT) {
            Err(err) => Existing::Unusable(format!("it cannot be read ({err})")),
            Ok(content) if content.truncated => {
                Existing::Unusable("it is larger than 1 MiB, more than Fullcover reads".to_owned())
            }
            Ok(content) => match content.text() {
                Some(text) => Existing::Text(text.to_owned()),
                None => Existing::Unusable("it is not UTF-8 text".to_owned()),
            },
        },
    }
}

fn merged(base: &Value, extra: &Value) -> Value {
    let mut context = base.clone();
    if let (Some(map), Some(more)) = (context.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    context
}

/// A weekly schedule whose minute, hour and weekday come from a hash of the repository
/// name, so that an organisation's scans spread over the week.
pub fn weekly_cron(repository: &str) -> String {
    let digest = ownership::hash(repository);
    let value = u64::from_str_radix(&digest, 16).unwrap_or(0);
    let minute = value % 60;
    let hour = (value / 60) % 24;
    let weekday = (value / (60 * 24)) % 7;
    format!("{minute} {hour} * * {weekday}")
}

/// The pull request: title and body, the body in its summary layout when the full one
/// would exceed GitHub's limit.
#[derive(Debug, Clone, Serialize)]
pub struct PullRequest {
    pub title: String,
    pub body: String,
}

pub fn pull_request(
    plan: &Plan,
    inventory: &Inventory,
    before: &CoverageSummary,
    after: &CoverageSummary,
    templates: &Templates,
) -> Result<PullRequest, TemplateError> {
    let categories: Vec<Value> = before
        .by_category
        .iter()
        .filter_map(|(name, was)| {
            let now = after.by_category.get(name)?;
            (was.required > 0 || now.required > 0).then(|| {
                json!({
                    "name": name,
                    "before": format!("{}/{}", was.satisfied, was.required),
                    "after": format!("{}/{}", now.satisfied, now.required),
                })
            })
        })
        .collect();
    let files: Vec<Value> = plan
        .changes()
        .map(|f| {
            json!({
                "path": f.path,
                "scanner": f.name,
                "satisfies": if f.satisfies.is_empty() {
                    "no requirement by itself; see what only a person can do".to_owned()
                } else {
                    f.satisfies.join(", ")
                },
                "reason": f.reason,
                "customise": f.customise,
                "results": f.results,
                "scope": f.scope,
                "change": if f.change == Change::Create { "adds" } else { "updates" },
            })
        })
        .collect();
    let kept: Vec<Value> = plan
        .files
        .iter()
        .filter_map(|f| match &f.change {
            Change::Kept(reason) => Some(json!({
                "path": text::code_span(&f.path),
                "reason": text::markdown_inline(reason),
            })),
            _ => None,
        })
        .collect();
    let context = json!({
        "kept": kept,
        "repository": inventory.repository,
        "languages": inventory.languages.iter().take(8).map(|l| format!("{} ({}%)", l.name, l.share)).collect::<Vec<_>>().join(", "),
        "iac": inventory.iac.iter().map(|k| k.name.clone()).collect::<Vec<_>>().join(", "),
        "ecosystems": inventory.ecosystems.iter().map(|e| e.id.clone()).collect::<Vec<_>>().join(", "),
        "scanners": inventory.scanners.iter().filter(|s| s.claim.is_some()).map(|s| s.name.clone()).collect::<Vec<_>>().join(", "),
        "platform": platform_line(&inventory.platform),
        "before": before,
        "after": after,
        "categories": categories,
        "files": files,
        "file_count": files.len(),
        "manual": plan.manual.iter().chain(&plan.skipped).map(|step| json!({
            "requirement": text::code_span(&step.requirement),
            "action": text::markdown_inline(&step.action),
        })).collect::<Vec<_>>(),
        "warnings": plan.warnings.iter().map(|warning| json!({
            "path": warning.path.as_deref().map(text::markdown_inline),
            "message": text::markdown_inline(&warning.message),
        })).collect::<Vec<_>>(),
        "marker": format!("<!-- fullcover:plan={} -->", plan.hash),
    });
    let title = templates.render("pr/title", &context)?.trim().to_owned();
    let mut body = templates.render("pr/body", &context)?;
    if body.len() > BODY_LIMIT {
        body = templates.render("pr/summary", &context)?;
    }
    Ok(PullRequest { title, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_spread_by_repository() {
        let a = weekly_cron("acme/api");
        let b = weekly_cron("acme/web");
        assert_ne!(a, b);
        assert_eq!(a, weekly_cron("acme/api"));
        let fields: Vec<u64> = a
            .split(' ')
            .filter(|f| *f != "*")
            .map(|f| f.parse().unwrap())
            .collect();
        assert!(fields[0] < 60 && fields[1] < 24 && fields[2] < 7, "{a}");
    }

    #[test]
    fn user_files_are_kept() {
        assert_eq!(change_for(None, "x"), Change::Create);
        assert_eq!(change_for(Some("x"), "x"), Change::Unchanged);
        assert!(matches!(
            change_for(Some("name: mine\n"), "x"),
            Change::Kept(_)
        ));
        let ours = ownership::with_header("d", "old: 1\n");
        assert_eq!(change_for(Some(&ours), "new"), Change::Update);
    }
}
