//! Detection: what a repository is made of. [`detect`] is a pure function of a
//! [`Snapshot`] and the [`RuleSet`]: it reads content only through the snapshot, and only
//! for the files a rule needs, with capped reads.

pub mod dependabot;
pub mod ecosystems;
pub mod gitattributes;
pub mod iac;
pub mod images;
pub mod languages;
pub mod manifests;
pub mod scanners;
pub mod scope;
mod structured;
pub mod terraform;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use self::ecosystems::DependencyFile;
use self::gitattributes::{Attributes, LinguistAttributes};
use self::iac::{IacContext, IacDetails, Verdict};
use self::images::ImageFound;
use self::languages::Exclusion;
use self::scanners::{Claim, Evidence, ScannerHit};
use self::structured::FileContent;
use crate::rules::compiled::ecosystems::DependencyFileRole;
use crate::rules::compiled::globs::Candidate;
use crate::rules::schema::{Category, ContentCheck, LanguageType};
use crate::rules::{LanguageId, RuleSet};
use crate::snapshot::{Content, FileEntry, ReadError, RepoPath, Snapshot, Warning};
use crate::units::percent;

/// Structured files (manifests, workflows, IaC) are read up to this size.
pub const STRUCTURED_BYTES: usize = 1024 * 1024;

/// What a repository is made of.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub repository: String,
    pub files: Vec<FileFacts>,
    pub languages: Vec<LanguageStat>,
    pub iac: Vec<IacKindFound>,
    pub ecosystems: Vec<EcosystemFound>,
    pub scanners: Vec<ScannerFound>,
    /// One per Dockerfile: how its image is built, or why it cannot be from the repository.
    pub images: Vec<ImageFound>,
    pub warnings: Vec<Warning>,
    /// GitHub's own controls as far as they are known (`crate::platform::apply`).
    pub platform: crate::platform::PlatformControls,
}

/// One file as detection saw it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    pub path: RepoPath,
    pub size: u64,
    pub language: Option<LanguageId>,
    pub excluded: Option<Exclusion>,
    /// Counted in the language statistics.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LanguageStat {
    pub language: LanguageId,
    pub name: String,
    pub kind: LanguageType,
    pub bytes: u64,
    pub files: usize,
    /// Percentage of all counted bytes.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IacKindFound {
    pub id: String,
    pub name: String,
    pub files: Vec<String>,
    pub details: IacDetails,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemFound {
    pub id: String,
    pub name: String,
    pub dependabot: bool,
    pub manifests: Vec<String>,
    pub lockfiles: Vec<String>,
    pub directories: Vec<String>,
    /// Direct dependencies summed over the manifests that were parsed; `None` when none
    /// could be (no parser for the format, or every manifest malformed).
    pub dependencies: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerFound {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub evidence: Vec<Evidence>,
    /// What it covers where it runs; `None` when it is only configured, never run.
    pub claim: Option<Claim>,
}

/// Everything learnt from one file.
struct Examined {
    facts: FileFacts,
    iac: Vec<(usize, IacDetails)>,
    dependencies: Vec<DependencyFile>,
    scanners: Vec<ScannerHit>,
    runs_pre_commit: bool,
    image: Option<ImageFacts>,
    warnings: Vec<Warning>,
}

/// What one file tells about container images.
enum ImageFacts {
    Dockerfile(images::DockerfileFacts),
    Definitions(Vec<images::BuildDefinition>),
}

/// Detects the languages, IaC, ecosystems and scanners of a snapshot.
pub fn detect(snapshot: &Snapshot, rules: &RuleSet) -> Inventory {
    let mut warnings = snapshot.warnings().to_vec();
    let attributes = read_attributes(snapshot, &mut warnings);
    let context = read_iac_context(snapshot, rules, &mut warnings);
    let examined: Vec<Examined> = snapshot
        .files()
        .par_iter()
        .map(|file| examine(file, snapshot, rules, &attributes, &context))
        .collect();
    let inventory = aggregate(snapshot, rules, examined, warnings);
    tracing::debug!(
        files = inventory.files.len(),
        warnings = inventory.warnings.len(),
        "detected"
    );
    inventory
}

fn read_attributes(snapshot: &Snapshot, warnings: &mut Vec<Warning>) -> Attributes {
    let files = snapshot
        .files()
        .iter()
        .filter(|file| file.path.file_name() == ".gitattributes")
        .filter_map(|file| {
            let text = read_text(snapshot, &file.path, STRUCTURED_BYTES, warnings)?;
            Some((file.path.parent().to_owned(), text))
        })
        .collect();
    let (attributes, problems) = Attributes::parse(files);
    warnings.extend(problems);
    attributes
}

fn read_iac_context(
    snapshot: &Snapshot,
    rules: &RuleSet,
    warnings: &mut Vec<Warning>,
) -> IacContext {
    let mut context = IacContext::default();
    let kustomize = rules.iac.index_of("kustomize");
    let helm = rules.iac.index_of("helm");
    for file in snapshot.files() {
        let kinds = rules
            .iac
            .context
            .matches(&Candidate::new(file.path.as_str()));
        if kinds.iter().any(|kind| Some(*kind) == helm) {
            context.chart_dirs.insert(file.path.parent().to_owned());
        }
        if kinds.iter().any(|kind| Some(*kind) == kustomize) {
            match snapshot.read(&file.path, STRUCTURED_BYTES) {
                Ok(content) => {
                    context.add_kustomization(
                        file.path.as_str(),
                        &FileContent::new(file.path.as_str(), &content),
                    );
                }
                Err(err) => warnings.push(Warning::at(file.path.as_str(), err.to_string())),
            }
        }
    }
    context
}

fn read_text(
    snapshot: &Snapshot,
    path: &RepoPath,
    limit: usize,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    match snapshot.read(path, limit) {
        Ok(content) => match content.text() {
            Some(text) => Some(text.to_owned()),
            None => {
                warnings.push(Warning::at(path.as_str(), "not valid UTF-8; ignored"));
                None
            }
        },
        Err(err) => {
            warnings.push(Warning::at(path.as_str(), err.to_string()));
            None
        }
    }
}

/// What detection will look for in one file, decided from the path and the repository's
/// layout, and so how much of the file it must read.
struct FilePlan<'p> {
    linguist: LinguistAttributes,
    candidate: Candidate<'p>,
    iac_candidates: Vec<(usize, usize)>,
    dependency_roles: Vec<(usize, DependencyFileRole)>,
    scanner_source: Option<scanners::ScannerSource>,
    language_plan: languages::Plan,
    /// A rule parses the file (manifest, workflow, IaC), so it is read up to the cap.
    structured: bool,
    /// Leading bytes to read; 0 for none.
    limit: usize,
}

