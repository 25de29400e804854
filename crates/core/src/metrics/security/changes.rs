//! M5 detection rate, M6 escape rate and M7 security change failure rate: what merged
//! pull requests brought to the default branch.
//!
//! - Merges: pull requests merged in W while their repository was in scope, each
//!   (repository, number) once. The population of M5, M6 and M7 is those merged in a
//!   repository covered at merge; the others are "unscanned" (M6's `unscanned_ratio` =
//!   unscanned ÷ all merges) and in no other figure.
//! - Attribution (M5, M7): a severity-S finding that reached the default branch and is
//!   not a false positive belongs to the earliest merged pull request whose merge
//!   commit or one of whose commits is its `introduced_commit` (code scanning: the
//!   alert's commit; secrets: the location's commit), merged no later than the finding
//!   reached the default branch; and only if it reached the default branch within the
//!   horizon after that merge, and, for Dependabot, the advisory was published before
//!   the merge (otherwise it is a disclosure, not a change failure).
//! - M6: a merge escaped when a required security check failed or was missing on its
//!   head commit, or a severity-S pull-request alert (not a false positive) was open at
//!   merge. Tier: ≤ 1 % elite, ≤ 5 % high, ≤ 10 % medium, when merged ≥ 5.
//! - M7: distinct pull requests with at least one attributed finding ÷ the population;
//!   provisional while some merge's horizon has not closed. Tier: ≤ 5 %, ≤ 10 %, ≤ 15 %.
//! - M5: findings of the population's pull requests, each (repository, family, number)
//!   once: caught before merge = a severity-S pull-request alert fixed before merge;
//!   after merge = an attributed finding or a severity-S pull-request alert still open
//!   at merge. Tier: ≥ 95 %, ≥ 85 %, ≥ 70 %, when pre + post ≥ 5.

use std::collections::{HashMap, HashSet};

use super::context::{Context, days};
use super::model::{ChecksAtMerge, Family, Finding, MergedPullRequest, PullRequestAlert};
use super::report::{ChangeFailureRate, DetectionRate, EscapeRate, ratio};
use super::stats::{ESCAPE_CEILINGS, FAILURE_CEILINGS, SHARE_FLOORS, tier_at_least, tier_at_most};

/// A pull request: (repository, number).
type PullKey = (i64, i64);
/// A finding or alert: (repository, family, number).
type AlertKey = (i64, Family, i64);

pub(super) struct ChangeMetrics {
    pub(super) detection: Option<DetectionRate>,
    pub(super) escape: Option<EscapeRate>,
    pub(super) failure: Option<ChangeFailureRate>,
}

pub(super) fn changes(ctx: &Context<'_>) -> ChangeMetrics {
    let merges = distinct_merges(&ctx.record.merged_pull_requests);
    let in_window: Vec<&MergedPullRequest> = merges
        .iter()
        .copied()
        .filter(|pr| {
            ctx.clock.contains(pr.merged_at) && ctx.scope.contains(pr.repository, pr.merged_at)
        })
        .collect();
    let population: Vec<&MergedPullRequest> = in_window
        .iter()
        .copied()
        .filter(|pr| pr.covered_at_merge)
        .collect();
    let alerts = alerts_by_pull(ctx);
    let attributed = attribute(ctx, &merges);
    let alerts_of = |pr| alerts_at_merge(&alerts, pr);

    let mut escaped = 0;
    let mut failed = 0;
    let mut post: HashSet<AlertKey> = HashSet::new();
    for pr in &population {
        let open: Vec<&PullRequestAlert> = alerts_of(pr)
            .filter(|alert| open_at_merge(alert, pr))
            .collect();
        if pr.checks_at_merge != ChecksAtMerge::Passed || !open.is_empty() {
            escaped += 1;
        }
        post.extend(open.iter().map(|alert| key(alert)));
        if let Some(findings) = attributed.get(&(pr.repository, pr.number)) {
            failed += 1;
            post.extend(findings.iter().copied());
        }
    }
    let pre: HashSet<AlertKey> = population
        .iter()
        .flat_map(|pr| alerts_of(pr).filter(|alert| !open_at_merge(alert, pr)))
        .map(key)
        .filter(|key| !post.contains(key))
        .collect();

    let merged = population.len() as u64;
    let unscanned = (in_window.len() - population.len()) as u64;
    let horizon = days(ctx.policy.change_failure_horizon_days);
    let (pre_merge, post_merge) = (pre.len() as u64, post.len() as u64);
    ChangeMetrics {
        detection: ratio(pre_merge, pre_merge + post_merge).map(|ratio| DetectionRate {
            ratio,
            pre_merge,
            post_merge,
            tier: tier_at_least(pre_merge, pre_merge + post_merge, SHARE_FLOORS),
        }),
        escape: ratio(unscanned, merged + unscanned).map(|unscanned_ratio| EscapeRate {
            ratio: ratio(escaped, merged),
            escaped,
            merged,
            unscanned_ratio,
            tier: tier_at_most(escaped, merged, ESCAPE_CEILINGS),
        }),
        failure: ratio(failed, merged).map(|ratio| ChangeFailureRate {
            ratio,
            failed,
            changes: merged,
            provisional: population
                .iter()
                .any(|pr| pr.merged_at.saturating_add(horizon) > ctx.now),
            tier: tier_at_most(failed, merged, FAILURE_CEILINGS),
        }),
    }
}

