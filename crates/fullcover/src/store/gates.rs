//! One async lock per key, made on first use: work on one key (an organisation) runs
//! one at a time in this process while other keys go on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Keys remembered at most; beyond, the map starts afresh.
const KEYS: usize = 1_024;

#[derive(Debug, Default)]
pub struct Gates {
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Gates {
    /// The lock of `key`. A caller that still holds a lock forgotten when the map
    /// started afresh keeps it; the next caller gets a new one, so at worst two holders
    /// of one key overlap once.
    pub fn of(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        // A poisoned lock only means another caller panicked: the map is still whole.
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if gates.len() >= KEYS && !gates.contains_key(key) {
            gates.clear();
        }
        gates.entry(key.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_key_and_keys_apart() {
        let gates = Gates::default();
        let acme = gates.of("acme");
        let held = acme.lock().await;
        assert!(gates.of("acme").try_lock().is_err(), "the same key waits");
        assert!(
            gates.of("globex").try_lock().is_ok(),
            "another key does not"
        );
        drop(held);
        assert!(gates.of("acme").try_lock().is_ok());
    }
}