fn plan_file<'p>(
    path: &'p str,
    snapshot: &Snapshot,
    rules: &RuleSet,
    attributes: &Attributes,
    context: &IacContext,
) -> FilePlan<'p> {
    let linguist = attributes.for_path(path);
    let candidate = Candidate::new(path);
    let iac_candidates: Vec<(usize, usize)> = if context.is_helm_template(path) {
        Vec::new()
    } else {
        rules.iac.globs.matches(&candidate)
    };
    let dependency_roles = ecosystems::roles(path, &candidate, snapshot, rules);
    let scanner_source = scanners::source_of(path);
    let structured = iac_candidates
        .iter()
        .any(|&(kind, rule)| rules.iac.kinds[kind].matches[rule].needs_content())
        || !ecosystems::formats(&dependency_roles, rules).is_empty()
        || scanner_source.is_some()
        || rules.scanners.content.is_match(&candidate)
        || images::definitions::needs_content(path);
    let language_plan = languages::plan(path, &linguist, rules);
    let limit = if structured {
        STRUCTURED_BYTES
    } else {
        language_plan.bytes
    };
    FilePlan {
        linguist,
        candidate,
        iac_candidates,
        dependency_roles,
        scanner_source,
        language_plan,
        structured,
        limit,
    }
}

/// How much of a repository's content detection reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Everything a checkout's scan reads: the report is exactly the checkout's.
    Full,
    /// Only what decides requirements and scanners: manifests, workflows, IaC, scanner
    /// configuration, and the files whose language their name cannot tell. Other files
    /// count by name and size, assumed text and hand-written (no binary or generated
    /// check): one blob request for each of them would cost more than it changes.
    Deciding,
}

