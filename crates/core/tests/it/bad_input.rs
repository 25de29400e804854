//! Hostile and broken repositories: the scan finishes, reports the problem under
//! `warnings`, and keeps everything it could still detect.

use std::path::Path;

use crate::support::scan;

fn warning_for<'a>(report: &'a fullcover_core::report::ScanReport, path: &str) -> Option<&'a str> {
    report
        .warnings
        .iter()
        .find(|w| w.path.as_deref() == Some(path))
        .map(|w| w.message.as_str())
}

fn write(root: &Path, path: &str, content: impl AsRef<[u8]>) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, content).unwrap();
}

#[test]
fn a_one_gigabyte_file_is_neither_read_whole_nor_fatal() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse: takes no disk space, but reading it whole would take a gigabyte of memory.
    let big = std::fs::File::create(dir.path().join("package.json")).unwrap();
    big.set_len(1 << 30).unwrap();
    let big_source = std::fs::File::create(dir.path().join("huge.js")).unwrap();
    big_source.set_len(1 << 30).unwrap();
    write(dir.path(), "main.go", "package main\n");
    let report = scan(dir.path());
    let message = warning_for(&report, "package.json").expect("the manifest is reported");
    assert!(
        message.contains("binary") || message.contains("1 MiB"),
        "{message}"
    );
    assert_eq!(report.ecosystems[0].name, "npm");
    assert!(report.languages.iter().any(|l| l.name == "Go"));
    assert!(warning_for(&report, "huge.js").is_some_and(|m| m.contains("binary")));
}

#[test]
fn symlink_loops_and_special_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/app.py", "print('hi')\n");
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("src/parent")).unwrap();
    let fifo = dir.path().join("pipe.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let report = scan(dir.path());
    assert!(warning_for(&report, "loop").is_some_and(|m| m.contains("symbolic link")));
    assert!(warning_for(&report, "pipe.json").is_some_and(|m| m.contains("not a regular file")));
    assert_eq!(report.languages[0].name, "Python");
}

#[test]
fn deeply_nested_directories_are_walked() {
    let dir = tempfile::tempdir().unwrap();
    let deep: String = (0..120).map(|i| format!("d{i}/")).collect();
    write(dir.path(), &format!("{deep}main.rs"), "fn main() {}\n");
    write(
        dir.path(),
        &format!("{deep}Cargo.toml"),
        "[package]\nname = \"x\"\n[dependencies]\nserde = \"1\"\n",
    );
    let report = scan(dir.path());
    assert_eq!(report.ecosystems.len(), 1);
    assert_eq!(report.ecosystems[0].dependencies, Some(1));
    assert!(report.ecosystems[0].directories[0].ends_with("/d119"));
}

#[test]
fn malformed_manifests_and_configs_are_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        "{\"dependencies\": {\"a\": \"1\",}}",
    );
    write(dir.path(), "Cargo.toml", "[dependencies\nserde = 1");
    write(
        dir.path(),
        "pom.xml",
        "<project><dependencies><dependency></project>",
    );
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\ndependencies = [\"x\"\n",
    );
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a: [\n",
    );
    write(
        dir.path(),
        "k8s/app.json",
        "{\"apiVersion\": \"v1\", \"kind\": ",
    );
    write(
        dir.path(),
        "go.mod",
        "module example.com/x\n\nrequire github.com/a/b v1.0.0\n",
    );
    let report = scan(dir.path());
    for path in [
        "package.json",
        "Cargo.toml",
        "pom.xml",
        "pyproject.toml",
        ".github/workflows/ci.yml",
    ] {
        let message = warning_for(&report, path).unwrap_or_else(|| panic!("no warning for {path}"));
        assert!(message.contains("line"), "{path}: {message}");
    }
    let gomod = report
        .ecosystems
        .iter()
        .find(|e| e.name == "gomod")
        .unwrap();
    assert_eq!(gomod.dependencies, Some(1));
}

#[test]
fn yaml_alias_bombs_fail_fast() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in 1..10 {
        let previous = (b'a' + level - 1) as char;
        let name = (b'a' + level) as char;
        let refs = vec![format!("*{previous}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/dependabot.yml",
        format!("version: 2\n{bomb}updates:\n  - package-ecosystem: npm\n    directory: /\n"),
    );
    write(
        dir.path(),
        "deploy/app.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n{bomb}"),
    );
    write(dir.path(), "package.json", "{}");
    let report = scan(dir.path());
    assert!(warning_for(&report, ".github/dependabot.yml").is_some_and(|m| m.contains("alias")));
    assert!(warning_for(&report, "deploy/app.yaml").is_some_and(|m| m.contains("alias")));
    let npm = report
        .requirements
        .iter()
        .find(|r| r.id == "sca:npm")
        .unwrap();
    assert!(
        npm.satisfied_by.is_empty(),
        "an unreadable dependabot.yml covers nothing"
    );
}

#[test]
fn binary_and_non_utf8_sources_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/blob.py", b"\x00\x01\x02binary\x00");
    write(dir.path(), "src/latin1.js", b"var s = '\xe9t\xe9';\n");
    let report = scan(dir.path());
    assert!(warning_for(&report, "src/blob.py").is_some_and(|m| m.contains("binary")));
    assert!(warning_for(&report, "src/latin1.js").is_some_and(|m| m.contains("UTF-8")));
    let names: Vec<&str> = report.languages.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["JavaScript"]);
}

#[test]
fn a_file_vanishing_between_listing_and_reading_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        "{\"dependencies\": {\"a\": \"1\"}}",
    );
    let snapshot = fullcover_core::snapshot::local::snapshot(dir.path()).unwrap();
    std::fs::remove_file(dir.path().join("package.json")).unwrap();
    let inventory = fullcover_core::detect::detect(&snapshot, &crate::support::RULES);
    let warning = inventory
        .warnings
        .iter()
        .find(|w| w.path.as_deref() == Some("package.json"));
    assert!(
        warning.is_some_and(|w| w.message.contains("not in the snapshot")),
        "{:?}",
        inventory.warnings
    );
}

#[test]
fn non_ascii_and_odd_file_names_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "İİİ.c",
        "\u{212A}.c",
        "日本語.rs",
        "ß.PY",
        "...",
        "a.",
        "sp ace.js",
    ] {
        write(dir.path(), name, "int x;\n");
    }
    let report = scan(dir.path());
    assert_eq!(report.files.as_ref().unwrap().len(), 7);
    let c = report
        .files
        .as_ref()
        .unwrap()
        .iter()
        .find(|f| f.path == "İİİ.c")
        .unwrap();
    assert_eq!(c.language.as_deref(), Some("C"));
}
