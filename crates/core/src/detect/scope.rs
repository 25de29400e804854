//! How a scanner's own configuration narrows what it covers: CodeQL's languages, Trivy's
//! scan type, Checkov's frameworks, Terrascan's IaC type, Grype's target and KICS's
//! platforms. A scanner whose configuration cannot be read keeps the coverage its rule
//! declares.

use serde_json::Value;

use super::scanners::Claim;
use crate::rules::schema::Scope;

/// What made the scanner run, with the configuration that came with it.
#[derive(Debug, Clone, Copy)]
pub enum Trigger<'a> {
    /// A workflow step, with its `with:` inputs and the CodeQL languages of its job.
    Step {
        with: Option<&'a Value>,
        codeql_languages: Option<&'a [String]>,
    },
    /// One line of a CI script.
    Command(&'a str),
    /// A GitLab CI template or component.
    GitlabInclude,
    /// A pre-commit hook, by id.
    Hook(&'a str),
}

/// Narrows `claim` to what the configuration in `trigger` makes the scanner cover.
pub fn narrow(scope: Scope, claim: &mut Claim, trigger: &Trigger<'_>) {
    match scope {
        Scope::None | Scope::DependabotUpdates => {}
        Scope::CodeqlLanguages => {
            if let Trigger::Step {
                codeql_languages: Some(languages),
                ..
            } = trigger
            {
                narrow_to_codeql(claim, languages);
            }
        }
        Scope::TrivyScanType => narrow_trivy(claim, trigger),
        Scope::CheckovFramework => {
            let frameworks = match trigger {
                Trigger::Step { with, .. } => input(*with, "framework"),
                Trigger::Command(line) => flag_values(line, &["--framework"]),
                _ => None,
            };
            if let Some(frameworks) = frameworks {
                keep_iac(claim, &frameworks, checkov_kind);
            }
        }
        Scope::TerrascanIacType => {
            let types = match trigger {
                Trigger::Step { with, .. } => input(*with, "iac_type"),
                Trigger::Command(line) => flag_values(line, &["-i", "--iac-type"]),
                _ => None,
            };
            if let Some(types) = types {
                keep_iac(claim, &types, terrascan_kind);
            }
        }
        Scope::GrypeTarget => narrow_grype(claim, trigger),
        Scope::KicsPlatform => {
            let platforms = match trigger {
                Trigger::Step { with, .. } => {
                    input(*with, "platform_type").or_else(|| input(*with, "type"))
                }
                Trigger::Command(line) => flag_values(line, &["--type", "-t"]),
                _ => None,
            };
            if let Some(platforms) = platforms {
                keep_iac(claim, &platforms, kics_kind);
            }
        }
    }
}

/// Whether a CI script line runs pre-commit, which makes the repository's hooks enforced.
pub fn runs_pre_commit(line: &str) -> bool {
    line.contains("pre-commit run") || line.contains("prek run")
}

/// A `with:` input as a list (comma, space or newline separated).
fn input(with: Option<&Value>, key: &str) -> Option<Vec<String>> {
    let value = with?.get(key)?;
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        _ => return None,
    };
    let values = split(&text);
    (!values.is_empty() && !text.contains("${{")).then_some(values)
}

/// The values following any of `flags` on a command line: `--framework a b`,
/// `--framework=a,b`, `-i terraform`.
fn flag_values(line: &str, flags: &[&str]) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut values = Vec::new();
    for (index, word) in words.iter().enumerate() {
        if let Some((flag, value)) = word.split_once('=')
            && flags.contains(&flag)
        {
            values.extend(split(value));
        } else if flags.contains(word) {
            values.extend(
                words[index + 1..]
                    .iter()
                    .take_while(|w| !w.starts_with('-'))
                    .flat_map(|w| split(w)),
            );
        }
    }
    (!values.is_empty()).then_some(values)
}

fn split(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n'])
        .map(|v| v.trim().trim_matches(['"', '\'']))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Keeps the IaC kinds that the tool's own names select; `all` keeps everything.
fn keep_iac(claim: &mut Claim, names: &[String], kind_of: fn(&str) -> Option<&'static str>) {
    if names.iter().any(|name| name == "all") {
        return;
    }
    let selected: Vec<&str> = names.iter().filter_map(|name| kind_of(name)).collect();
    claim.iac.retain(|kind| selected.contains(&kind.as_str()));
}

fn checkov_kind(framework: &str) -> Option<&'static str> {
    Some(match framework {
        "terraform" | "terraform_json" | "terraform_plan" => "terraform",
        "cloudformation" => "cloudformation",
        "kubernetes" => "kubernetes",
        "helm" => "helm",
        "kustomize" => "kustomize",
        "arm" => "arm",
        "bicep" => "bicep",
        "serverless" => "serverless",
        "dockerfile" => "dockerfile",
        "ansible" => "ansible",
        "openapi" => "openapi",
        _ => return None,
    })
}