/// The files detection reads and how many leading bytes of each: what a snapshot backed
/// by a remote tree must fetch (after `.gitattributes` files and kustomizations, which
/// this reads through `snapshot` and which decide the rest). Every other file is known
/// by its path and size alone.
pub fn content_needs(snapshot: &Snapshot, rules: &RuleSet, depth: Depth) -> Vec<(RepoPath, usize)> {
    let mut ignored = Vec::new();
    let attributes = read_attributes(snapshot, &mut ignored);
    let context = read_iac_context(snapshot, rules, &mut ignored);
    let is_context = |file: &FileEntry| {
        file.path.file_name() == ".gitattributes"
            || rules
                .iac
                .context
                .is_match(&Candidate::new(file.path.as_str()))
    };
    let mut needs: Vec<(RepoPath, usize)> = snapshot
        .files()
        .iter()
        // Context files are read even when empty; other empty files need no read.
        .filter(|file| file.size > 0 || is_context(file))
        .filter_map(|file| {
            let plan = plan_file(file.path.as_str(), snapshot, rules, &attributes, &context);
            let limit = if is_context(file) || plan.structured {
                STRUCTURED_BYTES
            } else if depth == Depth::Full {
                plan.limit
            } else {
                plan.language_plan.deciding_bytes
            };
            (limit > 0).then(|| (file.path.clone(), limit))
        })
        .collect();
    needs.sort();
    needs
}

fn examine(
    file: &FileEntry,
    snapshot: &Snapshot,
    rules: &RuleSet,
    attributes: &Attributes,
    context: &IacContext,
) -> Examined {
    let path = file.path.as_str();
    let FilePlan {
        linguist,
        candidate,
        iac_candidates,
        dependency_roles,
        scanner_source,
        language_plan,
        structured,
        limit,
    } = plan_file(path, snapshot, rules, attributes, context);

    let mut warnings = Vec::new();
    // An empty file needs no read: a remote snapshot fetches nothing for it.
    let content = if file.size == 0 && limit > 0 {
        Some(Content {
            bytes: Vec::new(),
            truncated: false,
        })
    } else {
        read(snapshot, &file.path, limit, &mut warnings)
    };
    let file_content = content
        .as_ref()
        .map(|content| FileContent::new(path, content));
    if content.as_ref().is_some_and(Content::looks_binary) && structured {
        warnings.push(Warning::at(
            path,
            "binary content where text was expected; skipped",
        ));
    }

    let facts = language_facts(
        file,
        content.as_ref(),
        &linguist,
        &language_plan,
        rules,
        &mut warnings,
    );
    let iac = match &file_content {
        _ if iac_candidates.is_empty() => Vec::new(),
        Some(fc) => iac_kinds(fc, &iac_candidates, rules, context, &mut warnings),
        None => path_only_kinds(&iac_candidates, rules),
    };
    let dependencies = ecosystems::examine(
        path,
        &dependency_roles,
        file_content.as_ref(),
        rules,
        &mut warnings,
    );
    let found = scanners::examine(
        path,
        &candidate,
        scanner_source,
        file_content.as_ref(),
        rules,
        &mut warnings,
    );
    let image = file_content
        .as_ref()
        .and_then(|content| image_facts(content, &iac, rules));
    Examined {
        facts,
        iac,
        dependencies,
        scanners: found.hits,
        runs_pre_commit: found.runs_pre_commit,
        image,
        warnings,
    }
}

/// A Dockerfile's sources, or the builds a compose, Bake or skaffold file defines.
fn image_facts(
    file: &FileContent<'_>,
    iac: &[(usize, IacDetails)],
    rules: &RuleSet,
) -> Option<ImageFacts> {
    let text = file.text()?;
    if iac
        .iter()
        .any(|(kind, _)| rules.iac.kinds[*kind].id == "dockerfile")
    {
        return Some(ImageFacts::Dockerfile(images::dockerfile::parse(text)));
    }
    let format = images::definitions::format_of(file.path)?;
    let documents = match format {
        images::definitions::Format::BakeHcl => &[],
        _ => file.documents().ok()?,
    };
    let found = images::definitions::parse(file.path, format, documents, text);
    (!found.is_empty()).then_some(ImageFacts::Definitions(found))
}

fn read(
    snapshot: &Snapshot,
    path: &RepoPath,
    limit: usize,
    warnings: &mut Vec<Warning>,
) -> Option<Content> {
    if limit == 0 {
        return None;
    }
    match snapshot.read(path, limit) {
        Ok(content) => Some(content),
        Err(ReadError::NotFetched) => None,
        Err(err) => {
            warnings.push(Warning::at(path.as_str(), err.to_string()));
            None
        }
    }
}

