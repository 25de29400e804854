//! The dashboard's charts as inline SVG: the coverage burn-up, the distribution of time
//! to full coverage, the status page's daily bars and the weekly security trend. Every
//! text is escaped; every chart has a `<title>` and `<desc>` for screen readers and an
//! empty state.
//!
//! Charts draw in a fixed `viewBox` and scale with the page. Days are bands of equal
//! width, so one day of history fills the plot and ninety stay legible; the value
//! axis is rounded to a "nice" maximum with at most five integer ticks, whether the
//! organisation has one repository or five hundred.

use std::fmt::Write as _;

use super::{date, escape};
use fullcover_core::metrics::security::WeekPoint;
use fullcover_core::metrics::{Bucket, DAY, HistoryPoint};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 30.0;

const INK: &str = "#57606a";
const GRID: &str = "#e4e8ec";

/// What a burn-up chart counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Repositories fully covered against repositories in scope.
    Repositories,
    /// Requirements satisfied against requirements.
    Requirements,
}

impl Measure {
    fn id(self) -> &'static str {
        match self {
            Measure::Repositories => "burnup-repos",
            Measure::Requirements => "burnup-reqs",
        }
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Measure::Repositories => ("fully covered", "in scope"),
            Measure::Requirements => ("satisfied", "required"),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Measure::Repositories => "Repositories fully covered vs in scope",
            Measure::Requirements => "Requirements satisfied vs required",
        }
    }

    /// (done, total) at one point.
    fn values(self, point: &HistoryPoint) -> (u64, u64) {
        match self {
            Measure::Repositories => (point.repos_fully_covered, point.repos_in_scope),
            Measure::Requirements => (point.requirements.satisfied, point.requirements.required),
        }
    }
}

/// The tick step and maximum of a value axis holding `max`: at most five ticks, at
/// integers 1, 2 or 5 times a power of ten.
pub fn axis(max: u64) -> (u64, u64) {
    let max = max.max(1);
    let mut magnitude = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let step = factor * magnitude;
            let top = max.div_ceil(step) * step;
            if top / step <= 5 {
                return (step, top);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

fn open_svg(id: &str, title: &str, desc: &str, width: f64, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="inherit" font-size="11"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    )
}

fn empty_chart(id: &str, title: &str, text: &str) -> String {
    let mut svg = open_svg(id, title, text, WIDTH, 120.0);
    let _ = write!(
        svg,
        r##"<rect x="0.5" y="0.5" width="{}" height="119" rx="6" fill="#f6f8fa" stroke="{GRID}"/><text x="{}" y="64" text-anchor="middle" fill="{INK}" font-size="13">{}</text></svg>"##,
        WIDTH - 1.0,
        WIDTH / 2.0,
        escape(text)
    );
    svg
}

/// Horizontal grid lines and value labels for a plot of `height` from `TOP`.
fn value_axis(svg: &mut String, step: u64, top: u64, plot_height: f64, right: f64) {
    let mut tick = 0;
    while tick <= top {
        let y = TOP + plot_height - plot_height * tick as f64 / top as f64;
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{right}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" text-anchor="end" fill="{INK}">{tick}</text>"#,
            LEFT - 8.0,
            y + 4.0
        );
        tick += step;
    }
}

/// Indices of the days to label: about six, evenly spaced, always the first and the
/// last unless the last would crowd its neighbour.
fn label_indices(count: usize) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    let every = count.div_ceil(6).max(1);
    let mut indices: Vec<usize> = (0..count).step_by(every).collect();
    let last = count - 1;
    if let Some(&previous) = indices.last()
        && previous != last
    {
        if (last - previous) * 2 >= every {
            indices.push(last);
        } else if let Some(slot) = indices.last_mut() {
            *slot = last;
        }
    }
    indices
}

/// A short day label, `Nov 15`.
fn short_date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%b %-d").to_string())
        .unwrap_or_default()
}