/// KICS platform names (case-insensitive) as IaC kinds.
fn kics_kind(platform: &str) -> Option<&'static str> {
    Some(match platform.to_lowercase().as_str() {
        "ansible" => "ansible",
        "azureresourcemanager" => "arm",
        "cloudformation" => "cloudformation",
        "dockercompose" => "docker-compose",
        "dockerfile" => "dockerfile",
        "kubernetes" => "kubernetes",
        "openapi" => "openapi",
        "serverlessfw" => "serverless",
        "terraform" => "terraform",
        _ => return None,
    })
}

fn terrascan_kind(iac_type: &str) -> Option<&'static str> {
    Some(match iac_type {
        "terraform" | "tfplan" => "terraform",
        "arm" => "arm",
        "cft" => "cloudformation",
        "docker" => "dockerfile",
        "helm" => "helm",
        "k8s" => "kubernetes",
        "kustomize" => "kustomize",
        _ => return None,
    })
}

/// CodeQL language ids (and their aliases) as linguist language names.
fn codeql_to_linguist(id: &str) -> &'static [&'static str] {
    match id.to_lowercase().as_str() {
        "c-cpp" | "c" | "cpp" | "c++" => &["C", "C++"],
        "csharp" | "c#" => &["C#"],
        "go" => &["Go"],
        "java-kotlin" | "java" | "kotlin" => &["Java", "Kotlin"],
        "javascript-typescript" | "javascript" | "typescript" => {
            &["JavaScript", "TypeScript", "TSX"]
        }
        "python" => &["Python"],
        "ruby" => &["Ruby"],
        "swift" => &["Swift"],
        "rust" => &["Rust"],
        _ => &[],
    }
}

fn narrow_to_codeql(claim: &mut Claim, languages: &[String]) {
    let analysed: Vec<&str> = languages
        .iter()
        .flat_map(|id| codeql_to_linguist(id))
        .copied()
        .collect();
    claim
        .sast
        .retain(|language| analysed.contains(&language.as_str()));
    claim.cicd = languages
        .iter()
        .any(|id| id.eq_ignore_ascii_case("actions"));
}

/// Trivy covers what its scan type scans: the file system (dependencies and secrets, plus
/// misconfigurations when asked), configuration (IaC), or a container image. GitLab's
/// container scanning runs Trivy on the built image only.
fn narrow_trivy(claim: &mut Claim, trigger: &Trigger<'_>) {
    let (scan_type, scanners) = match trigger {
        Trigger::Step { with, .. } => {
            let given = with.and_then(|w| w.get("scan-type")).is_some();
            let scan_type = match input(*with, "scan-type") {
                Some(values) => values.into_iter().next().unwrap_or_default(),
                // An expression: what it scans is decided at run time; keep the rule's claim.
                None if given => return,
                None => "image".to_owned(),
            };
            (
                scan_type,
                input(*with, "scanners").unwrap_or_default().join(","),
            )
        }
        Trigger::Command(line) => (
            line.split_whitespace()
                .skip_while(|word| !word.ends_with("trivy"))
                .skip(1)
                .find(|word| !word.starts_with('-'))
                .unwrap_or("")
                .to_owned(),
            flag_values(line, &["--scanners"])
                .unwrap_or_default()
                .join(","),
        ),
        Trigger::GitlabInclude => ("image".to_owned(), String::new()),
        Trigger::Hook(_) => ("config".to_owned(), String::new()),
    };
    let misconfig = scanners.contains("misconfig");
    let (sca_and_secrets, iac, container) = match scan_type.as_str() {
        "fs" | "filesystem" | "repo" | "repository" | "rootfs" => (true, misconfig, false),
        "config" | "k8s" | "kubernetes" => (false, true, false),
        "image" => (false, false, true),
        _ => (false, false, false),
    };
    if !sca_and_secrets {
        claim.sca.clear();
        claim.secrets = false;
    }
    if !iac {
        claim.iac.clear();
    } else if let Trigger::Hook(_) = trigger {
        claim.iac.retain(|kind| kind == "terraform");
    }
    claim.container = container && !scans_base_image(trigger);
    claim.sast.clear();
    claim.cicd = false;
}

/// A scan of the image a Dockerfile is built on (Fullcover's `matrix.base-image`, for
/// images that cannot be built from the repository) is not a scan of the image built.
fn scans_base_image(trigger: &Trigger<'_>) -> bool {
    let Trigger::Step { with, .. } = trigger else {
        return false;
    };
    with.and_then(|w| w.get("image-ref"))
        .and_then(Value::as_str)
        .is_some_and(|reference| {
            reference.contains("${{") && reference.replace(' ', "").contains("matrix.base-image")
        })
}

