//! Infrastructure-as-code kinds decided by content, not just by name: the structural
//! checks named in `rules/iac.toml`, and what the repository layout tells about them
//! (Helm chart templates, Kustomize patches).

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::structured::{FileContent, strings};
use super::terraform;
use crate::rules::schema::ContentCheck;

/// Facts about the repository that decide what a single file is.
#[derive(Debug, Default)]
pub struct IacContext {
    /// Directories holding a `Chart.yaml`.
    pub chart_dirs: BTreeSet<String>,
    /// Files that a kustomization applies as patches.
    pub kustomize_patches: HashSet<String>,
}

impl IacContext {
    /// Whether the file is a Helm template (Go templates, not YAML).
    pub fn is_helm_template(&self, path: &str) -> bool {
        if self.chart_dirs.is_empty() {
            return false;
        }
        // Each `templates/` segment of the path could belong to a chart in the directory
        // before it.
        path.match_indices("templates/")
            .filter(|(at, _)| *at == 0 || path.as_bytes()[at - 1] == b'/')
            .any(|(at, _)| {
                let dir = path[..at].trim_end_matches('/');
                self.chart_dirs.contains(dir)
            })
    }

    /// Records the patches a kustomization file names.
    pub fn add_kustomization(&mut self, path: &str, file: &FileContent<'_>) {
        let Some(map) = file.mapping() else { return };
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let mut patches: Vec<&str> = strings(map.get("patchesStrategicMerge"));
        for key in ["patches", "patchesJson6902"] {
            if let Some(Value::Array(items)) = map.get(key) {
                patches.extend(items.iter().filter_map(|item| match item {
                    Value::String(path) => Some(path.as_str()),
                    Value::Object(entry) => entry.get("path").and_then(Value::as_str),
                    _ => None,
                }));
            }
        }
        for patch in patches {
            if let Some(resolved) = resolve(dir, patch) {
                self.kustomize_patches.insert(resolved);
            }
        }
    }
}

/// Joins a relative path onto a directory, resolving `.` and `..`.
fn resolve(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// What a detected IaC file declares beyond its kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IacDetails {
    pub providers: terraform::Providers,
    pub modules: BTreeSet<String>,
}

/// The verdict of a structural check.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Is(IacDetails),
    IsNot,
    /// The content could not be read as the check needs; the message says why.
    Unreadable(String),
}

/// Whether every marker occurs, and at least one of `any` when given.
pub fn markers_present(text: &str, all: &[String], any: &[String]) -> bool {
    all.iter().all(|marker| text.contains(marker.as_str()))
        && (any.is_empty() || any.iter().any(|marker| text.contains(marker.as_str())))
}

/// Runs one structural check on a file.
pub fn check(check: ContentCheck, file: &FileContent<'_>, context: &IacContext) -> Verdict {
    let yes = || Verdict::Is(IacDetails::default());
    match check {
        ContentCheck::None | ContentCheck::Kustomization | ContentCheck::Workflow => yes(),
        ContentCheck::Terraform => terraform_check(file),
        ContentCheck::Dockerfile => bool_verdict(file.text().is_some_and(is_dockerfile)),
        ContentCheck::CloudformationTemplate => cloudformation(file),
        ContentCheck::KubernetesManifest => kubernetes(file, context),
        ContentCheck::HelmChart => with_mapping(file, |map| map.contains_key("name")),
        ContentCheck::ArmTemplate => with_mapping(file, |map| {
            map.get("$schema")
                .and_then(Value::as_str)
                .is_some_and(|schema| schema.contains("eploymentTemplate.json"))
                && map.contains_key("contentVersion")
                && map.contains_key("resources")
        }),
        ContentCheck::ServerlessConfig => with_mapping(file, |map| {
            map.contains_key("service") && map.contains_key("provider")
        }),
        ContentCheck::PulumiProject => with_mapping(file, |map| {
            map.contains_key("name") && map.contains_key("runtime")
        }),
        ContentCheck::CdkApp => {
            with_mapping(file, |map| map.get("app").is_some_and(Value::is_string))
        }
        ContentCheck::ComposeFile => with_mapping(file, |map| {
            map.get("services")
                .and_then(Value::as_object)
                .is_some_and(|services| {
                    services.values().any(|service| {
                        service
                            .as_object()
                            .is_some_and(|s| s.contains_key("image") || s.contains_key("build"))
                    })
                })
        }),
        ContentCheck::CompositeAction => with_mapping(file, |map| {
            map.get("runs")
                .and_then(Value::as_object)
                .is_some_and(|runs| runs.contains_key("using"))
        }),
        ContentCheck::OpenapiDocument => with_mapping(file, is_openapi),
        ContentCheck::AnsiblePlaybook => with_documents(file, is_playbook),
        ContentCheck::AnsibleTasks => with_documents(file, |docs| {
            docs.iter().all(|doc| match doc {
                Value::Array(tasks) => tasks.iter().all(Value::is_object),
                Value::Null => true,
                _ => false,
            })
        }),
    }
}

