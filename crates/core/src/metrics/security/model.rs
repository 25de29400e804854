//! The record the security metrics read: findings (one GitHub alert each) with their
//! append-only lifecycle, repository scope as intervals, and merged pull requests. The
//! store keeps these rows; the metrics are computed from them and nothing else.
//! Times are Unix seconds (UTC).

use serde::{Deserialize, Serialize};

/// Which GitHub feature raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    CodeScanning,
    Dependabot,
    SecretScanning,
}

impl Family {
    pub const ALL: [Family; 3] = [
        Family::CodeScanning,
        Family::Dependabot,
        Family::SecretScanning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::CodeScanning => "code_scanning",
            Family::Dependabot => "dependabot",
            Family::SecretScanning => "secret_scanning",
        }
    }
}

/// Normalised severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Reads GitHub's spellings: `security_severity_level` and advisory severities
    /// (`low`, `medium`/`moderate`, `high`, `critical`), and code scanning's
    /// `rule.severity` (`error` high, `warning` medium, `note` low) when a rule has no
    /// security severity.
    pub fn from_github(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" | "error" => Some(Severity::High),
            "medium" | "moderate" | "warning" => Some(Severity::Medium),
            "low" | "note" => Some(Severity::Low),
            _ => None,
        }
    }
}

/// Why a finding was dismissed (code scanning and Dependabot) or resolved without a fix
/// (secret scanning), in one vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    FalsePositive,
    WontFix,
    UsedInTests,
    TolerableRisk,
    NoBandwidth,
    NotUsed,
    Inaccurate,
    /// Secret scanning: the pattern was edited or deleted.
    PatternChanged,
}

impl CloseReason {
    /// Reads GitHub's dismissal and resolution reasons (`false positive`,
    /// `false_positive`, `won't fix`, `wont_fix`, `used in tests`, `tolerable_risk`, ...).
    pub fn from_github(text: &str) -> Option<CloseReason> {
        let key: String = text
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Some(match key.as_str() {
            "falsepositive" => CloseReason::FalsePositive,
            "wontfix" => CloseReason::WontFix,
            "usedintests" => CloseReason::UsedInTests,
            "tolerablerisk" => CloseReason::TolerableRisk,
            "nobandwidth" => CloseReason::NoBandwidth,
            "notused" => CloseReason::NotUsed,
            "inaccurate" => CloseReason::Inaccurate,
            "patternedited" | "patterndeleted" => CloseReason::PatternChanged,
            _ => return None,
        })
    }

    /// Not a real finding: out of every outcome metric.
    pub fn is_false_positive(self) -> bool {
        matches!(self, CloseReason::FalsePositive | CloseReason::Inaccurate)
    }

    /// Not applicable (the dependency is not used, the pattern changed): out of SLA
    /// figures, like false positives.
    pub fn is_not_applicable(self) -> bool {
        matches!(self, CloseReason::NotUsed | CloseReason::PatternChanged)
    }

    /// Risk accepted: not a remediation; the finding stays open for SLA and exposure.
    pub fn is_risk_accepted(self) -> bool {
        !self.is_false_positive() && !self.is_not_applicable()
    }
}

/// One step in a finding's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LifecycleKind {
    Created,
    /// First seen on the default branch (an alert raised on a pull request before).
    AppearedOnDefaultBranch,
    /// Fixed (code scanning, Dependabot) or revoked (secret scanning).
    Fixed,
    Dismissed {
        reason: CloseReason,
    },
    AutoDismissed,
    /// Reopened; `by_user` when a person reversed a dismissal.
    Reopened {
        by_user: bool,
    },
    AutoReopened,
    /// Fixed, then found again.
    Reintroduced,
}

/// A lifecycle event of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    pub at: i64,
    #[serde(flatten)]
    pub kind: LifecycleKind,
}

/// One GitHub alert, with its events in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub repository: i64,
    pub family: Family,
    pub number: i64,
    pub severity: Severity,
    pub created_at: i64,
    /// When it first reached the default branch; `None` if it never did (a pull
    /// request's alert fixed before merge, a branch deleted).
    pub default_branch_at: Option<i64>,
    /// When the flaw entered the code, where GitHub tells it; `created_at` otherwise.
    pub introduced_at: Option<i64>,
    /// The commit that introduced it, where GitHub tells it.
    pub introduced_commit: Option<String>,
    /// Dependabot: when the advisory was published.
    pub advisory_published_at: Option<i64>,
    /// Read by backfill: earlier close/reopen cycles are not known.
    pub partial_history: bool,
    pub events: Vec<LifecycleEvent>,
}

/// A span of time a repository was in scope: `[entered, left)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSpell {
    pub repository: i64,
    pub entered: i64,
    pub left: Option<i64>,
    /// Why it left (archived, deleted, removed from the installation, ...).
    pub reason: Option<String>,
}

/// How a required security check stood on a pull request's head commit at merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksAtMerge {
    /// Every required security check succeeded.
    Passed,
    /// One failed, timed out, was cancelled or needed action.
    Failed,
    /// One had not run or had not finished.
    Missing,
}

/// A pull request merged into a covered repository's default branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPullRequest {
    pub repository: i64,
    pub number: i64,
    pub head_sha: String,
    pub merge_commit_sha: Option<String>,
    /// Every commit of the pull request, for attributing findings to it.
    pub commits: Vec<String>,
    pub merged_at: i64,
    /// Whether the repository was fully covered at merge time.
    pub covered_at_merge: bool,
    pub checks_at_merge: ChecksAtMerge,
}

/// An alert raised on a pull request before merge (its ref, not the default branch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestAlert {
    pub repository: i64,
    pub pull_request: i64,
    pub family: Family,
    pub number: i64,
    pub severity: Severity,
    pub created_at: i64,
    /// When it was fixed on the pull request, if before merge.
    pub fixed_at: Option<i64>,
    /// Dismissed as a false positive: out of every figure.
    pub false_positive: bool,
}

/// Everything the security metrics of one organisation read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityRecord {
    pub findings: Vec<Finding>,
    pub scope: Vec<ScopeSpell>,
    pub merged_pull_requests: Vec<MergedPullRequest>,
    pub pull_request_alerts: Vec<PullRequestAlert>,
}

/// What the metrics count and against which clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// The window W: this many days up to now.
    pub window_days: i64,
    /// "S": findings at or above this severity.
    pub threshold: Severity,
    /// Days to fix, per severity.
    pub sla_days: SlaDays,
    /// M7: how long after a merge a finding is still attributed to it.
    pub change_failure_horizon_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaDays {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl SlaDays {
    pub fn of(&self, severity: Severity) -> i64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            window_days: 90,
            threshold: Severity::High,
            sla_days: SlaDays {
                critical: 7,
                high: 30,
                medium: 90,
                low: 120,
            },
            change_failure_horizon_days: 30,
        }
    }
}