/// The burn-up of coverage over time: the total (in scope, or required) as a grey
/// step area and what is done (fully covered, or satisfied) as a green one, one band
/// per day.
pub fn burn_up(history: &[HistoryPoint], measure: Measure) -> String {
    let id = measure.id();
    let (done_name, total_name) = measure.names();
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return empty_chart(
            id,
            measure.title(),
            "No history yet: nothing has been scanned.",
        );
    };
    let (last_done, last_total) = measure.values(last);
    let desc = format!(
        "Daily from {} to {}; on {}: {last_done} {done_name} of {last_total} {total_name}.",
        first.date, last.date, last.date
    );
    let mut svg = open_svg(id, measure.title(), &desc, WIDTH, HEIGHT);
    let max = history
        .iter()
        .map(|point| {
            let (done, total) = measure.values(point);
            done.max(total)
        })
        .max()
        .unwrap_or(0);
    let (step, top) = axis(max);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let right = LEFT + plot_width;
    let base = TOP + plot_height;
    value_axis(&mut svg, step, top, plot_height, right);
    let band = plot_width / history.len() as f64;
    let y = |value: u64| base - plot_height * value as f64 / top as f64;
    let step_path = |pick: &dyn Fn(&HistoryPoint) -> u64| {
        let mut area = format!("M{LEFT:.1},{base:.1}");
        let mut line = String::new();
        for (index, point) in history.iter().enumerate() {
            let x0 = LEFT + band * index as f64;
            let x1 = x0 + band;
            let value_y = y(pick(point));
            let _ = write!(area, " L{x0:.1},{value_y:.1} L{x1:.1},{value_y:.1}");
            let _ = write!(
                line,
                "{}{x0:.1},{value_y:.1} L{x1:.1},{value_y:.1}",
                if index == 0 { "M" } else { " L" }
            );
        }
        let _ = write!(area, " L{right:.1},{base:.1} Z");
        (area, line)
    };
    let (total_area, total_line) = step_path(&|p| measure.values(p).1);
    let (done_area, done_line) = step_path(&|p| measure.values(p).0);
    let _ = write!(
        svg,
        r##"<path d="{total_area}" fill="#d8dee4" fill-opacity=".55"/><path d="{total_line}" fill="none" stroke="#8c959f" stroke-width="2"/><path d="{done_area}" fill="#2da44e" fill-opacity=".22"/><path d="{done_line}" fill="none" stroke="#1a7f37" stroke-width="2.5"/>"##
    );
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{right}" y1="{base}" y2="{base}" stroke="{INK}"/>"#
    );
    for index in label_indices(history.len()) {
        let x = LEFT + band * (index as f64 + 0.5);
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{base}" y2="{}" stroke="{INK}"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="{INK}">{}</text>"#,
            base + 4.0,
            base + 17.0,
            escape(&short_date(history[index].at))
        );
    }
    // Hover targets: one per day, with its numbers.
    for (index, point) in history.iter().enumerate() {
        let (done, total) = measure.values(point);
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{TOP}" width="{band:.1}" height="{plot_height}" fill="transparent"><title>{}: {done} {done_name} of {total} {total_name}</title></rect>"#,
            LEFT + band * index as f64,
            escape(&point.date)
        );
    }
    // Legend.
    let _ = write!(
        svg,
        r##"<g font-size="12" fill="#24292f"><rect x="{LEFT}" y="6" width="12" height="12" rx="2" fill="#2da44e" fill-opacity=".5" stroke="#1a7f37"/><text x="{}" y="16">{}</text><rect x="{}" y="6" width="12" height="12" rx="2" fill="#d8dee4" stroke="#8c959f"/><text x="{}" y="16">{}</text></g>"##,
        LEFT + 17.0,
        escape(&capitalise(done_name)),
        LEFT + 127.0,
        LEFT + 144.0,
        escape(&capitalise(total_name))
    );
    svg.push_str("</svg>");
    svg
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The colour of a time-to-full-coverage bucket: its tier, grey for "not yet".
fn bucket_color(index: usize, label: &str) -> &'static str {
    if label == "not yet" {
        return "#afb8c1";
    }
    ["#1a7f37", "#4ac26b", "#d4a72c", "#cf222e"]
        .get(index)
        .copied()
        .unwrap_or("#8c959f")
}

