//! A seeded repository's findings history, scaled from the demo's (`super::super::
//! security`): alerts of the three families with severities, fixed after a delay that
//! grows as severity falls, some dismissed (false positive, risk accepted), some open
//! and overdue; and merged pull requests with passed, failed or missing checks.

use fullcover_core::metrics::DAY;
use fullcover_core::metrics::security::{Family, Severity};

use crate::store::{Cell, Rows};

pub(super) const FINDING_COLUMNS: &[&str] = &[
    "repository_id",
    "family",
    "number",
    "severity",
    "state",
    "created_at",
    "default_branch_at",
    "introduced_at",
    "introduced_commit",
    "advisory_published_at",
    "pull_request",
    "partial_history",
    "updated_at",
];
pub(super) const FINDING_EVENT_COLUMNS: &[&str] = &[
    "repository_id",
    "family",
    "number",
    "kind",
    "reason",
    "by_user",
    "at",
    "delivery_guid",
];
pub(super) const MERGE_COLUMNS: &[&str] = &[
    "repository_id",
    "number",
    "head_sha",
    "merge_commit_sha",
    "commits",
    "merged_at",
    "covered_at_merge",
    "checks_at_merge",
];

/// The findings tables of a batch.
pub(super) struct FindingRows {
    pub findings: Rows,
    pub events: Rows,
    pub merges: Rows,
}

impl FindingRows {
    pub fn new() -> FindingRows {
        FindingRows {
            findings: Rows::new("findings", FINDING_COLUMNS),
            events: Rows::new("finding_events", FINDING_EVENT_COLUMNS),
            merges: Rows::new("merged_pull_requests", MERGE_COLUMNS),
        }
    }
}

/// A repository's span in the record and whether it was covered on a day.
pub(super) struct Span<'a> {
    pub repository: i64,
    pub from: i64,
    pub until: i64,
    pub now: i64,
    pub covered_at: &'a dyn Fn(i64) -> bool,
}

/// Days to fix, drawn by severity (criticals in days, lows in months).
fn days_to_fix(rng: &mut fastrand::Rng, severity: Severity) -> f64 {
    let scale = match severity {
        Severity::Critical => 4.0,
        Severity::High => 15.0,
        Severity::Medium => 40.0,
        _ => 90.0,
    };
    0.1 + scale * rng.f64() * 2.0
}

/// Writes the repository's findings (about one every two months) and merges (about
/// one a month); returns (findings, merges) written.
pub(super) fn draw(
    rng: &mut fastrand::Rng,
    span: &Span<'_>,
    rows: &mut FindingRows,
) -> crate::store::Result<(u64, u64)> {
    let days = (span.until - span.from) / DAY;
    if days <= 0 {
        return Ok((0, 0));
    }
    let alerts = rng.i64(0..=days / 30 + 1);
    let mut numbers = [0_i64; 3];
    for _ in 0..alerts {
        let family = Family::ALL[rng.usize(..Family::ALL.len())];
        let family_index = Family::ALL
            .iter()
            .position(|known| *known == family)
            .unwrap_or(0);
        numbers[family_index] += 1;
        let number = numbers[family_index];
        let severity = match rng.u8(..100) {
            0..10 => Severity::Critical,
            10..45 => Severity::High,
            45..85 => Severity::Medium,
            _ => Severity::Low,
        };
        let created = span.from + rng.i64(0..days * DAY);
        let undetected = match family {
            Family::SecretScanning => rng.i64(60..3_600),
            _ => rng.i64(DAY..120 * DAY),
        };
        let roll = rng.u8(..100);
        let closed_at = created + (days_to_fix(rng, severity) * DAY as f64) as i64;
        let (state, closing) = if roll < 10 && closed_at <= span.now {
            let reason = if rng.bool() {
                "false_positive"
            } else {
                "tolerable_risk"
            };
            ("dismissed", Some(("dismissed", Some(reason), closed_at)))
        } else if roll < 85 && closed_at <= span.now {
            let state = if family == Family::SecretScanning {
                "resolved"
            } else {
                "fixed"
            };
            (state, Some(("fixed", None, closed_at)))
        } else {
            ("open", None)
        };
        let family_name = family.as_str();
        let advisory = (family == Family::Dependabot).then(|| created - rng.i64(0..5 * DAY));
        rows.findings.push([
            span.repository.into(),
            family_name.into(),
            number.into(),
            severity.as_str().into(),
            state.into(),
            created.into(),
            Some(created).into(),
            Some(created - undetected).into(),
            Cell::NullText,
            advisory.into(),
            Cell::NullInt,
            0.into(),
            span.now.into(),
        ])?;
        let event = |kind: &str, reason: Option<&str>, at: i64| -> [Cell; 8] {
            [
                span.repository.into(),
                family_name.into(),
                number.into(),
                kind.into(),
                reason.into(),
                0.into(),
                at.into(),
                Cell::NullText,
            ]
        };
        rows.events.push(event("created", None, created))?;
        if let Some((kind, reason, at)) = closing {
            rows.events.push(event(kind, reason, at))?;
        }
    }
    let merges = rng.i64(0..=days / 15);
    for index in 0..merges {
        let number = 100 + index;
        let merged_at = span.from + rng.i64(0..days * DAY);
        let checks = match rng.u8(..100) {
            0..85 => "passed",
            85..95 => "failed",
            _ => "missing",
        };
        rows.merges.push([
            span.repository.into(),
            number.into(),
            format!("pr{number}-head").into(),
            Some(format!("pr{number}-merge").as_str()).into(),
            format!("[\"pr{number}-commit-1\",\"pr{number}-head\"]").into(),
            merged_at.into(),
            i64::from((span.covered_at)(merged_at)).into(),
            checks.into(),
        ])?;
    }
    Ok((
        u64::try_from(alerts).unwrap_or(0),
        u64::try_from(merges).unwrap_or(0),
    ))
}
