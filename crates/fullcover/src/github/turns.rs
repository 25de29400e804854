//! Pacing that several replicas share. GitHub counts an installation's content-creating
//! requests wherever they come from, so each replica's own [`super::limits::Pacer`] is
//! not enough: before a write, the replica claims the installation's turn in a ledger
//! every replica reads (the store), and afterwards logs when the request finished and
//! hands the turn back. The ledger says when the next request may go out (at least
//! `min_interval` after the last one finished, at most `per_minute` and `per_hour` in
//! their windows), so the limits hold across replicas and across restarts.
//!
//! A replica killed while holding the turn holds it until its lease runs out; the next
//! claimer logs a request as finished at that moment (the one the vanished holder may
//! have sent), so nothing it did goes uncounted. The lease outlasts [`WRITE_DEADLINE`],
//! the longest a write may take, so a live holder never loses its turn mid-request.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::limits::Pacing;

/// The longest one content-creating request may take, answer included (GitHub itself
/// gives up on a request after 10 s).
pub const WRITE_DEADLINE: Duration = Duration::from_secs(20);

/// How long a claimed turn is held before another replica may take it over.
pub const TURN_LEASE: Duration = Duration::from_secs(30);

/// What a claim of an installation's turn gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteClaim {
    /// The turn is this replica's: `turn` fences its release.
    Granted { turn: i64 },
    /// The turn is this replica's, taken over from a holder whose lease ran out at
    /// `since` (milliseconds on the ledger's clock) without finishing.
    Orphaned { turn: i64, since: i64 },
    /// Not now: another replica holds the turn (`held`), or the next request may go out
    /// in `millis`.
    Wait { millis: i64, held: bool },
}

/// Where replicas keep their shared pacing.
pub trait TurnLedger: Send + Sync {
    fn claim<'a>(
        &'a self,
        installation_id: i64,
        holder: &'a str,
        lease_millis: i64,
    ) -> BoxFuture<'a, Result<WriteClaim, String>>;

    /// Logs a finished request (now, or at `finished_at`), sets when the next may go out
    /// under `pacing`, and hands the turn back if it is still `turn`.
    fn finish<'a>(
        &'a self,
        installation_id: i64,
        turn: i64,
        finished_at: Option<i64>,
        pacing: &'a Pacing,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// This process's side of the shared pacing.
pub struct SharedTurns {
    ledger: Arc<dyn TurnLedger>,
    /// This process, among the replicas.
    holder: String,
    pacing: Pacing,
}

impl std::fmt::Debug for SharedTurns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTurns")
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// An installation's turn, held until [`SharedTurns::finish`].
#[derive(Debug)]
#[must_use = "a turn must be finished, or it blocks the installation until its lease runs out"]
pub struct SharedTurn {
    installation_id: i64,
    turn: i64,
}

impl SharedTurns {
    /// `None` when `pacing` limits nothing (there is nothing to share).
    pub fn new(ledger: Arc<dyn TurnLedger>, pacing: Pacing) -> Option<SharedTurns> {
        let unlimited = pacing.min_interval.is_zero()
            && pacing.per_minute == usize::MAX
            && pacing.per_hour == usize::MAX;
        (!unlimited).then(|| SharedTurns {
            ledger,
            holder: uuid::Uuid::new_v4().simple().to_string(),
            pacing,
        })
    }

    /// Waits until this replica may send the installation's next content-creating
    /// request, and takes the turn. Waiting for the pacing is bounded by the pacing
    /// itself (an hour at most); a ledger that cannot be reached is an error (a write
    /// that might break GitHub's limits is not sent).
    pub async fn take(&self, installation_id: i64) -> Result<SharedTurn, String> {
        let lease = i64::try_from(TURN_LEASE.as_millis()).unwrap_or(i64::MAX);
        loop {
            match self
                .ledger
                .claim(installation_id, &self.holder, lease)
                .await?
            {
                WriteClaim::Granted { turn } => {
                    return Ok(SharedTurn {
                        installation_id,
                        turn,
                    });
                }
                WriteClaim::Orphaned { turn, since } => {
                    tracing::warn!(
                        installation_id,
                        "a replica vanished holding the turn to write: counting its request"
                    );
                    self.ledger
                        .finish(installation_id, turn, Some(since), &self.pacing)
                        .await?;
                }
                WriteClaim::Wait { held: true, .. } => {
                    // The holder's request finishes no sooner than now, and the next may
                    // go out `min_interval` after it.
                    tokio::time::sleep(self.pacing.min_interval.max(Duration::from_millis(1)))
                        .await;
                }
                WriteClaim::Wait {
                    millis,
                    held: false,
                } => {
                    let millis = u64::try_from(millis).unwrap_or(0);
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                }
            }
        }
    }

    /// Logs the request as finished now and hands the turn back.
    pub async fn finish(&self, turn: SharedTurn) -> Result<(), String> {
        self.ledger
            .finish(turn.installation_id, turn.turn, None, &self.pacing)
            .await
    }
}