fn bool_verdict(is: bool) -> Verdict {
    if is {
        Verdict::Is(IacDetails::default())
    } else {
        Verdict::IsNot
    }
}

fn with_documents(file: &FileContent<'_>, test: impl FnOnce(&[Value]) -> bool) -> Verdict {
    match file.documents() {
        Ok(docs) => bool_verdict(test(docs)),
        Err(err) => Verdict::Unreadable(err.to_owned()),
    }
}

fn with_mapping(file: &FileContent<'_>, test: impl FnOnce(&Map<String, Value>) -> bool) -> Verdict {
    with_documents(file, |docs| {
        docs.first().and_then(Value::as_object).is_some_and(test)
    })
}

fn terraform_check(file: &FileContent<'_>) -> Verdict {
    let Some(text) = file.text() else {
        return Verdict::Unreadable("not UTF-8 text".to_owned());
    };
    match terraform::parse(text) {
        Some(facts) if facts.has_errors => Verdict::Unreadable(
            "Terraform syntax errors; providers and modules may be incomplete".to_owned(),
        ),
        Some(facts) => Verdict::Is(IacDetails {
            providers: facts.providers,
            modules: facts.modules,
        }),
        None => Verdict::Unreadable("the HCL grammar could not be loaded".to_owned()),
    }
}

/// The first instruction (after comments and parser directives) is `FROM` or `ARG`.
fn is_dockerfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .and_then(|line| line.split_whitespace().next())
        .is_some_and(|word| word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("ARG"))
}

fn is_openapi(map: &Map<String, Value>) -> bool {
    let version = |key: &str, major: &str| match map.get(key) {
        Some(Value::String(v)) => v.starts_with(major),
        Some(Value::Number(n)) => n.to_string().starts_with(major),
        _ => false,
    };
    (version("openapi", "3") || version("swagger", "2"))
        && map.get("info").is_some_and(Value::is_object)
}

/// CloudFormation YAML uses tags (`!Ref`, `!Sub`) that generic YAML readers reject, so
/// YAML templates are recognised by their top-level keys and resource types.
fn cloudformation(file: &FileContent<'_>) -> Verdict {
    if file.path.ends_with(".json") {
        return with_mapping(file, |map| {
            map.contains_key("AWSTemplateFormatVersion")
                || map
                    .get("Resources")
                    .and_then(Value::as_object)
                    .is_some_and(|resources| resources.values().any(has_aws_type))
        });
    }
    let Some(text) = file.text() else {
        return Verdict::Unreadable("not UTF-8 text".to_owned());
    };
    let top_level = |key: &str| text.lines().any(|line| line.starts_with(key));
    let typed_resource = text.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("Type:")
            .map(|value| value.trim().trim_matches(['"', '\'']))
            .is_some_and(is_aws_type)
    });
    bool_verdict(
        top_level("AWSTemplateFormatVersion:") || (top_level("Resources:") && typed_resource),
    )
}

fn has_aws_type(resource: &Value) -> bool {
    resource
        .get("Type")
        .and_then(Value::as_str)
        .is_some_and(is_aws_type)
}

fn is_aws_type(value: &str) -> bool {
    ["AWS::", "Custom::", "Alexa::"]
        .iter()
        .any(|prefix| value.starts_with(prefix))
}

/// API groups whose `apiVersion`/`kind` documents are tool configuration, not manifests.
const NOT_MANIFESTS: [&str; 4] = [
    "skaffold/",
    "kustomize.config.k8s.io/",
    "kind.x-k8s.io/",
    "k3d.io/",
];

fn kubernetes(file: &FileContent<'_>, context: &IacContext) -> Verdict {
    if context.is_helm_template(file.path) || context.kustomize_patches.contains(file.path) {
        return Verdict::IsNot;
    }
    with_documents(file, |docs| {
        let docs: Vec<&Value> = docs.iter().filter(|doc| !doc.is_null()).collect();
        !docs.is_empty() && docs.iter().all(|doc| is_manifest(doc))
    })
}

