//! A small per-process cache of computed views: each value is kept under a fingerprint
//! of what it was computed from (read from the database, so replicas see each other's
//! writes) and for at most a time, since the views also move with the clock.
//!
//! One computation per key at a time: readers that miss while another computes wait for
//! it and take its value if it began reading after they arrived, so N readers of a large
//! organisation cost one computation's memory and CPU, not N.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::gates::Gates;

/// Entries kept at most; beyond, the cache starts afresh.
const ENTRIES: usize = 1_024;

/// Values by key, each valid while its fingerprint holds and for `seconds`.
#[derive(Debug)]
pub struct Kept<F, V> {
    seconds: i64,
    /// Numbers the computations in the order they began reading.
    sequence: AtomicU64,
    entries: Mutex<HashMap<String, Entry<F, V>>>,
    /// One gate per key: held while that key's value is computed.
    gates: Gates,
}

#[derive(Debug)]
struct Entry<F, V> {
    fingerprint: F,
    at: i64,
    /// The sequence number of the computation, taken before it read anything.
    begun: u64,
    value: V,
}

/// Locks a std mutex; a poisoned lock only means another reader panicked while holding
/// it, and every map here is whole between statements.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<F: PartialEq, V: Clone> Kept<F, V> {
    pub fn for_seconds(seconds: i64) -> Self {
        Kept {
            seconds,
            sequence: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            gates: Gates::default(),
        }
    }

    /// The value kept under `key`, if computed from `fingerprint` less than the cache's
    /// time before `now`.
    pub fn get(&self, key: &str, fingerprint: &F, now: i64) -> Option<V> {
        lock(&self.entries)
            .get(key)
            .filter(|entry| entry.fingerprint == *fingerprint && self.in_time(entry.at, now))
            .map(|entry| entry.value.clone())
    }

    #[cfg(test)]
    pub fn put(&self, key: String, fingerprint: F, at: i64, value: V) {
        let begun = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        self.insert(key, fingerprint, at, begun, value);
    }

    /// The value under `key`: kept, when `fingerprint` still gives what it was computed
    /// from; else computed by `compute` (given the fingerprint read before it starts),
    /// by one caller at a time. A caller that waited takes the value the one before it
    /// computed if that computation began after the caller arrived: it read a record at
    /// least as new as the caller would have.
    pub async fn get_or_compute<E, FF, CF>(
        &self,
        key: &str,
        now: i64,
        fingerprint: impl Fn() -> FF,
        compute: impl FnOnce(&F) -> CF,
    ) -> Result<V, E>
    where
        FF: Future<Output = Result<F, E>>,
        CF: Future<Output = Result<V, E>>,
    {
        let arrived = self.sequence.load(Ordering::SeqCst);
        let seen = fingerprint().await?;
        if let Some(value) = self.get(key, &seen, now) {
            return Ok(value);
        }
        let gate = self.gates.of(key);
        let _turn = gate.lock().await;
        if let Some(value) = self.computed_since(key, arrived, now) {
            return Ok(value);
        }
        let begun = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        let current = fingerprint().await?;
        if let Some(value) = self.get(key, &current, now) {
            return Ok(value);
        }
        let value = compute(&current).await?;
        self.insert(key.to_owned(), current, now, begun, value.clone());
        Ok(value)
    }

    fn in_time(&self, at: i64, now: i64) -> bool {
        now - at < self.seconds
    }

    /// The value under `key` if its computation began after sequence number `arrived`.
    fn computed_since(&self, key: &str, arrived: u64, now: i64) -> Option<V> {
        lock(&self.entries)
            .get(key)
            .filter(|entry| entry.begun > arrived && self.in_time(entry.at, now))
            .map(|entry| entry.value.clone())
    }

    fn insert(&self, key: String, fingerprint: F, at: i64, begun: u64, value: V) {
        let mut entries = lock(&self.entries);
        if entries.len() >= ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        let newer = entries.get(&key).is_none_or(|kept| kept.begun <= begun);
        if newer {
            entries.insert(
                key,
                Entry {
                    fingerprint,
                    at,
                    begun,
                    value,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_value_holds_while_its_fingerprint_does_and_not_past_its_time() {
        let kept: Kept<i64, &str> = Kept::for_seconds(60);
        kept.put("acme".into(), 7, 1_000, "seven");
        assert_eq!(kept.get("acme", &7, 1_059), Some("seven"));
        assert_eq!(kept.get("acme", &8, 1_001), None, "written since");
        assert_eq!(kept.get("acme", &7, 1_060), None, "kept too long");
        assert_eq!(kept.get("globex", &7, 1_001), None);
    }

    #[test]
    fn it_starts_afresh_when_full() {
        let kept: Kept<i64, i64> = Kept::for_seconds(60);
        for n in 0..ENTRIES as i64 {
            kept.put(n.to_string(), 0, 0, n);
        }
        assert_eq!(kept.get("5", &0, 1), Some(5));
        kept.put("new".into(), 0, 0, -1);
        assert_eq!(kept.get("5", &0, 1), None);
        assert_eq!(kept.get("new", &0, 1), Some(-1));
    }

    /// Eight readers miss at once while the record keeps changing under them (every
    /// fingerprint read differs): one computes at a time, and those that waited take its
    /// value instead of computing again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_that_miss_together_share_one_computation() {
        let kept: Arc<Kept<usize, usize>> = Arc::new(Kept::for_seconds(60));
        let writes = Arc::new(AtomicUsize::new(0));
        let computations = Arc::new(AtomicUsize::new(0));
        let running = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let mut readers = Vec::new();
        for _ in 0..8 {
            let (kept, writes, computations, running, barrier) = (
                kept.clone(),
                writes.clone(),
                computations.clone(),
                running.clone(),
                barrier.clone(),
            );
            readers.push(tokio::spawn(async move {
                barrier.wait().await;
                kept.get_or_compute::<(), _, _>(
                    "acme",
                    1_000,
                    || {
                        let seen = writes.fetch_add(1, Ordering::SeqCst);
                        async move { Ok(seen) }
                    },
                    |fingerprint| {
                        let fingerprint = *fingerprint;
                        async move {
                            assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "overlap");
                            computations.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok(fingerprint)
                        }
                    },
                )
                .await
            }));
        }
        for reader in readers {
            assert!(reader.await.unwrap().is_ok());
        }
        let computed = computations.load(Ordering::SeqCst);
        // The first computes; readers that arrived before it began may compute once
        // more after it; nobody who arrived during a computation computes again.
        assert!(
            (1..=2).contains(&computed),
            "{computed} computations for 8 readers"
        );
    }

    #[tokio::test]
    async fn a_value_computed_before_a_reader_arrived_is_not_reused_after_a_write() {
        let kept: Kept<i64, i64> = Kept::for_seconds(60);
        let first = kept
            .get_or_compute::<(), _, _>(
                "acme",
                1_000,
                || async { Ok(1) },
                |f| {
                    let f = *f;
                    async move { Ok(f * 10) }
                },
            )
            .await;
        assert_eq!(first, Ok(10));
        let second = kept
            .get_or_compute::<(), _, _>(
                "acme",
                1_001,
                || async { Ok(2) },
                |f| {
                    let f = *f;
                    async move { Ok(f * 10) }
                },
            )
            .await;
        assert_eq!(second, Ok(20), "written since: computed again");
        let third = kept
            .get_or_compute::<(), _, _>("acme", 1_002, || async { Ok(2) }, |_| async { Err(()) })
            .await;
        assert_eq!(third, Ok(20), "nothing written: kept");
    }
}
