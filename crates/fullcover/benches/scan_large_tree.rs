//! Scan speed on a large repository against the cost of simply reading it.
//!
//! Builds deterministic synthetic trees of 100,000 files (sources in several languages,
//! manifests, IaC, vendored, documentation and binary files), then runs, each in a fresh
//! child process so that peak memory is its own:
//!
//! - `cat`: the literal `cat`-like baseline, one thread walking the tree and reading
//!   every file whole, once (what `find . -type f -exec cat {} +` does);
//! - `parallel read`: the stricter baseline, the scan's own parallel walk reading every
//!   file whole, once, on all cores;
//! - the scan: list, detect and evaluate, as `fullcover scan` does, on all cores.
//!
//! Two trees, because the ratio depends on file sizes:
//!
//! - `mixed`: sizes spread the way repositories spread them, most files small and a long
//!   tail of large ones (images, bundles, data): about 1.7 GiB, a mean of 18 KiB;
//! - `small-files`: every file 0.5 to 12.5 KiB, the worst case for the ratio, since
//!   opening a file costs the scan nearly as much as reading it whole costs the baseline.
//!
//! Run with `cargo bench --bench scan_large_tree`. Prints, per tree, the median of several
//! runs of each, the ratio, and each one's peak resident memory.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly"
)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fullcover_core::rules::RuleSet;
use fullcover_core::{detect, evaluate, snapshot};

const FILES: usize = 100_000;
const RUNS: usize = 5;
const CHILD: &str = "FULLCOVER_BENCH_CHILD";

/// How the sizes of a tree's files are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sizes {
    Mixed,
    SmallFiles,
}

fn main() {
    if let Ok(mode) = std::env::var(CHILD) {
        let root = PathBuf::from(std::env::args().nth(1).unwrap_or_default());
        child(&mode, &root);
        return;
    }
    for (name, sizes) in [("mixed", Sizes::Mixed), ("small-files", Sizes::SmallFiles)] {
        measure(name, sizes);
    }
}

fn measure(name: &str, sizes: Sizes) {
    let root = std::env::temp_dir().join(format!("fullcover-bench-{name}-{FILES}"));
    let started = Instant::now();
    let bytes = build_tree(&root, sizes);
    println!(
        "\n{name} tree: {FILES} files, {:.1} MiB, at {} (ready in {:.1?})",
        bytes as f64 / 1_048_576.0,
        root.display(),
        started.elapsed()
    );
    // Warm the page cache so that every side reads from memory, not from disk.
    run_child("parallel", &root);
    let modes = ["cat", "parallel", "scan"];
    let mut results: Vec<Vec<(Duration, u64)>> = vec![Vec::new(); modes.len()];
    for _ in 0..RUNS {
        for (mode, runs) in modes.iter().zip(&mut results) {
            runs.push(run_child(mode, &root));
        }
    }
    let summary: Vec<(Duration, u64)> = results
        .iter()
        .map(|runs| {
            let time = median(runs.iter().map(|r| r.0).collect());
            let peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
            (time, peak)
        })
        .collect();
    let labels = ["cat-like baseline", "parallel read", "scan"];
    for (label, (time, peak)) in labels.iter().zip(&summary) {
        println!(
            "{label:<18} {time:>9.1?}  peak RSS {:>6.1} MiB",
            *peak as f64 / 1024.0
        );
    }
    let scan = summary[2].0.as_secs_f64();
    println!(
        "scan / cat-like: {:.2}x   scan / parallel read: {:.2}x   (median of {RUNS} runs each)",
        scan / summary[0].0.as_secs_f64(),
        scan / summary[1].0.as_secs_f64()
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs one measurement in a child process; returns its time and peak RSS in KiB.
fn run_child(mode: &str, root: &Path) -> (Duration, u64) {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .arg(root)
        .env(CHILD, mode)
        .output()
        .expect("the child runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let nanos: u64 = fields.next().and_then(|f| f.parse().ok()).expect("time");
    let peak: u64 = fields.next().and_then(|f| f.parse().ok()).expect("peak");
    (Duration::from_nanos(nanos), peak)
}

fn child(mode: &str, root: &Path) {
    let started = Instant::now();
    match mode {
        "cat" => assert!(cat_everything(root) > 0),
        "parallel" => {
            let read = read_everything(root);
            assert!(read > 0);
        }
        "scan" => {
            let rules = RuleSet::embedded().expect("built-in rules load");
            let snapshot = snapshot::local::snapshot(root).expect("tree lists");
            let inventory = detect::detect(&snapshot, &rules);
            let assessment = evaluate::evaluate(&inventory, &rules);
            assert_eq!(inventory.files.len(), FILES);
            assert!(!assessment.requirements.is_empty());
        }
        other => panic!("unknown measurement `{other}`"),
    }
    let elapsed = started.elapsed();
    println!("{} {}", elapsed.as_nanos(), peak_rss_kib());
}

/// The walk both baselines use: the scan's settings, every file included.
fn baseline_walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false);
    builder
}

/// The `cat`-like baseline: one thread, every file read whole once.
fn cat_everything(root: &Path) -> u64 {
    let mut total = 0;
    let mut buffer = Vec::new();
    let walker = baseline_walker(root).build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file())
            && let Ok(mut file) = std::fs::File::open(entry.path())
        {
            buffer.clear();
            if let Ok(read) = file.read_to_end(&mut buffer) {
                total += read as u64;
            }
        }
    }
    total
}

