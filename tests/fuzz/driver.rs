//! A seed-mutating fuzz driver that runs on stable Rust under `cargo test`, shared by the
//! fuzz targets of `crates/core` and `crates/fullcover` (each includes this file).
//!
//! A target replays its corpus (`tests/fuzz/corpus/<target>/`, recursively), then mutates
//! seeds (bit flips, syntax bytes, dictionary tokens, multi-byte characters, deletions,
//! repetitions, splices across seeds) until its budget is spent. An input that panics, or
//! takes longer than [`SLOW`], is saved under the test's temporary directory and fails the
//! test with the path and the random seed that reproduces the run.
//!
//! Budget: `FULLCOVER_FUZZ_SECONDS` (per target, wall clock) or `FULLCOVER_FUZZ_RUNS`
//! (mutated inputs per target); without either, [`DEFAULT_RUNS`] with a fixed seed, so the
//! default `cargo test` stays fast and deterministic. `FULLCOVER_FUZZ_SEED` fixes the seed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Mutated inputs per target when no budget is given.
pub const DEFAULT_RUNS: u64 = 150;
/// Longest a single input may take before it counts as a failure: every cost a repository
/// can drive has a bound. Tests run unoptimised, where the YAML alias budget alone (100,000
/// replayed events, the `bad-input` bomb) costs about 2 s per parse and the whole pipeline
/// parses a dependabot.yml more than once; an unbounded cost overshoots this by far.
pub const SLOW: Duration = Duration::from_secs(15);
/// An input still running after this is taken for a hang: the watchdog saves it and
/// aborts the test process, since a hung call cannot be unwound.
pub const HANG: Duration = Duration::from_secs(120);
/// Largest input the mutator builds; the parsers' own caps are tested elsewhere.
const MAX_LEN: usize = 64 * 1024;

/// One corpus file: its path under the target's corpus directory, and its bytes.
pub struct Seed {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file under `tests/fuzz/corpus/<target>/`, sorted by name.
pub fn corpus(target: &str) -> Vec<Seed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz/corpus")
        .join(target);
    let mut seeds = Vec::new();
    collect(&root, &root, &mut seeds);
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!seeds.is_empty(), "no corpus under {}", root.display());
    seeds
}

fn collect(root: &Path, dir: &Path, seeds: &mut Vec<Seed>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
            .path();
        if path.is_dir() {
            collect(root, &path, seeds);
        } else {
            let bytes =
                std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            seeds.push(Seed { name, bytes });
        }
    }
}

enum Budget {
    Runs(u64),
    Time(Duration),
}

fn budget() -> Budget {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(seconds) = number("FULLCOVER_FUZZ_SECONDS") {
        return Budget::Time(Duration::from_secs_f64(seconds.max(0.0)));
    }
    // Truncation is intended: a run count is a whole number.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    number("FULLCOVER_FUZZ_RUNS")
        .map_or(Budget::Runs(DEFAULT_RUNS), |runs| Budget::Runs(runs as u64))
}

fn random_seed() -> u64 {
    if let Some(seed) = std::env::var("FULLCOVER_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return seed;
    }
    let budgeted = std::env::var_os("FULLCOVER_FUZZ_SECONDS").is_some()
        || std::env::var_os("FULLCOVER_FUZZ_RUNS").is_some();
    if !budgeted {
        return 0x5eed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Only the low bits matter for a seed.
    #[allow(clippy::cast_possible_truncation)]
    let seed = nanos as u64;
    seed
}

/// splitmix64: small, fast, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        // n fits in u64 and the result is below n.
        #[allow(clippy::cast_possible_truncation)]
        let value = (self.next() % n as u64) as usize;
        value
    }
}

/// Bytes that mean something to YAML, JSON, TOML, XML, HCL, Dockerfiles and globs.
const SYNTAX: &[u8] = b"\0\n\r\t \"'{}[]()<>:,.-#&*!|%@$\\/=;`~?^+";
/// Characters that stress byte/char boundaries and line handling.
const WIDE: &[&str] = &[
    "\u{e9}",
    "\u{1f4a5}",
    "\u{2028}",
    "\u{feff}",
    "\u{0}",
    "\r\n",
    "\u{85}",
];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Seed], dictionary: &[&str]) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(10) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = SYNTAX[rng.below(SYNTAX.len())];
            }
            2 if !dictionary.is_empty() => {
                let token = dictionary[rng.below(dictionary.len())];
                input.splice(at..at, token.bytes());
            }
            3 => {
                let wide = WIDE[rng.below(WIDE.len())];
                input.splice(at..at, wide.bytes());
            }
            4 if at < input.len() => {
                let end = (at + 1 + rng.below(32)).min(input.len());
                input.drain(at..end);
            }
            5 if at < input.len() => {
                // Repeat a short slice many times: nesting and repetition bombs.
                let end = (at + 1 + rng.below(8)).min(input.len());
                let slice = input[at..end].to_vec();
                let times = 1 + rng.below(64);
                let repeated: Vec<u8> = slice
                    .iter()
                    .copied()
                    .cycle()
                    .take(slice.len() * times)
                    .collect();
                input.splice(at..at, repeated);
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())].bytes;
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(256)).min(other.len());
                    input.splice(at..at, other[start..end].iter().copied());
                }
            }
            7 if at < input.len() => input.truncate(at),
            8 if !input.is_empty() => {
                // Swap two lines' worth of bytes: reorders keys and sections.
                let i = rng.below(input.len());
                let j = rng.below(input.len());
                input.swap(i, j);
            }
            _ => {
                let byte = u8::try_from(rng.below(256)).unwrap_or(b'x');
                input.insert(at, byte);
            }
        }
    }
    input.truncate(MAX_LEN);
}