/// A bar per bucket of time to full coverage, each labelled with its count.
pub fn distribution(buckets: &[Bucket]) -> String {
    let id = "ttfc-distribution";
    let title = "Time to full coverage, per repository";
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    if total == 0 {
        return empty_chart(id, title, "No repository in scope yet.");
    }
    let desc = buckets
        .iter()
        .map(|b| format!("{}: {}", b.label, b.count))
        .collect::<Vec<_>>()
        .join("; ");
    let height = 220.0;
    let mut svg = open_svg(id, title, &desc, WIDTH, height);
    let top_pad = 24.0;
    let plot_height = height - top_pad - BOTTOM;
    let base = top_pad + plot_height;
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let (step, top) = axis(max);
    let right = WIDTH - RIGHT;
    let mut tick = 0;
    while tick <= top {
        let y = base - plot_height * tick as f64 / top as f64;
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{right}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" text-anchor="end" fill="{INK}">{tick}</text>"#,
            LEFT - 8.0,
            y + 4.0
        );
        tick += step;
    }
    let slot = (right - LEFT) / buckets.len() as f64;
    let bar = (slot * 0.6).min(90.0);
    for (index, bucket) in buckets.iter().enumerate() {
        let center = LEFT + slot * (index as f64 + 0.5);
        let bar_height = plot_height * bucket.count as f64 / top as f64;
        let label = escape(bucket.label);
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{bar_height:.1}" rx="3" fill="{}"><title>{label}: {} repositories</title></rect><text x="{center:.1}" y="{:.1}" text-anchor="middle" fill="#24292f" font-weight="600">{}</text><text x="{center:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{label}</text>"##,
            center - bar / 2.0,
            base - bar_height,
            bucket_color(index, bucket.label),
            bucket.count,
            base - bar_height - 6.0,
            bucket.count,
            base + 17.0
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{right}" y1="{base}" y2="{base}" stroke="{INK}"/></svg>"#
    );
    svg
}

/// How many daily bars the status page shows.
pub const DAYS: usize = 90;

/// The colour of a day by its share of repositories fully covered at the day's end
/// (security-metrics.md §4 M9): green at 100%, yellow from 99%, orange from 95%, red
/// below; grey without data.
pub fn day_color(share: Option<f64>) -> (&'static str, &'static str) {
    match share {
        None => ("#d0d7de", "no data"),
        Some(s) if s >= 100.0 => ("#2da44e", "fully covered"),
        Some(s) if s >= 99.0 => ("#d4a72c", "minor gap"),
        Some(s) if s >= 95.0 => ("#e16f24", "partial gap"),
        Some(_) => ("#cf222e", "major gap"),
    }
}

