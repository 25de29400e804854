//! What one scan may cost, whatever the repository holds: a number of requests (the
//! tree walk and the blob reads share it, and it is never more than a share of what the
//! installation has left), the bytes read of one blob, and the bytes in flight at once.

use crate::github::limits::Budget;

/// Requests one scan may make to list and read a repository. A repository that fits in
/// one recursive tree (up to 100,000 entries) needs one for the tree plus one per file
/// detection reads; 400 covers the manifests, workflows and ambiguous files of all but
/// the largest monorepos while keeping 12 full scans within GitHub's smallest hourly
/// installation budget (5,000).
pub const SCAN_REQUESTS: usize = 400;

/// A scan may spend at most this fraction (1/N) of the installation's remaining primary
/// budget, so that one large repository cannot starve the others' scans, deliveries and
/// check runs.
pub const RATE_SHARE: u64 = 10;

/// Of a scan's requests, the tree walk may use all but this fraction (1/N): the rest is
/// kept for the blobs of what the walk listed.
const BLOB_RESERVE: usize = 4;

/// Bytes of blobs in flight at once for one scan (one worker runs one scan at a time).
pub const BYTES_IN_FLIGHT: usize = 16 * 1024 * 1024;

/// The largest blob GitHub serves through the Git blobs API.
pub const BLOB_API_MAX: u64 = 100 * 1024 * 1024;

/// The requests a scan may make now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub requests: usize,
    /// The installation's remaining budget, not [`SCAN_REQUESTS`], set the number: a
    /// scan that spends it all should wait for the budget's reset rather than record a
    /// partial view.
    pub by_share: bool,
}

impl Allowance {
    /// What a scan may spend given the installation's budget as GitHub last reported it
    /// (unknown before any answer: then only the cap applies).
    pub fn of(cap: usize, budget: Budget) -> Allowance {
        match budget.remaining {
            Some(remaining) => {
                let share = usize::try_from(remaining / RATE_SHARE).unwrap_or(usize::MAX);
                Allowance {
                    requests: cap.min(share),
                    by_share: share < cap,
                }
            }
            None => Allowance {
                requests: cap,
                by_share: false,
            },
        }
    }
}

/// Requests left to a scan, counted as they are made.
#[derive(Debug, Clone, Copy)]
pub struct Requests {
    allowed: usize,
    spent: usize,
}

impl Requests {
    pub fn new(allowed: usize) -> Requests {
        Requests { allowed, spent: 0 }
    }

    /// Takes one request if the budget has one left.
    pub fn take(&mut self) -> bool {
        if self.spent < self.allowed {
            self.spent += 1;
            true
        } else {
            false
        }
    }

    /// Takes one request for the tree walk, which leaves a share for blobs (and always
    /// has the first request of a non-zero budget: the recursive listing).
    pub fn take_for_walk(&mut self) -> bool {
        let walk_allowed = self.allowed - self.allowed / BLOB_RESERVE;
        self.spent < walk_allowed && self.take()
    }

    pub fn spent(&self) -> usize {
        self.spent
    }

    pub fn left(&self) -> usize {
        self.allowed.saturating_sub(self.spent)
    }

    pub fn allowed(&self) -> usize {
        self.allowed
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
    fn allowance_is_the_cap_or_a_share_of_what_is_left() {
        assert_eq!(
            Allowance::of(400, budget(None)),
            Allowance {
                requests: 400,
                by_share: false
            }
        );
        assert_eq!(
            Allowance::of(400, budget(Some(5000))),
            Allowance {
                requests: 400,
                by_share: false
            }
        );
        assert_eq!(
            Allowance::of(400, budget(Some(1234))),
            Allowance {
                requests: 123,
                by_share: true
            }
        );
        assert_eq!(Allowance::of(400, budget(Some(5))).requests, 0);
    }

    #[test]
    fn the_walk_leaves_a_quarter_for_blobs() {
        let mut requests = Requests::new(8);
        let walked = std::iter::from_fn(|| requests.take_for_walk().then_some(()));
        assert_eq!(walked.count(), 6);
        assert_eq!(requests.left(), 2);
        assert!(requests.take() && requests.take() && !requests.take());
        let mut one = Requests::new(1);
        assert!(one.take_for_walk(), "the recursive listing is always made");
        assert!(!one.take_for_walk() && !one.take());
    }

    #[test]
    fn permits_are_kib_within_the_whole() {
        assert_eq!(kib_permits(0), 1);
        assert_eq!(kib_permits(1025), 2);
        assert_eq!(kib_permits(usize::MAX), (BYTES_IN_FLIGHT / 1024) as u32);
    }
}
