//! What one scan may cost, whatever the repository holds: a number of requests (the
//! tree walk and the blob reads share it, and none is made into the reserve the
//! installation keeps for everything else), the bytes read of one blob, and the bytes in
//! flight at once.

use crate::github::limits::Budget;

/// Requests one scan may make to list and read a repository. A repository that fits in
/// one recursive tree (up to 100,000 entries) needs one for the tree plus one per file
/// detection reads; 400 covers the manifests, workflows and ambiguous files of all but
/// the largest monorepos while keeping 12 full scans within GitHub's smallest hourly
/// installation budget (5,000).
pub const SCAN_REQUESTS: usize = 400;

/// Of the installation's hourly primary budget, this fraction (1/N) is kept for
/// everything that is not a scan's listing and reading (deliveries, check runs, GitHub's
/// controls, alerts): a scan makes no request while the remaining budget is at or below
/// it, so no repository, however large, can starve the rest.
pub const RESERVE_SHARE: u64 = 10;

/// Of a scan's requests, the tree walk may use all but this fraction (1/N): the rest is
/// kept for the blobs of what the walk listed.
const BLOB_RESERVE: usize = 4;

/// Bytes of blobs in flight at once for one scan (one worker runs one scan at a time).
pub const BYTES_IN_FLIGHT: usize = 16 * 1024 * 1024;

/// The largest blob GitHub serves through the Git blobs API.
pub const BLOB_API_MAX: u64 = 100 * 1024 * 1024;

/// Whether the installation's budget, as GitHub last reported it, is above the reserve
/// scans leave to everything else (unknown before any answer: then it is).
pub fn above_reserve(budget: Budget) -> bool {
    match budget.remaining {
        None => true,
        Some(remaining) => {
            let limit = budget.limit.unwrap_or(remaining).max(remaining);
            remaining > limit / RESERVE_SHARE
        }
    }
}

/// Requests left to a scan, counted as they are made.
#[derive(Debug, Clone, Copy)]
pub struct Requests {
    allowed: usize,
    spent: usize,
    /// A request was refused because the installation's budget reached the reserve.
    held_back: bool,
}

impl Requests {
    pub fn new(allowed: usize) -> Requests {
        Requests {
            allowed,
            spent: 0,
            held_back: false,
        }
    }

    /// Takes one request if the scan's budget has one left and the installation's
    /// `budget` is above the reserve.
    pub fn take(&mut self, budget: Budget) -> bool {
        if self.spent >= self.allowed {
            false
        } else if !above_reserve(budget) {
            self.held_back = true;
            false
        } else {
            self.spent += 1;
            true
        }
    }

    /// Takes one request for the tree walk, which leaves a share for blobs (and always
    /// has the first request of a non-zero budget: the recursive listing).
    pub fn take_for_walk(&mut self, budget: Budget) -> bool {
        let walk_allowed = self.allowed - self.allowed / BLOB_RESERVE;
        self.spent < walk_allowed && self.take(budget)
    }

    pub fn spent(&self) -> usize {
        self.spent
    }

    pub fn allowed(&self) -> usize {
        self.allowed
    }

    /// Whether the installation's reserve, not the scan's own budget, stopped a request.
    pub fn held_back(&self) -> bool {
        self.held_back
    }
}

/// Permits (KiB) a blob read of `bytes` holds on the in-flight semaphore: at least one,
/// at most all of them, so that any read can proceed alone.
pub fn kib_permits(bytes: usize) -> u32 {
    let total = BYTES_IN_FLIGHT / 1024;
    let kib = bytes.div_ceil(1024).clamp(1, total);
    u32::try_from(kib).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(remaining: Option<u64>) -> Budget {
        Budget {
            limit: Some(5000),
            remaining,
            reset: Some(0),
        }
    }

    #[test]
    fn the_reserve_is_a_tenth_of_the_hourly_budget() {
        assert!(above_reserve(budget(None)));
        assert!(above_reserve(budget(Some(501))));
        assert!(!above_reserve(budget(Some(500))));
        assert!(!above_reserve(budget(Some(0))));
        let mut requests = Requests::new(10);
        assert!(requests.take(budget(Some(4000))));
        assert!(!requests.held_back());
        assert!(!requests.take(budget(Some(499))));
        assert!(requests.held_back());
        assert_eq!(requests.spent(), 1);
    }

    #[test]
    fn the_walk_leaves_a_quarter_for_blobs() {
        let fresh = budget(None);
        let mut requests = Requests::new(8);
        let walked = std::iter::from_fn(|| requests.take_for_walk(fresh).then_some(()));
        assert_eq!(walked.count(), 6);
        assert!(requests.take(fresh) && requests.take(fresh) && !requests.take(fresh));
        assert!(!requests.held_back(), "the scan's own budget ran out");
        let mut one = Requests::new(1);
        assert!(
            one.take_for_walk(fresh),
            "the recursive listing is always made"
        );
        assert!(!one.take_for_walk(fresh) && !one.take(fresh));
    }

    #[test]
    fn permits_are_kib_within_the_whole() {
        assert_eq!(kib_permits(0), 1);
        assert_eq!(kib_permits(1025), 2);
        assert_eq!(kib_permits(usize::MAX), (BYTES_IN_FLIGHT / 1024) as u32);
    }
}
