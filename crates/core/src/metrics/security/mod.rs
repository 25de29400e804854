//! Security outcomes measured like DORA, from GitHub's own alerts: time to remediate
//! (M1), SLA attainment (M2), time to detect (M3), exposure window (M4), detection rate
//! (M5), escape rate (M6), security change failure rate (M7), net resolve rate (M11)
//! and reopen rate (M12). Pure: the store loads a [`SecurityRecord`], this turns it
//! into a report at a given time. Definitions: shared/reference/security-metrics.md,
//! with the conventions of docs/design.md.

mod model;

pub use self::model::{
    ChecksAtMerge, CloseReason, Family, Finding, LifecycleEvent, LifecycleKind, MergedPullRequest,
    PullRequestAlert, ScopeSpell, SecurityPolicy, SecurityRecord, Severity, SlaDays,
};