/// Grype scans either an image (containers) or a directory or SBOM (dependencies).
fn narrow_grype(claim: &mut Claim, trigger: &Trigger<'_>) {
    let image = match trigger {
        Trigger::Step { with, .. } => {
            let has = |key: &str| with.and_then(|w| w.get(key)).is_some();
            if has("image") {
                Some(true)
            } else if has("path") || has("sbom") {
                Some(false)
            } else {
                None
            }
        }
        Trigger::Command(line) => {
            let target = line
                .split_whitespace()
                .skip_while(|word| !word.ends_with("grype"))
                .find(|word| !word.ends_with("grype") && !word.starts_with('-'))
                .unwrap_or("");
            Some(
                !(target.starts_with("dir:")
                    || target.starts_with("sbom:")
                    || target.starts_with('.')
                    || target.starts_with('/')),
            )
        }
        _ => None,
    };
    match image {
        Some(true) => claim.sca.clear(),
        Some(false) => claim.container = false,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn claim(iac: &[&str]) -> Claim {
        Claim {
            iac: iac.iter().map(|k| (*k).to_owned()).collect(),
            container: true,
            ..Claim::default()
        }
    }

    #[test]
    fn flags_are_read_in_every_spelling() {
        assert_eq!(
            flag_values(
                "checkov -d . --framework kubernetes helm --quiet",
                &["--framework"]
            ),
            Some(vec!["kubernetes".to_owned(), "helm".to_owned()])
        );
        assert_eq!(
            flag_values("checkov -d . --framework=terraform,arm", &["--framework"]),
            Some(vec!["terraform".to_owned(), "arm".to_owned()])
        );
        assert_eq!(flag_values("terrascan scan -d infra", &["-i"]), None);
    }

    #[test]
    fn checkov_frameworks_select_kinds() {
        let mut c = claim(&["terraform", "kubernetes", "helm", "kustomize"]);
        let with = serde_json::json!({"framework": "kubernetes"});
        narrow(
            Scope::CheckovFramework,
            &mut c,
            &Trigger::Step {
                with: Some(&with),
                codeql_languages: None,
            },
        );
        assert_eq!(c.iac, BTreeSet::from(["kubernetes".to_owned()]));
    }

    #[test]
    fn a_trivy_scan_of_a_base_image_is_not_image_coverage() {
        let scan = |reference: &str| {
            let mut c = claim(&[]);
            c.container = true;
            let with = serde_json::json!({"scan-type": "image", "image-ref": reference});
            narrow(
                Scope::TrivyScanType,
                &mut c,
                &Trigger::Step {
                    with: Some(&with),
                    codeql_languages: None,
                },
            );
            c.container
        };
        assert!(!scan("${{ matrix.base-image }}"));
        assert!(scan("fullcover-scan/${{ matrix.name }}:ci"));
        assert!(scan("ghcr.io/acme/app:latest"));
    }

    #[test]
    fn trivy_subcommands_after_flags_and_expressions() {
        let mut c = claim(&["terraform"]);
        c.secrets = true;
        narrow(
            Scope::TrivyScanType,
            &mut c,
            &Trigger::Command("trivy --quiet fs ."),
        );
        assert!(c.secrets && !c.container);
        let mut d = claim(&[]);
        d.secrets = true;
        let with = serde_json::json!({"scan-type": "${{ matrix.kind }}"});
        narrow(
            Scope::TrivyScanType,
            &mut d,
            &Trigger::Step {
                with: Some(&with),
                codeql_languages: None,
            },
        );
        assert!(
            d.secrets && d.container,
            "an expression keeps the rule's claim"
        );
    }

    #[test]
    fn terrascan_iac_type_selects_kinds() {
        let mut c = claim(&["terraform", "dockerfile"]);
        narrow(
            Scope::TerrascanIacType,
            &mut c,
            &Trigger::Command("terrascan scan -i terraform -d infra"),
        );
        assert_eq!(c.iac, BTreeSet::from(["terraform".to_owned()]));
    }

    #[test]
    fn gitlab_container_scanning_covers_images_only() {
        let mut c = claim(&["terraform"]);
        c.secrets = true;
        narrow(Scope::TrivyScanType, &mut c, &Trigger::GitlabInclude);
        assert!(c.container && !c.secrets && c.iac.is_empty());
    }

    #[test]
    fn grype_on_an_image_covers_no_dependencies() {
        let mut c = claim(&[]);
        c.sca
            .insert("npm".to_owned(), super::super::scanners::Directories::All);
        let with = serde_json::json!({"image": "app:latest"});
        narrow(
            Scope::GrypeTarget,
            &mut c,
            &Trigger::Step {
                with: Some(&with),
                codeql_languages: None,
            },
        );
        assert!(c.sca.is_empty() && c.container);
        let mut d = claim(&[]);
        narrow(
            Scope::GrypeTarget,
            &mut d,
            &Trigger::Command("grype dir:. --fail-on high"),
        );
        assert!(!d.container);
    }
}
