//! A small per-process cache of computed views: each value is kept under a fingerprint
//! of what it was computed from (read from the database, so replicas see each other's
//! writes) and for at most a time, since the views also move with the clock.

use std::collections::HashMap;
use std::sync::Mutex;

/// Entries kept at most; beyond, the cache starts afresh.
const ENTRIES: usize = 1_024;

/// Values by key, each valid while its fingerprint holds and for `seconds`.
#[derive(Debug)]
pub struct Kept<F, V> {
    seconds: i64,
    entries: Mutex<HashMap<String, Entry<F, V>>>,
}

#[derive(Debug)]
struct Entry<F, V> {
    fingerprint: F,
    at: i64,
    value: V,
}

impl<F: PartialEq, V: Clone> Kept<F, V> {
    pub fn for_seconds(seconds: i64) -> Self {
        Kept {
            seconds,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value kept under `key`, if computed from `fingerprint` less than the cache's
    /// time before `now`.
    pub fn get(&self, key: &str, fingerprint: &F, now: i64) -> Option<V> {
        // A poisoned lock only means another reader panicked: the map is still whole.
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|entry| entry.fingerprint == *fingerprint && now - entry.at < self.seconds)
            .map(|entry| entry.value.clone())
    }

    pub fn put(&self, key: String, fingerprint: F, at: i64, value: V) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                fingerprint,
                at,
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
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
}