/// The status page's 90 daily bars, today on the right; days before the history
/// starts are grey.
pub fn daily_bars(history: &[HistoryPoint]) -> String {
    let slot = 10.0;
    let bar = 7.0;
    let height = 36.0;
    let width = slot * DAYS as f64;
    let shown = &history[history.len().saturating_sub(DAYS)..];
    let desc = match (shown.first(), shown.last()) {
        (Some(first), Some(last)) => format!(
            "One bar per day over the last {DAYS} days, coloured by the share of repositories fully covered at the day's end; data from {} to {}.",
            first.date, last.date
        ),
        _ => format!("One bar per day over the last {DAYS} days; no data yet."),
    };
    let mut svg = open_svg(
        "daily-bars",
        "Daily coverage, last 90 days",
        &desc,
        width,
        height,
    );
    let missing = DAYS - shown.len();
    for index in 0..DAYS {
        let x = slot * index as f64 + (slot - bar) / 2.0;
        let (color, title) = match index.checked_sub(missing).and_then(|i| shown.get(i)) {
            Some(point) => {
                let share = (point.repos_in_scope > 0).then(|| {
                    point.repos_fully_covered as f64 * 100.0 / point.repos_in_scope as f64
                });
                let (color, word) = day_color(share);
                (
                    color,
                    format!(
                        "{}: {} of {} repositories fully covered ({word})",
                        date(point.at),
                        point.repos_fully_covered,
                        point.repos_in_scope
                    ),
                )
            }
            None => (day_color(None).0, "no data".to_owned()),
        };
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="0" width="{bar}" height="{height}" rx="1.5" fill="{color}"><title>{}</title></rect>"#,
            escape(&title)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The security outcomes' weekly trend: the severity-S findings open at each week's end
/// as bars (left axis) and the week's median time to remediate, in days, as a line with
/// a dot per week that had fixes (right axis). Weeks without fixes leave a gap.
pub fn security_trend(points: &[WeekPoint]) -> String {
    let id = "security-trend";
    let title = "Weekly MTTR median and open severe findings";
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return empty_chart(id, title, "No week in the window.");
    };
    let days = |seconds: f64| seconds / DAY as f64;
    let desc = format!(
        "Weekly from {} to {}; the week of {}: {} open severe findings, MTTR median {}.",
        date(first.week_start),
        date(last.week_start),
        date(last.week_start),
        last.open_severe,
        last.mttr_median_seconds
            .map_or_else(|| "no fix".to_owned(), |s| format!("{:.1} days", days(s)))
    );
    let mut svg = open_svg(id, title, &desc, WIDTH, HEIGHT);
    let right = WIDTH - 44.0;
    let plot_width = right - LEFT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_height;
    let max_open = points.iter().map(|p| p.open_severe).max().unwrap_or(0);
    let (step, top) = axis(max_open);
    value_axis(&mut svg, step, top, plot_height, right);
    let max_days = points
        .iter()
        .filter_map(|p| p.mttr_median_seconds)
        .map(days)
        .fold(0.0_f64, f64::max)
        .ceil() as u64;
    let (day_step, day_top) = axis(max_days);
    let mut tick = 0;
    while tick <= day_top {
        let y = base - plot_height * tick as f64 / day_top as f64;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="#8250df">{tick} d</text>"##,
            right + 6.0,
            y + 4.0
        );
        tick += day_step;
    }
    let band = plot_width / points.len() as f64;
    let bar = (band * 0.6).min(40.0);
    let mut line = String::new();
    let mut pen_down = false;
    for (index, point) in points.iter().enumerate() {
        let center = LEFT + band * (index as f64 + 0.5);
        let bar_height = plot_height * point.open_severe as f64 / top as f64;
        let mttr = point
            .mttr_median_seconds
            .map_or_else(|| "no fix".to_owned(), |s| format!("{:.1} days", days(s)));
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{bar_height:.1}" rx="2" fill="#fa8c16" fill-opacity=".55"><title>Week of {}: {} open severe, MTTR median {}</title></rect>"##,
            center - bar / 2.0,
            base - bar_height,
            escape(&date(point.week_start)),
            point.open_severe,
            escape(&mttr)
        );
        match point.mttr_median_seconds {
            Some(seconds) => {
                let y = base - plot_height * days(seconds) / day_top as f64;
                let _ = write!(
                    line,
                    "{}{center:.1},{y:.1}",
                    if pen_down { " L" } else { " M" }
                );
                pen_down = true;
                let _ = write!(
                    svg,
                    r##"<circle cx="{center:.1}" cy="{y:.1}" r="3.5" fill="#8250df"/>"##
                );
            }
            None => pen_down = false,
        }
    }
    if !line.is_empty() {
        let _ = write!(
            svg,
            r##"<path d="{}" fill="none" stroke="#8250df" stroke-width="2.5"/>"##,
            line.trim_start()
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{right}" y1="{base}" y2="{base}" stroke="{INK}"/>"#
    );
    for index in label_indices(points.len()) {
        let x = LEFT + band * (index as f64 + 0.5);
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" fill="{INK}">{}</text>"#,
            base + 17.0,
            escape(&short_date(points[index].week_start))
        );
    }
    let _ = write!(
        svg,
        r##"<g font-size="12" fill="#24292f"><rect x="{LEFT}" y="6" width="12" height="12" rx="2" fill="#fa8c16" fill-opacity=".55"/><text x="{}" y="16">Open severe findings</text><circle cx="{}" cy="12" r="4" fill="#8250df"/><text x="{}" y="16">MTTR median (days)</text></g></svg>"##,
        LEFT + 17.0,
        LEFT + 180.0,
        LEFT + 190.0
    );
    svg
}
