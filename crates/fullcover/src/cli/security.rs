//! The security outcomes in `fullcover report`: read with the same function as the API's
//! `GET /api/v1/orgs/{org}/security`, so the JSON's `security` object is the API's body,
//! and drawn here as the table's "Security outcomes" block.

use std::fmt::Write as _;

use fullcover_core::metrics::human_duration;
use fullcover_core::metrics::security::{Family, SecurityReport, Tier};

use crate::app::web::security::{SecurityView, Unavailable};

/// A family as people name it.
fn family_name(family: Family) -> &'static str {
    match family {
        Family::CodeScanning => "code scanning",
        Family::Dependabot => "Dependabot",
        Family::SecretScanning => "secret scanning",
    }
}

/// At most two decimals, no trailing zeros: `106.75`, `50`, `16.67`.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

fn percent(ratio: f64) -> String {
    let text = format!("{:.1}", ratio * 100.0);
    format!("{}%", text.trim_end_matches(".0"))
}

fn duration(seconds: f64) -> String {
    // Durations are whole seconds but for a median of an even count (half a second).
    human_duration(seconds.round() as i64)
}

fn tier(tier: Option<Tier>) -> String {
    match tier {
        Some(Tier::Elite) => "tier elite".to_owned(),
        Some(Tier::High) => "tier high".to_owned(),
        Some(Tier::Medium) => "tier medium".to_owned(),
        Some(Tier::Low) => "tier low".to_owned(),
        None => "no tier".to_owned(),
    }
}

/// What stands for a finding metric when no family could be read.
fn nothing_readable(unavailable: &[Unavailable]) -> Option<String> {
    if unavailable.len() < Family::ALL.len() {
        return None;
    }
    let first = unavailable.first().map(|gap| gap.reason.clone());
    if unavailable
        .iter()
        .all(|gap| Some(&gap.reason) == first.as_ref())
    {
        return first;
    }
    let names: Vec<&str> = unavailable.iter().map(|gap| gap.permission).collect();
    Some(format!(
        "not available: permissions {} not granted",
        names.join(", ")
    ))
}

/// The metric lines: (label, value).
fn lines(report: &SecurityReport, unavailable: &[Unavailable]) -> Vec<(&'static str, String)> {
    let missing = nothing_readable(unavailable).unwrap_or_else(|| "no data".to_owned());
    let or_missing = |value: Option<String>| value.unwrap_or_else(|| missing.clone());
    let no_data = |value: Option<String>| value.unwrap_or_else(|| "no data".to_owned());
    let mttr = report.mttr.as_ref().map(|m| {
        let show = |value: Option<f64>| value.map_or_else(|| "–".to_owned(), duration);
        format!(
            "median {}, p90 {}, mean {}, GitHub-style mean {}; n = {}; {}",
            show(m.median_seconds),
            show(m.p90_seconds),
            show(m.mean_seconds),
            show(m.github_mean_seconds),
            m.n,
            tier(m.tier)
        )
    });
    let sla = report.sla_attainment.as_ref().map(|s| {
        let ratio = s.ratio.map_or_else(|| "no data".to_owned(), percent);
        format!(
            "{ratio} ({} of {} met by the due date); {} overdue open; {}",
            s.met,
            s.due,
            s.overdue_open,
            tier(s.tier)
        )
    });
    let mttd = report.mttd.as_ref().map(|families| {
        Family::ALL
            .into_iter()
            .map(|family| {
                let value = match (
                    families.get(&family).and_then(Option::as_ref),
                    unavailable.iter().find(|gap| gap.family == family),
                ) {
                    (_, Some(gap)) => gap.reason.clone(),
                    (Some(m), None) => format!("{} (n = {})", duration(m.median_seconds), m.n),
                    (None, None) => "no data".to_owned(),
                };
                format!("{} {value}", family_name(family))
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    let exposure = report.exposure_window.as_ref().map(|e| {
        format!(
            "{} vulnerability-days (n = {}; {} ended by leaving scope)",
            number(e.vulnerability_days),
            e.n,
            e.ended_by_leaving_scope.len()
        )
    });
    let detection = report.detection_rate.as_ref().map(|d| {
        format!(
            "{} ({} caught before merge, {} after); {}",
            percent(d.ratio),
            d.pre_merge,
            d.post_merge,
            tier(d.tier)
        )
    });
    let escape = report.escape_rate.as_ref().map(|e| {
        format!(
            "{} ({} of {} merges); {} of merges unscanned; {}",
            e.ratio.map_or_else(|| "no data".to_owned(), percent),
            e.escaped,
            e.merged,
            percent(e.unscanned_ratio),
            tier(e.tier)
        )
    });
    let change_failure = report.change_failure_rate.as_ref().map(|c| {
        format!(
            "{} ({} of {} changes{}); {}",
            percent(c.ratio),
            c.failed,
            c.changes,
            if c.provisional { ", provisional" } else { "" },
            tier(c.tier)
        )
    });
    let net_resolve = report.net_resolve_rate.as_ref().map(|n| {
        format!(
            "{} ({} closed of {} created)",
            percent(n.ratio),
            n.closed,
            n.created
        )
    });
    let reopen = report.reopen_rate.as_ref().map(|r| {
        format!(
            "{} ({} reopened of {} fixes); {}",
            r.ratio.map_or_else(|| "no data".to_owned(), percent),
            r.reopened,
            r.fixes,
            tier(r.tier)
        )
    });
    vec![
        ("MTTR", or_missing(mttr)),
        ("SLA attainment", or_missing(sla)),
        ("Time to detect", or_missing(mttd)),
        ("Exposure window", or_missing(exposure)),
        ("Detection rate", no_data(detection)),
        ("Escape rate", no_data(escape)),
        ("Change failure rate", no_data(change_failure)),
        ("Net resolve rate", or_missing(net_resolve)),
        ("Reopen rate", or_missing(reopen)),
    ]
}

/// The "Security outcomes" block of the report's table.
pub fn table(view: &SecurityView) -> String {
    let report = &view.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nSecurity outcomes (last {} days; severity {} and above)",
        report.window.days,
        report.severity_threshold.as_str()
    );
    for (label, value) in lines(report, &view.unavailable) {
        let _ = writeln!(out, "{label:<22} {value}");
    }
    if view.unavailable.len() < Family::ALL.len() {
        for gap in &view.unavailable {
            let label = format!("{} alerts", family_name(gap.family));
            let _ = writeln!(out, "{label:<22} {}", gap.reason);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(106.75), "106.75");
        assert_eq!(number(50.0), "50");
        assert_eq!(number(1.0 / 3.0), "0.33");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(1.0 / 6.0), "16.7%");
        assert_eq!(duration(6.25 * 86_400.0), "6d 6h");
    }
}
