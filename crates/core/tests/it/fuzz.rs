//! Fuzz targets for every parser that reads repository text: dependency manifests of every
//! format, `.gitattributes`, `.github/fullcover.yml`, Terraform/HCL, YAML documents, and
//! a whole repository (workflows, scanner configurations, Dockerfiles, IaC) through
//! detection, evaluation and planning. The driver and its budget: `tests/fuzz/driver.rs`;
//! `.ci/run` runs these with a time budget.

use std::sync::LazyLock;

use fullcover_core::config::Config;
use fullcover_core::detect::gitattributes::Attributes;
use fullcover_core::detect::{self, manifests, terraform};
use fullcover_core::plan::{self, PlanSettings, Templates, Visibility};
use fullcover_core::rules::ManifestFormat;
use fullcover_core::snapshot::Snapshot;
use fullcover_core::{evaluate, formats};

use crate::support::RULES;

#[path = "../../../../tests/fuzz/driver.rs"]
mod driver;

static TEMPLATES: LazyLock<Templates> = LazyLock::new(|| match Templates::embedded() {
    Ok(templates) => templates,
    Err(err) => panic!("{err}"),
});

fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// A parse error names a line inside the input (or one past its end), never beyond. Lines
/// end as YAML ends them, at `\n`, `\r\n` or a lone `\r` (a fuzzed `.github/fullcover.yml`
/// of two `\n` lines and 45 lone `\r` had its error rightly on line 47).
fn assert_line_within(line: Option<usize>, text: &str) {
    if let Some(line) = line {
        let breaks = text.replace("\r\n", "\n").matches(['\n', '\r']).count();
        let lines = breaks + 1;
        assert!(
            line <= lines,
            "error on line {line} of a {lines}-line input"
        );
    }
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_manifests() {
    let dictionary = [
        "dependencies",
        "\"dependencies\": {",
        "[dependencies]",
        "<dependency>",
        "</project>",
        "<PackageReference Include=\"a\" />",
        "FROM ",
        "FROM a AS b\n",
        "uses: ",
        "module \"m\" {",
        "source = \"",
        "require (",
        "gem '",
        "pod '",
        "implementation(\"",
        "%{",
        "&a",
        "*a",
        "<<: *a",
        "[submodule \"",
        "Imports:",
        "build-depends:",
        "\\\n",
        "#",
        "//",
        "/*",
        "*/",
        "<!--",
        "&#x41;",
        "&lt;",
        "\"\"\"",
        "'''",
        "${{",
    ];
    driver::fuzz("manifests", &dictionary, |name, input| {
        let format_name = name.split('/').next().unwrap_or_default();
        let format: ManifestFormat = serde_json::from_value(format_name.into())
            .unwrap_or_else(|err| panic!("corpus directory `{format_name}` is no format: {err}"));
        let text = text(input);
        match manifests::count_direct_dependencies(format, &text) {
            // Each counted dependency is a distinct name of at least one character.
            Ok(count) => assert!(
                count <= text.len(),
                "{count} dependencies in {} bytes",
                text.len()
            ),
            Err(err) => {
                assert!(!err.message.is_empty(), "an error says what is wrong");
                assert_line_within(err.line, &text);
            }
        }
    });
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_gitattributes() {
    let dictionary = [
        "linguist-vendored",
        "linguist-generated=false",
        "-linguist-detectable",
        "!linguist-documentation",
        "linguist-language=",
        "**/",
        "[",
        "]",
        "{a,b}",
        "\\",
        "*",
        "?",
        "/",
    ];
    driver::fuzz("gitattributes", &dictionary, |_, input| {
        let text = text(input);
        let lines = text.lines().count();
        let (attributes, warnings) = Attributes::parse(vec![
            (String::new(), text.clone()),
            ("sub/dir".to_owned(), text),
        ]);
        assert!(
            warnings.len() <= 2 * lines + 1,
            "{} warnings for {lines} lines",
            warnings.len()
        );
        for path in [
            "a.min.js",
            "docs/x/readme.md",
            "sub/dir/vendor/a.c",
            "b.c",
            "",
        ] {
            let _ = attributes.for_path(path);
        }
    });
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_config() {
    let dictionary = [
        "ignore:",
        "skip:",
        "scanners:",
        "schedule: ",
        "onboarding: ",
        "public_status: ",
        "security:",
        "severity_threshold: ",
        "window_days: ",
        "sla_days: ",
        "critical: ",
        "- \"",
        "**",
        "[",
        "{",
        "&a ",
        "*a",
        "!!str ",
        "99999999999999999999",
        "-1",
        "null",
        "~",
    ];
    driver::fuzz("config", &dictionary, |_, input| {
        let text = text(input);
        match Config::parse(".github/fullcover.yml", &text) {
            Ok(config) => {
                if let Some(security) = &config.security {
                    let _ = security.policy();
                }
                let globs = config.ignored();
                let _ = globs.is_match("src/main.rs");
            }
            Err(err) => {
                assert_eq!(err.file, ".github/fullcover.yml");
                assert!(!err.message.is_empty());
                assert_line_within(err.line, &text);
            }
        }
    });
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_terraform() {
    let dictionary = [
        "terraform {",
        "required_providers {",
        "module \"m\" {",
        "provider \"aws\" {",
        "source = \"",
        "version = \"",
        "}",
        "{",
        "${",
        "%{",
        "<<EOF\n",
        "\nEOF\n",
        "#",
        "//",
        "/*",
        "*/",
        "= [",
        "]",
    ];
    driver::fuzz("terraform", &dictionary, |_, input| {
        let text = text(input);
        let facts = terraform::parse(&text).unwrap_or_else(|| panic!("the HCL grammar loads"));
        let declared = facts.providers.len() + facts.modules.len();
        assert!(
            declared <= text.len(),
            "{declared} declarations in {} bytes",
            text.len()
        );
    });
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_yaml() {
    let dictionary = [
        "&a ",
        "*a",
        "<<: *a",
        "---\n",
        "...\n",
        "- ",
        ": ",
        "? ",
        "|\n",
        ">-\n",
        "!!binary ",
        "!tag ",
        "%YAML 1.2\n",
        "[",
        "{",
        "\"",
        "'",
        "\t",
        "#",
    ];
    driver::fuzz("yaml", &dictionary, |_, input| {
        let text = text(input);
        match formats::parse_yaml_documents(&text) {
            Ok(documents) => {
                // Aliases are bounded: a stream expands to at most the budget's scalar bytes
                // and nodes (each node at most a few bytes of JSON punctuation), whatever the
                // input. A proportional bound does not hold: 303 bytes of nested aliases
                // legitimately expand to 415 KB (the corpus keeps that input).
                let expanded: usize = documents
                    .iter()
                    .map(|document| serde_json::to_string(document).map_or(0, |s| s.len()))
                    .sum();
                let bound = formats::MAX_YAML_SCALAR_BYTES + 8 * formats::MAX_YAML_NODES;
                assert!(
                    expanded <= bound,
                    "{} bytes of YAML expanded to {expanded} bytes of JSON (bound {bound})",
                    text.len()
                );
            }
            Err(err) => assert_line_within(err.line, &text),
        }
        let _ = formats::parse_yaml(&text);
    });
}

/// The corpus file's name is the repository path, `/` written `__`; `~variant` is dropped.
fn repository_path(name: &str) -> String {
    let name = name.split('~').next().unwrap_or(name);
    name.replace("__", "/")
}

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_repository() {
    let dictionary = [
        "uses: ",
        "uses: github/codeql-action/init@v3\n",
        "run: ",
        "jobs:\n",
        "steps:\n",
        "on: ",
        "- repo: ",
        "hooks:\n",
        "FROM ",
        "image: ",
        "package-ecosystem: ",
        "directory: ",
        "updates:\n",
        "resources:\n",
        "apiVersion: ",
        "kind: ",
        "\"dependencies\": {",
        "resource \"",
        "${{",
        "linguist-vendored",
        "ignore:\n  - \"**\"\n",
        "skip:\n",
        "&a ",
        "*a",
    ];
    // Compile the rules and templates first: the first input must not pay for them.
    LazyLock::force(&RULES);
    LazyLock::force(&TEMPLATES);
    driver::fuzz("repository", &dictionary, |name, input| {
        let path = repository_path(name);
        let snapshot = Snapshot::from_memory(
            "acme/fuzz",
            [
                (path.clone(), input.to_vec()),
                ("src/main.go".to_owned(), b"package main\n".to_vec()),
            ],
        );
        let config = match Config::from_snapshot(&snapshot, Config::default()) {
            Ok(config) => config,
            Err(err) => {
                assert_eq!(err.file, ".github/fullcover.yml");
                Config::default()
            }
        };
        let snapshot = config.apply(snapshot);
        let inventory = detect::detect(&snapshot, &RULES);
        let assessment = evaluate::evaluate(&inventory, &RULES);
        let settings = PlanSettings {
            repository: "acme/fuzz".to_owned(),
            default_branch: "main".to_owned(),
            visibility: Visibility::Public,
            advanced_security: false,
            config,
            platform: Default::default(),
        };
        let Ok(planned) = plan::plan(
            &snapshot,
            &inventory,
            &assessment,
            &RULES,
            &TEMPLATES,
            &settings,
        ) else {
            return;
        };
        // What Fullcover writes from scratch is valid YAML whatever the repository holds.
        for file in planned.changes() {
            let generated = file.path != path;
            let yaml = file.path.ends_with(".yml") || file.path.ends_with(".yaml");
            if generated
                && yaml
                && let Err(err) = formats::parse_yaml_documents(&file.content)
            {
                panic!(
                    "generated {} is not YAML: {err:?}\n{}",
                    file.path, file.content
                );
            }
        }
    });
}