/// The stricter baseline: the scan's parallel walk, every file read whole once.
fn read_everything(root: &Path) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    let total = AtomicU64::new(0);
    baseline_walker(root)
        .threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(8)))
        .build_parallel()
        .run(|| {
            let total = &total;
            let mut buffer = Vec::new();
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    && entry.file_type().is_some_and(|t| t.is_file())
                    && let Ok(mut file) = std::fs::File::open(entry.path())
                {
                    buffer.clear();
                    if let Ok(read) = file.read_to_end(&mut buffer) {
                        total.fetch_add(read as u64, Ordering::Relaxed);
                    }
                }
                ignore::WalkState::Continue
            })
        });
    total.into_inner()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A small deterministic generator (an LCG), so the tree is the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes the tree unless a complete one is already there; returns its size in bytes.
fn build_tree(root: &Path, sizes: Sizes) -> u64 {
    let marker = root.with_extension("complete");
    if let Ok(size) = std::fs::read_to_string(&marker)
        && let Ok(size) = size.trim().parse()
    {
        return size;
    }
    let _ = std::fs::remove_dir_all(root);
    let mut rng = Lcg(42);
    let mut total = 0u64;
    let mut written = 0usize;
    let mut write = |path: String, content: Vec<u8>| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
        total += content.len() as u64;
        std::fs::write(full, content).expect("write");
    };
    // 100 services of 1,000 files each.
    for service in 0..FILES / 1000 {
        let base = format!("services/svc{service:03}");
        write(format!("{base}/package.json"), br#"{"name":"svc","dependencies":{"express":"4","pg":"8"},"devDependencies":{"jest":"29"}}"#.to_vec());
        write(format!("{base}/go.mod"), b"module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\tgolang.org/x/net v0.20.0 // indirect\n)\n".to_vec());
        write(
            format!("{base}/requirements.txt"),
            b"flask==3.0.0\nrequests>=2\n# comment\n".to_vec(),
        );
        write(
            format!("{base}/Dockerfile"),
            b"FROM python:3.12-slim\nRUN pip install -r requirements.txt\n".to_vec(),
        );
        write(format!("{base}/deploy/k8s.yaml"), b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc\nspec:\n  replicas: 2\n".to_vec());
        write(format!("{base}/infra/main.tf"), b"terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\nmodule \"vpc\" { source = \"terraform-aws-modules/vpc/aws\" }\n".to_vec());
        let mut count = 6;
        while count < 1000 {
            let (path, content) = synthetic_file(&mut rng, &base, count, sizes);
            write(path, content);
            count += 1;
        }
        written += 1000;
    }
    assert_eq!(written, FILES);
    std::fs::write(&marker, total.to_string()).expect("marker");
    total
}

/// A size drawn for a file of the given kind: small-files draws 0.5 to 12.5 KiB for all;
/// mixed draws a log-uniform size within a range typical of the kind.
fn size_for(rng: &mut Lcg, sizes: Sizes, kind: &str) -> usize {
    if sizes == Sizes::SmallFiles {
        return 512 + rng.below(12 * 1024) as usize;
    }
    let (low, high): (f64, f64) = match kind {
        "png" => (4.0 * 1024.0, 1024.0 * 1024.0),
        "vendored" => (1024.0, 256.0 * 1024.0),
        "json" => (256.0, 64.0 * 1024.0),
        _ => (256.0, 48.0 * 1024.0),
    };
    let unit = rng.below(1_000_000) as f64 / 1_000_000.0;
    (low * (high / low).powf(unit)) as usize
}

fn synthetic_file(rng: &mut Lcg, base: &str, index: usize, sizes: Sizes) -> (String, Vec<u8>) {
    let dir = index / 50;
    let pick = rng.below(100);
    let (dir_name, ext, line): (&str, &str, &str) = match pick {
        0..20 => (
            "src",
            "py",
            "def handler(event):\n    return {'status': 200}\n",
        ),
        20..35 => ("src", "js", "export function add(a, b) { return a + b; }\n"),
        35..45 => ("src", "ts", "export const id = (x: number): number => x;\n"),
        45..55 => ("pkg", "go", "func helper(x int) int { return x * 2 }\n"),
        55..62 => ("src", "rs", "pub fn square(x: u64) -> u64 { x * x }\n"),
        62..67 => ("src", "h", "#include <vector>\nstd::vector<int> v;\n"),
        67..72 => (
            "node_modules/dep",
            "js",
            "module.exports = function () {};\n",
        ),
        72..80 => ("config", "json", "{\"key\": \"value\", \"n\": 1}\n"),
        80..86 => ("config", "yaml", "key: value\nlist: [1, 2, 3]\n"),
        86..92 => ("docs", "md", "# Title\n\nSome documentation text.\n"),
        92..96 => ("assets", "png", ""),
        _ => ("test", "java", "class T { void t() { assert true; } }\n"),
    };
    let kind = match (dir_name, ext) {
        (_, "png") => "png",
        ("node_modules/dep", _) => "vendored",
        (_, "json") => "json",
        _ => "text",
    };
    let size = size_for(rng, sizes, kind);
    let content = if ext == "png" {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.resize(size, 0);
        bytes
    } else {
        line.as_bytes().iter().copied().cycle().take(size).collect()
    };
    (format!("{base}/{dir_name}{dir}/file{index}.{ext}"), content)
}
