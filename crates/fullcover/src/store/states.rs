//! The states and events the record keeps, as enums with one spelling each in the
//! database: a value read back that no variant spells is [`StoreError::Corrupt`], never a
//! silent default.

use super::{Result, StoreError};

/// Declares an enum stored as text: `as_str` writes it, `parse` reads it back.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$variant_meta:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The spelling stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Reads a stored spelling back.
            pub fn parse(value: &str) -> Result<$name> {
                match value {
                    $($text => Ok($name::$variant),)+
                    other => Err(StoreError::Corrupt {
                        what: $what,
                        detail: other.to_owned(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// Where a repository stands with Fullcover.
    RepoState, "repository state" {
        /// In scope, not scanned yet (or a scan is due).
        Pending => "pending",
        /// An onboarding pull request is open.
        Onboarding => "onboarding",
        /// Every requirement is met.
        Covered => "covered",
        /// Its onboarding pull request was closed without merging, or its configuration
        /// says so: nothing is proposed until it opts in again.
        OptedOut => "opted_out",
        /// Out of scope: archived, a fork, empty, deleted, removed from the installation.
        Excluded => "excluded",
    }
}

stored_enum! {
    /// Whether GitHub lets the App act for an installation.
    InstallationState, "installation state" {
        Active => "active",
        Suspended => "suspended",
        Deleted => "deleted",
    }
}

stored_enum! {
    /// The onboarding pull request's state.
    PullRequestState, "pull request state" {
        Open => "open",
        Merged => "merged",
        Closed => "closed",
    }
}

stored_enum! {
    /// What happened to the onboarding pull request (the funnel counts these).
    PullRequestEvent, "pull request event" {
        Opened => "opened",
        Updated => "updated",
        Merged => "merged",
        Closed => "closed",
        Reopened => "reopened",
    }
}

impl PullRequestEvent {
    /// The state the pull request is in after this event.
    pub fn state_after(self) -> PullRequestState {
        match self {
            PullRequestEvent::Opened | PullRequestEvent::Updated | PullRequestEvent::Reopened => {
                PullRequestState::Open
            }
            PullRequestEvent::Merged => PullRequestState::Merged,
            PullRequestEvent::Closed => PullRequestState::Closed,
        }
    }
}

stored_enum! {
    /// How one requirement changed between two scans of a repository.
    RequirementEvent, "requirement event" {
        /// Required for the first time.
        Appeared => "appeared",
        /// Satisfied for the first time.
        Satisfied => "satisfied",
        /// Was satisfied, is not any more.
        Broken => "broken",
        /// Satisfied again after it broke.
        Restored => "restored",
    }
}

stored_enum! {
    /// Where a job is in the queue.
    JobState, "job state" {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
        /// Put back while the same job was queued again: that one stands for both.
        Superseded => "superseded",
    }
}

stored_enum! {
    /// What a job does.
    JobKind, "job kind" {
        /// List an installation's repositories and queue a scan for each.
        SyncInstallation => "sync_installation",
        /// Scan one repository and open or update its onboarding pull request.
        Scan => "scan",
        /// Read the alerts of an installation's account into the security record.
        BackfillFindings => "backfill_findings",
        /// Read what a repository's commits say that events do not: merged pull
        /// requests' commits, when a secret's commit was made.
        CommitFacts => "commit_facts",
        /// Read the latest runs of the scanner workflows of quiet repositories.
        CheckRuns => "check_runs",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Result<T>,
    ) {
        let mut spellings = std::collections::HashSet::new();
        for &value in all {
            assert!(spellings.insert(as_str(value)), "{value:?} spelt twice");
            assert_eq!(parse(as_str(value)).unwrap(), value);
        }
        assert!(matches!(parse("Active "), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn every_state_reads_back_what_it_writes_and_nothing_else() {
        round_trips(RepoState::ALL, RepoState::as_str, RepoState::parse);
        round_trips(
            InstallationState::ALL,
            InstallationState::as_str,
            InstallationState::parse,
        );
        round_trips(
            PullRequestState::ALL,
            PullRequestState::as_str,
            PullRequestState::parse,
        );
        round_trips(
            PullRequestEvent::ALL,
            PullRequestEvent::as_str,
            PullRequestEvent::parse,
        );
        round_trips(
            RequirementEvent::ALL,
            RequirementEvent::as_str,
            RequirementEvent::parse,
        );
        round_trips(JobState::ALL, JobState::as_str, JobState::parse);
        round_trips(JobKind::ALL, JobKind::as_str, JobKind::parse);
    }

    #[test]
    fn a_pull_request_event_leaves_it_in_the_state_it_names() {
        assert_eq!(
            PullRequestEvent::Merged.state_after(),
            PullRequestState::Merged
        );
        assert_eq!(
            PullRequestEvent::Closed.state_after(),
            PullRequestState::Closed
        );
        assert_eq!(
            PullRequestEvent::Reopened.state_after(),
            PullRequestState::Open
        );
        assert_eq!(
            PullRequestEvent::Updated.state_after(),
            PullRequestState::Open
        );
    }
}
