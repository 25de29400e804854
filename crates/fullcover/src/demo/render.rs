//! The demo's output, written for a person reading a terminal.

use std::io::{self, Write};

use super::{Coverage, FAST_TIME_SCALE, Outcome, Summary, org};
use crate::store::RepoState;
use fullcover_fake_github::RepoSpec;

pub fn intro(out: &mut dyn Write, api: &str, specs: &[RepoSpec], fast: bool) -> io::Result<()> {
    writeln!(
        out,
        "Fake GitHub at {api}: organisation {} with {} repositories.",
        org::ORG,
        specs.len()
    )?;
    if fast {
        writeln!(
            out,
            "Pacing: GitHub's clock runs {FAST_TIME_SCALE}x faster (--fast), and so does the App's."
        )?;
    } else {
        writeln!(
            out,
            "Pacing: GitHub's real limits, one content-creating request a second (--fast to speed up)."
        )?;
    }
    Ok(())
}

fn coverage(c: &Coverage) -> String {
    format!("{}% ({} of {})", c.percent, c.satisfied, c.required)
}

fn or_none(items: Vec<String>, separator: &str) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(separator)
    }
}

pub fn outcome(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    writeln!(out, "{}/{}", org::ORG, outcome.name)?;
    if outcome.state == RepoState::Excluded {
        let reason = outcome.reason.as_deref().unwrap_or("out of scope");
        return writeln!(out, "  skipped:    {reason}\n");
    }
    if let Some(found) = &outcome.found {
        let languages = found
            .languages
            .iter()
            .map(|(name, share)| format!("{name} {share:.0}%"))
            .collect();
        writeln!(out, "  languages:  {}", or_none(languages, ", "))?;
        writeln!(out, "  IaC:        {}", or_none(found.iac.clone(), ", "))?;
        writeln!(
            out,
            "  ecosystems: {}",
            or_none(found.ecosystems.clone(), "; ")
        )?;
        let scanners = found
            .scanners
            .iter()
            .map(|(name, running)| {
                if *running {
                    name.clone()
                } else {
                    format!("{name} (configured, not run)")
                }
            })
            .collect();
        writeln!(out, "  scanners:   {}", or_none(scanners, ", "))?;
        if let Some(before) = &found.before {
            let after = outcome.pulls.last().map_or(*before, |pull| pull.after);
            writeln!(
                out,
                "  coverage:   {} -> {}",
                coverage(before),
                coverage(&after)
            )?;
        }
    }
    for pull in &outcome.pulls {
        writeln!(out, "  opened PR #{}: {}", pull.number, pull.title)?;
        for (file, existed) in &pull.files {
            let change = if *existed { "changed" } else { "added" };
            writeln!(out, "    {change:<8}{file}")?;
        }
    }
    if outcome.pulls.is_empty() {
        let reason = outcome.reason.as_deref().unwrap_or(outcome.state.as_str());
        writeln!(out, "  no PR:      {reason}")?;
    }
    writeln!(out)
}

pub fn summary(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "Summary: {} repositories, {} PRs opened, {} skipped; coverage {} -> {} once merged.\n\
         {:.1} s; GitHub refused {} writes for breaking its secondary rate limits.",
        summary.repositories,
        summary.pulls,
        summary.skipped,
        coverage(&summary.before),
        coverage(&summary.after),
        summary.elapsed.as_secs_f64(),
        summary.violations
    )
}
