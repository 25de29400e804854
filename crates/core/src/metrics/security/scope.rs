//! Which repositories were in scope when: the [`ScopeSpell`]s of each repository,
//! merged into disjoint `[entered, left)` intervals. An event counts by the scope at its
//! time.
//!
//! A repository with no spell at all is in scope at every time: the record has nothing
//! that says it ever left, and the store writes spells only from the moment it tracks
//! scope, so leaving such a repository out would silently drop its whole history. A
//! spell whose `left` is not after `entered` lasts no time (its repository still has
//! spells, so it is not "always in scope").

use std::collections::HashMap;

use super::model::ScopeSpell;

#[derive(Debug, Default)]
pub(super) struct Scope {
    /// Per repository: disjoint spells `[entered, left)` in time order (`left` =
    /// `i64::MAX` while still in scope).
    spells: HashMap<i64, Vec<(i64, i64)>>,
}

impl Scope {
    pub(super) fn new(spells: &[ScopeSpell]) -> Scope {
        let mut by_repo: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        for spell in spells {
            let left = spell.left.unwrap_or(i64::MAX);
            let entry = by_repo.entry(spell.repository).or_default();
            if left > spell.entered {
                entry.push((spell.entered, left));
            }
        }
        for intervals in by_repo.values_mut() {
            intervals.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(intervals.len());
            for &(start, end) in intervals.iter() {
                match merged.last_mut() {
                    Some(last) if start <= last.1 => last.1 = last.1.max(end),
                    _ => merged.push((start, end)),
                }
            }
            *intervals = merged;
        }
        Scope { spells: by_repo }
    }

    /// Whether `repository` was in scope at `t`.
    pub(super) fn contains(&self, repository: i64, t: i64) -> bool {
        match self.spells.get(&repository) {
            None => true,
            Some(spells) => spells.iter().any(|&(start, end)| start <= t && t < end),
        }
    }

    /// The times `repository` left scope, up to `now`, in order.
    pub(super) fn exits(&self, repository: i64, now: i64) -> impl Iterator<Item = i64> + '_ {
        self.spells
            .get(&repository)
            .into_iter()
            .flatten()
            .map(|&(_, end)| end)
            .filter(move |&end| end <= now)
    }

    /// Seconds of `[from, to)` during which `repository` was in scope.
    pub(super) fn overlap(&self, repository: i64, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        match self.spells.get(&repository) {
            None => to.saturating_sub(from),
            Some(spells) => spells
                .iter()
                .map(|&(start, end)| {
                    let (a, b) = (start.max(from), end.min(to));
                    if b > a { b.saturating_sub(a) } else { 0 }
                })
                .fold(0_i64, i64::saturating_add),
        }
    }
}
