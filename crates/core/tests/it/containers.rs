//! Container images in the plan: each is built from the context the repository builds it
//! from, a build failure fails its job, and an image made of build outputs is left to a
//! person with only its base image scanned, never counted as image coverage.

use std::collections::BTreeMap;
use std::path::Path;

use std::sync::Arc;

use fullcover_core::detect;
use fullcover_core::formats::parse_yaml;
use fullcover_core::plan::{Plan, Visibility};
use fullcover_core::snapshot::{self, MemorySource, Snapshot};
use serde_json::Value;

use crate::plan::{copy_dir, missing_after, plan_and_write, settings};
use crate::support::{RULES, fixture_names, fixtures_dir};

fn planned(name: &str, root: &Path) -> Plan {
    copy_dir(&fixtures_dir().join(name), root);
    plan_and_write(root, &settings(name, Visibility::Public))
}

fn trivy_workflow(plan: &Plan) -> (Value, &str) {
    let file = plan
        .files
        .iter()
        .find(|f| f.scanner == "trivy")
        .expect("a Trivy workflow is planned");
    (parse_yaml(&file.content).unwrap(), &file.content)
}

/// `key` of each matrix entry of `job`, by Dockerfile.
fn matrix(workflow: &Value, job: &str, key: &str) -> BTreeMap<String, String> {
    workflow
        .pointer(&format!("/jobs/{job}/strategy/matrix/include"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| {
            (
                entry["dockerfile"].as_str().unwrap().to_owned(),
                entry[key].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn images_build_from_the_context_the_repository_declares_or_implies() {
    let root = tempfile::tempdir().unwrap();
    let plan = planned("compose-root-context", root.path());
    let (workflow, text) = trivy_workflow(&plan);
    let contexts = matrix(&workflow, "image", "context");
    let expected: BTreeMap<String, String> = [
        // compose.yaml: `context: .`, `dockerfile: src/api/Dockerfile`.
        ("src/api/Dockerfile", "."),
        // Nothing declares it; it copies go.mod and pkg/ from the root.
        ("src/worker/Dockerfile", "."),
        // compose.yaml: `build: ./src/web`.
        ("src/web/Dockerfile", "src/web"),
        // docker-bake.hcl: `context = "."`; its `COPY . .` alone would say `docker`.
        ("docker/debug.Dockerfile", "."),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(contexts, expected);
    assert!(workflow.pointer("/jobs/base-image").is_none(), "{text}");
    // A build that fails fails the job: it is never a green check over nothing scanned.
    assert!(!text.contains("continue-on-error"), "{text}");
    assert!(!text.contains("steps.build.outcome"), "{text}");
    let file = plan.files.iter().find(|f| f.scanner == "trivy").unwrap();
    assert!(file.satisfies.contains(&"container:dockerfile".to_owned()));
    assert!(!missing_after(root.path()).contains(&"container:dockerfile".to_owned()));
}

#[test]
fn an_image_made_of_build_outputs_is_left_to_a_person_with_its_base_image_scanned() {
    let root = tempfile::tempdir().unwrap();
    let plan = planned("java-build-output", root.path());
    let (workflow, text) = trivy_workflow(&plan);
    assert!(workflow.pointer("/jobs/image").is_none(), "{text}");
    assert_eq!(
        matrix(&workflow, "base-image", "base-image"),
        BTreeMap::from([(
            "Dockerfile".to_owned(),
            "eclipse-temurin:21-jre-alpine".to_owned()
        )])
    );
    let file = plan.files.iter().find(|f| f.scanner == "trivy").unwrap();
    assert!(file.satisfies.is_empty(), "{:?}", file.satisfies);
    assert!(text.contains("closes no requirement by itself"), "{text}");
    let step = plan
        .manual
        .iter()
        .find(|m| m.requirement == "container:dockerfile")
        .expect("the image is listed for a person");
    assert!(step.action.contains("`target/*.jar`"), "{}", step.action);
    // Scanning the base image is not coverage of the image: the requirement stays open.
    assert!(missing_after(root.path()).contains(&"container:dockerfile".to_owned()));
}

/// The App fetches only `content_needs(.., Deciding)`: compose, Bake and skaffold files and
/// Dockerfiles are among them, so it finds the same images and contexts as a checkout.
#[test]
fn the_files_the_app_fetches_give_the_same_images() {
    let mut images = 0;
    for name in fixture_names() {
        let full = snapshot::local::snapshot(&fixtures_dir().join(&name)).unwrap();
        let needs = detect::content_needs(&full, &RULES, detect::Depth::Deciding);
        let fetched: Vec<(String, Vec<u8>)> = needs
            .iter()
            .map(|(path, limit)| {
                (
                    path.as_str().to_owned(),
                    full.read(path, *limit).unwrap().bytes,
                )
            })
            .collect();
        let partial = Snapshot::new(
            full.repository.clone(),
            full.files().to_vec(),
            Arc::new(MemorySource::new(fetched)),
            full.warnings().to_vec(),
        );
        let expected = detect::detect(&full, &RULES).images;
        images += expected.len();
        assert_eq!(detect::detect(&partial, &RULES).images, expected, "{name}");
    }
    assert!(images >= 6, "{images} images across the fixtures");
}
