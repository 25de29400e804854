//! M3, MTTD: the median time from when a flaw could be known to when GitHub raised it,
//! per family.
//!
//! - Population: findings created in W while their repository was in scope, that
//!   reached the default branch, are not false positives and whose `introduced_at` is
//!   known (a finding without it is left out, not counted as 0). Every severity: time
//!   to detect is a property of the scanner, not of the finding's severity.
//! - Value: created − introduced. For Dependabot, created − the later of introduced and
//!   the advisory's publication: a dependency present before its advisory could not be
//!   detected before publication (the reference's "disclosure → alert" clock).
//! - Every family is in the map, `null` without data; the metric is `None` when no
//!   family has any.

use std::collections::BTreeMap;

use super::context::{Context, seconds};
use super::model::Family;
use super::report::Mttd;
use super::stats::{median, sorted};

pub(super) fn mttd(ctx: &Context<'_>) -> Option<BTreeMap<Family, Option<Mttd>>> {
    let mut values: BTreeMap<Family, Vec<f64>> = BTreeMap::new();
    for life in &ctx.lives {
        let finding = life.finding;
        if life.on_default_at.is_none()
            || life.false_positive()
            || !ctx.clock.contains(finding.created_at)
            || !ctx.scope.contains(finding.repository, finding.created_at)
        {
            continue;
        }
        let Some(introduced) = finding.introduced_at else {
            continue;
        };
        let knowable = match finding.family {
            Family::Dependabot => finding
                .advisory_published_at
                .map_or(introduced, |published| introduced.max(published)),
            Family::CodeScanning | Family::SecretScanning => introduced,
        };
        values
            .entry(finding.family)
            .or_default()
            .push(seconds(knowable, finding.created_at));
    }
    if values.is_empty() {
        return None;
    }
    Some(
        Family::ALL
            .into_iter()
            .map(|family| {
                let sorted = sorted(values.remove(&family).unwrap_or_default());
                let summary = median(&sorted).map(|median_seconds| Mttd {
                    median_seconds,
                    n: sorted.len() as u64,
                });
                (family, summary)
            })
            .collect(),
    )
}