fn language_facts(
    file: &FileEntry,
    content: Option<&Content>,
    linguist: &LinguistAttributes,
    plan: &languages::Plan,
    rules: &RuleSet,
    warnings: &mut Vec<Warning>,
) -> FileFacts {
    let path = file.path.as_str();
    let binary = content.is_some_and(Content::looks_binary);
    let text = if binary {
        None
    } else {
        content.and_then(Content::text)
    };
    // Linguist gives empty files no language.
    let mut language = if file.size == 0 {
        None
    } else {
        languages::detect(path, text, linguist, rules)
    };
    if binary && language.is_some() && linguist.language.is_none() {
        warnings.push(Warning::at(
            path,
            "binary content; not counted as source code",
        ));
        language = None;
    } else if content.is_some() && !binary && text.is_none() {
        warnings.push(Warning::at(
            path,
            "not valid UTF-8; language decided by the file name alone",
        ));
    }
    let excluded = languages::exclusion(path, text, linguist, plan, rules);
    FileFacts {
        path: file.path.clone(),
        size: file.size,
        language,
        excluded,
        counted: languages::counts_in_statistics(language, excluded, linguist, rules),
    }
}

/// IaC kinds whose matching rule needs no content (a `*.bicep` file is Bicep).
fn path_only_kinds(candidates: &[(usize, usize)], rules: &RuleSet) -> Vec<(usize, IacDetails)> {
    let mut kinds: Vec<(usize, IacDetails)> = candidates
        .iter()
        .filter(|&&(kind, rule)| !rules.iac.kinds[kind].matches[rule].needs_content())
        .map(|&(kind, _)| (kind, IacDetails::default()))
        .collect();
    kinds.dedup_by_key(|(kind, _)| *kind);
    kinds
}

fn iac_kinds(
    file: &FileContent<'_>,
    candidates: &[(usize, usize)],
    rules: &RuleSet,
    context: &IacContext,
    warnings: &mut Vec<Warning>,
) -> Vec<(usize, IacDetails)> {
    let text = file.text();
    let mut found: Vec<(usize, IacDetails)> = Vec::new();
    let mut unreadable = None;
    for &(kind, rule) in candidates {
        if found.iter().any(|(k, _)| *k == kind) {
            continue;
        }
        let rule = &rules.iac.kinds[kind].matches[rule];
        if rule.needs_content() {
            let Some(text) = text else { continue };
            if !iac::markers_present(text, &rule.markers, &rule.markers_any) {
                continue;
            }
        }
        match iac::check(rule.check, file, context) {
            Verdict::Is(details) => found.push((kind, details)),
            Verdict::IsNot => {}
            Verdict::Unreadable(reason) if rule.check == ContentCheck::Terraform => {
                warnings.push(Warning::at(file.path, reason));
                found.push((kind, IacDetails::default()));
            }
            Verdict::Unreadable(reason) => unreadable = Some(reason),
        }
    }
    if let Some(reason) = unreadable
        && found.is_empty()
    {
        warnings.push(Warning::at(
            file.path,
            format!("cannot check for infrastructure as code: {reason}"),
        ));
    }
    found
}

fn aggregate(
    snapshot: &Snapshot,
    rules: &RuleSet,
    examined: Vec<Examined>,
    mut warnings: Vec<Warning>,
) -> Inventory {
    let mut files = Vec::with_capacity(examined.len());
    let mut iac: BTreeMap<usize, (BTreeSet<String>, IacDetails)> = BTreeMap::new();
    let mut dependency_files: Vec<DependencyFile> = Vec::new();
    let mut hits: Vec<ScannerHit> = Vec::new();
    let runs_pre_commit = examined.iter().any(|item| item.runs_pre_commit);
    let mut dockerfiles = BTreeMap::new();
    let mut definitions = Vec::new();
    for item in examined {
        match item.image {
            Some(ImageFacts::Dockerfile(facts)) => {
                dockerfiles.insert(item.facts.path.as_str().to_owned(), facts);
            }
            Some(ImageFacts::Definitions(found)) => definitions.extend(found),
            None => {}
        }
        for (kind, details) in item.iac {
            let entry = iac.entry(kind).or_default();
            entry.0.insert(item.facts.path.as_str().to_owned());
            for (local, source) in details.providers {
                terraform::add_provider(&mut entry.1.providers, local, source);
            }
            entry.1.modules.extend(details.modules);
        }
        dependency_files.extend(item.dependencies);
        hits.extend(item.scanners);
        warnings.extend(item.warnings);
        files.push(item.facts);
    }
    if !runs_pre_commit {
        // Hooks run only on machines where someone installed pre-commit; nothing enforces them.
        for hit in hits.iter_mut().filter(|hit| hit.pre_commit_hook) {
            hit.claim = None;
            hit.evidence.signal.push_str(" (not run in CI)");
        }
    }
    warnings.sort();
    warnings.dedup();
    let images = images::resolve(
        dockerfiles,
        &definitions,
        files.iter().map(|f| f.path.as_str()),
    );
    Inventory {
        repository: snapshot.repository.clone(),
        languages: language_stats(&files, rules),
        iac: iac
            .into_iter()
            .map(|(kind, (paths, details))| IacKindFound {
                id: rules.iac.kinds[kind].id.clone(),
                name: rules.iac.kinds[kind].name.clone(),
                files: paths.into_iter().collect(),
                details,
            })
            .collect(),
        ecosystems: ecosystems_found(dependency_files, rules),
        scanners: scanners_found(hits, rules),
        images,
        files,
        warnings,
        platform: crate::platform::PlatformControls::default(),
    }
}