/// Each (repository, number) once, the first the record lists.
fn distinct_merges(merges: &[MergedPullRequest]) -> Vec<&MergedPullRequest> {
    let mut seen: HashSet<PullKey> = HashSet::with_capacity(merges.len());
    merges
        .iter()
        .filter(|pr| seen.insert((pr.repository, pr.number)))
        .collect()
}

/// Severity-S pull-request alerts that are not false positives, by pull request.
fn alerts_by_pull<'a>(ctx: &Context<'a>) -> HashMap<PullKey, Vec<&'a PullRequestAlert>> {
    let mut by_pull: HashMap<PullKey, Vec<&PullRequestAlert>> = HashMap::new();
    for alert in &ctx.record.pull_request_alerts {
        if alert.severity >= ctx.threshold() && !alert.false_positive {
            by_pull
                .entry((alert.repository, alert.pull_request))
                .or_default()
                .push(alert);
        }
    }
    by_pull
}

/// The pull request's alerts (as [`alerts_by_pull`] keeps them) raised by its merge.
fn alerts_at_merge<'m, 'r: 'm>(
    alerts: &'m HashMap<PullKey, Vec<&'r PullRequestAlert>>,
    pr: &'m MergedPullRequest,
) -> impl Iterator<Item = &'r PullRequestAlert> + 'm {
    alerts
        .get(&(pr.repository, pr.number))
        .into_iter()
        .flatten()
        .copied()
        .filter(move |alert| alert.created_at <= pr.merged_at)
}

fn open_at_merge(alert: &PullRequestAlert, pr: &MergedPullRequest) -> bool {
    alert.fixed_at.is_none_or(|fixed| fixed > pr.merged_at)
}

fn key(alert: &PullRequestAlert) -> AlertKey {
    (alert.repository, alert.family, alert.number)
}

/// The findings each pull request brought (see the module's attribution rule).
fn attribute(ctx: &Context<'_>, merges: &[&MergedPullRequest]) -> HashMap<PullKey, Vec<AlertKey>> {
    let mut by_commit: HashMap<(i64, &str), Vec<usize>> = HashMap::new();
    for (index, pr) in merges.iter().enumerate() {
        for sha in pr.merge_commit_sha.iter().chain(&pr.commits) {
            by_commit
                .entry((pr.repository, sha.as_str()))
                .or_default()
                .push(index);
        }
    }
    let horizon = days(ctx.policy.change_failure_horizon_days);
    let mut attributed: HashMap<PullKey, Vec<AlertKey>> = HashMap::new();
    for life in ctx.severe() {
        let finding = life.finding;
        let (Some(commit), Some(reached)) =
            (finding.introduced_commit.as_deref(), life.on_default_at)
        else {
            continue;
        };
        let Some(candidates) = by_commit.get(&(finding.repository, commit)) else {
            continue;
        };
        let earliest = candidates
            .iter()
            .filter_map(|&index| merges.get(index).copied())
            .filter(|pr| pr.merged_at <= reached)
            .min_by_key(|pr| (pr.merged_at, pr.number));
        if let Some(pr) = earliest
            && reached <= pr.merged_at.saturating_add(horizon)
            && knowable_at_merge(finding, pr)
        {
            attributed
                .entry((pr.repository, pr.number))
                .or_default()
                .push((finding.repository, finding.family, finding.number));
        }
    }
    attributed
}

/// Dependabot: the advisory was published before the merge.
fn knowable_at_merge(finding: &Finding, pr: &MergedPullRequest) -> bool {
    match finding.family {
        Family::Dependabot => finding
            .advisory_published_at
            .is_some_and(|published| published < pr.merged_at),
        Family::CodeScanning | Family::SecretScanning => true,
    }
}