fn is_manifest(doc: &Value) -> bool {
    let Some(map) = doc.as_object() else {
        return false;
    };
    let (Some(api_version), Some(kind)) = (
        map.get("apiVersion").and_then(Value::as_str),
        map.get("kind").and_then(Value::as_str),
    ) else {
        return false;
    };
    if NOT_MANIFESTS
        .iter()
        .any(|group| api_version.starts_with(group))
    {
        return false;
    }
    kind.ends_with("List") || map.get("metadata").is_some_and(Value::is_object)
}

const PLAY_KEYS: [&str; 6] = [
    "tasks",
    "roles",
    "pre_tasks",
    "post_tasks",
    "handlers",
    "gather_facts",
];

fn is_playbook(docs: &[Value]) -> bool {
    let Some(Value::Array(plays)) = docs.first() else {
        return false;
    };
    !plays.is_empty()
        && plays.iter().all(Value::is_object)
        && plays.iter().any(|play| {
            play.as_object().is_some_and(|play| {
                play.contains_key("import_playbook")
                    || play.contains_key("ansible.builtin.import_playbook")
                    || (play.contains_key("hosts")
                        && PLAY_KEYS.iter().any(|key| play.contains_key(*key)))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Content;

    fn verdict(kind: ContentCheck, path: &str, text: &str) -> Verdict {
        let content = Content {
            bytes: text.as_bytes().to_vec(),
            truncated: false,
        };
        check(
            kind,
            &FileContent::new(path, &content),
            &IacContext::default(),
        )
    }

    fn is(kind: ContentCheck, path: &str, text: &str) -> bool {
        matches!(verdict(kind, path, text), Verdict::Is(_))
    }

    #[test]
    fn kubernetes_needs_api_version_kind_and_metadata() {
        let k8s = ContentCheck::KubernetesManifest;
        assert!(is(
            k8s,
            "d.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Service\nmetadata: {name: y}\n"
        ));
        assert!(!is(
            k8s,
            "s.yaml",
            "apiVersion: skaffold/v4beta6\nkind: Config\nmetadata: {name: x}\n"
        ));
        assert!(!is(k8s, "k.yaml", "apiVersion: v1\nkind: Config\n"));
        assert!(!is(k8s, "x.yaml", "kind: a\n"));
    }

    #[test]
    fn cloudformation_by_version_or_typed_resources() {
        let cfn = ContentCheck::CloudformationTemplate;
        assert!(is(
            cfn,
            "t.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"
        ));
        assert!(is(
            cfn,
            "t.yaml",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n"
        ));
        assert!(!is(cfn, "c.yaml", "Resources:\n  cpu: 2\n  Type: small\n"));
        assert!(is(
            cfn,
            "n.json",
            r#"{"Resources": {"V": {"Type": "AWS::EC2::VPC"}}}"#
        ));
    }

    #[test]
    fn ansible_playbooks_are_lists_of_plays() {
        let play = ContentCheck::AnsiblePlaybook;
        assert!(is(play, "site.yml", "- hosts: web\n  roles: [web]\n"));
        assert!(!is(play, "todo.yml", "- name: buy milk\n- name: walk\n"));
    }

    #[test]
    fn openapi_and_dockerfile() {
        assert!(is(
            ContentCheck::OpenapiDocument,
            "a.yaml",
            "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n"
        ));
        assert!(is(
            ContentCheck::OpenapiDocument,
            "a.json",
            r#"{"swagger": "2.0", "info": {}}"#
        ));
        assert!(!is(ContentCheck::OpenapiDocument, "a.yaml", "openapi: 3\n"));
        assert!(is(
            ContentCheck::Dockerfile,
            "Dockerfile",
            "# syntax=docker/dockerfile:1\n\nARG V=1\nFROM x:$V\n"
        ));
        assert!(!is(
            ContentCheck::Dockerfile,
            "Dockerfile.md",
            "Some notes\n"
        ));
    }

    #[test]
    fn paths_resolve_relative_to_the_kustomization() {
        assert_eq!(
            resolve("k/overlays/prod", "../../base/p.yaml").as_deref(),
            Some("k/base/p.yaml")
        );
        assert_eq!(resolve("", "../x"), None);
    }
}