fn language_stats(files: &[FileFacts], rules: &RuleSet) -> Vec<LanguageStat> {
    let mut totals: BTreeMap<LanguageId, (u64, usize)> = BTreeMap::new();
    for file in files.iter().filter(|f| f.counted) {
        if let Some(language) = file.language {
            let entry = totals.entry(language).or_default();
            entry.0 += file.size;
            entry.1 += 1;
        }
    }
    let all: u64 = totals.values().map(|(bytes, _)| bytes).sum();
    let mut stats: Vec<LanguageStat> = totals
        .into_iter()
        .map(|(language, (bytes, count))| {
            let info = rules.languages.get(language);
            LanguageStat {
                language,
                name: info.name.clone(),
                kind: info.kind,
                bytes,
                files: count,
                share: percent(bytes, all),
            }
        })
        .collect();
    stats.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    stats
}

fn ecosystems_found(files: Vec<DependencyFile>, rules: &RuleSet) -> Vec<EcosystemFound> {
    let mut by_ecosystem: BTreeMap<usize, Vec<DependencyFile>> = BTreeMap::new();
    for file in files {
        by_ecosystem.entry(file.ecosystem).or_default().push(file);
    }
    by_ecosystem
        .into_iter()
        .map(|(index, files)| {
            let rule = &rules.ecosystems.ecosystems[index];
            let pick = |lock: bool| -> Vec<String> {
                let set: BTreeSet<&str> = files
                    .iter()
                    .filter(|f| f.is_lockfile == lock)
                    .map(|f| f.path.as_str())
                    .collect();
                set.into_iter().map(str::to_owned).collect()
            };
            let directories: BTreeSet<&str> = files.iter().map(|f| f.directory.as_str()).collect();
            EcosystemFound {
                id: rule.id.clone(),
                name: rule.name.clone(),
                dependabot: rule.dependabot,
                manifests: pick(false),
                lockfiles: pick(true),
                directories: directories.into_iter().map(str::to_owned).collect(),
                dependencies: files
                    .iter()
                    .filter_map(|f| f.dependencies)
                    .reduce(|a, b| a + b),
            }
        })
        .collect()
}

fn scanners_found(hits: Vec<ScannerHit>, rules: &RuleSet) -> Vec<ScannerFound> {
    let mut by_scanner: BTreeMap<usize, Vec<ScannerHit>> = BTreeMap::new();
    for hit in hits {
        by_scanner.entry(hit.scanner).or_default().push(hit);
    }
    by_scanner
        .into_iter()
        .map(|(index, hits)| {
            let rule = &rules.scanners.scanners[index];
            let mut claim: Option<Claim> = None;
            for hit_claim in hits.iter().filter_map(|hit| hit.claim.as_ref()) {
                claim.get_or_insert_with(Claim::default).merge(hit_claim);
            }
            let mut evidence: Vec<Evidence> = hits.into_iter().map(|hit| hit.evidence).collect();
            evidence.sort();
            evidence.dedup();
            ScannerFound {
                id: rule.id.clone(),
                name: rule.name.clone(),
                category: rule.category,
                evidence,
                claim,
            }
        })
        .collect()
}