/// Runs `check` on every seed, then on mutated seeds until the budget is spent. `check`
/// receives the seed's name (targets read a format or a path from it) and the input; it
/// asserts its own invariants, and must not panic.
pub fn fuzz(target: &str, dictionary: &[&str], check: impl Fn(&str, &[u8])) {
    if let Some(replay) = std::env::var_os("FULLCOVER_FUZZ_REPLAY") {
        let replay = PathBuf::from(replay);
        if replay.components().any(|c| c.as_os_str() == target) {
            let mut inputs = Vec::new();
            collect(&replay, &replay, &mut inputs);
            for input in inputs {
                let started = Instant::now();
                check(&input.name, &input.bytes);
                eprintln!(
                    "fuzz {target}: replayed {} in {:?}",
                    input.name,
                    started.elapsed()
                );
            }
        }
        return;
    }
    let seeds = corpus(target);
    let seed = random_seed();
    let mut rng = Rng(seed);
    let running = watchdog(target);
    let run = |name: &str, input: &[u8], mutated: bool| {
        let started = Instant::now();
        *running.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((started, name.to_owned(), input.to_vec()));
        let outcome = catch_unwind(AssertUnwindSafe(|| check(name, input)));
        let took = started.elapsed();
        *running.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if outcome.is_err() || took > SLOW {
            let saved = save(target, name, input);
            let what = if outcome.is_err() {
                "panicked"
            } else {
                "was too slow"
            };
            let origin = if mutated {
                "an input mutated from"
            } else {
                "corpus file"
            };
            panic!(
                "fuzz target `{target}` {what} ({took:?}) on {origin} `{name}` \
                 (FULLCOVER_FUZZ_SEED={seed}); input saved at {}",
                saved.display()
            );
        }
        took
    };
    for seed in &seeds {
        run(&seed.name, &seed.bytes, false);
    }
    let started = Instant::now();
    let mut runs = 0_u64;
    let mut slowest = Duration::ZERO;
    let mut current: Option<(usize, Vec<u8>)> = None;
    loop {
        let spent = match budget() {
            Budget::Runs(limit) => runs >= limit,
            Budget::Time(limit) => started.elapsed() >= limit,
        };
        if spent {
            break;
        }
        // Half the time keep mutating the previous input, so mutations stack.
        let (index, mut input) = match current.take() {
            Some(previous) if rng.below(2) == 0 => previous,
            _ => {
                let index = rng.below(seeds.len());
                (index, seeds[index].bytes.clone())
            }
        };
        mutate(&mut rng, &mut input, &seeds, dictionary);
        slowest = slowest.max(run(&seeds[index].name, &input, true));
        runs += 1;
        current = Some((index, input));
    }
    eprintln!(
        "fuzz {target}: {} seeds, {runs} mutated inputs in {:.1}s, slowest {slowest:?} (seed {seed})",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

type Running = Arc<Mutex<Option<(Instant, String, Vec<u8>)>>>;

/// Watches the input being run; past [`HANG`] it saves it and aborts the process. The
/// thread ends when the target drops its handle.
fn watchdog(target: &str) -> Running {
    let running: Running = Arc::new(Mutex::new(None));
    let watched = Arc::downgrade(&running);
    let target = target.to_owned();
    std::thread::spawn(move || {
        while let Some(running) = watched.upgrade() {
            if let Some((started, name, input)) =
                &*running.lock().unwrap_or_else(PoisonError::into_inner)
                && started.elapsed() > HANG
            {
                let saved = save(&target, name, input);
                eprintln!(
                    "fuzz target `{target}` hangs (over {HANG:?}) on an input from `{name}`; \
                     input saved at {}",
                    saved.display()
                );
                std::process::abort();
            }
            drop(running);
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    running
}

/// Saves a failing input as `<tmp>/fuzz-failures/<target>/<hash>/<seed name>`, the layout
/// `FULLCOVER_FUZZ_REPLAY=<tmp>/fuzz-failures/<target>/<hash>` replays.
fn save(target: &str, name: &str, input: &[u8]) -> PathBuf {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-failures")
        .join(target)
        .join(format!("{hash:016x}"));
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(&path, input);
    dir
}
