//! Self-rendered badges in the shields.io "flat" style (docs: security-metrics.md §6.1),
//! so a README can show coverage without a third-party service.
//!
//! Text widths are approximated with a per-character table of Verdana at 11 px; the
//! text is drawn at ten times its size under `scale(.1)` with `textLength`, so a small
//! error in the table only stretches or squeezes the glyphs a little.

use super::escape;

/// The badge's height in pixels.
const HEIGHT: u32 = 20;
/// Space left and right of each text, in pixels.
const PADDING: f64 = 5.0;
const LABEL_COLOR: &str = "#555";

/// The colour for a coverage percentage: 100 brightgreen, >= 95 green, >= 80 yellow,
/// >= 50 orange, else red; lightgrey when unknown.
pub fn coverage_color(percent: Option<f64>) -> &'static str {
    match percent {
        None => "lightgrey",
        Some(p) if p >= 100.0 => "brightgreen",
        Some(p) if p >= 95.0 => "green",
        Some(p) if p >= 80.0 => "yellow",
        Some(p) if p >= 50.0 => "orange",
        Some(_) => "red",
    }
}

/// A shields named colour (or alias) as hex; anything else is taken as a CSS colour
/// when it is a `#hex` value, and falls back to lightgrey otherwise.
fn resolve_color(color: &str) -> String {
    let named = match color.to_ascii_lowercase().as_str() {
        "brightgreen" | "success" => Some("#4c1"),
        "green" => Some("#97ca00"),
        "yellowgreen" => Some("#a4a61d"),
        "yellow" => Some("#dfb317"),
        "orange" | "important" => Some("#fe7d37"),
        "red" | "critical" => Some("#e05d44"),
        "blue" | "informational" => Some("#007ec6"),
        "grey" | "gray" => Some("#555"),
        "lightgrey" | "lightgray" | "inactive" => Some("#9f9f9f"),
        _ => None,
    };
    if let Some(hex) = named {
        return hex.to_owned();
    }
    let digits = color.strip_prefix('#').unwrap_or(color);
    if matches!(digits.len(), 3 | 6) && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("#{}", digits.to_ascii_lowercase())
    } else {
        "#9f9f9f".to_owned()
    }
}

/// Relative brightness in [0, 1] of a `#rgb` or `#rrggbb` colour.
fn brightness(hex: &str) -> f64 {
    let digits = hex.trim_start_matches('#');
    let channel = |index: usize| -> f64 {
        let value = if digits.len() == 3 {
            digits
                .get(index..=index)
                .and_then(|d| u8::from_str_radix(&d.repeat(2), 16).ok())
        } else {
            digits
                .get(index * 2..index * 2 + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
        };
        f64::from(value.unwrap_or(0))
    };
    (channel(0) * 299.0 + channel(1) * 587.0 + channel(2) * 114.0) / 1000.0 / 255.0
}

/// Advance width of one character of Verdana at 11 px, approximated.
fn char_width(c: char) -> f64 {
    match c {
        'i' | 'l' | '\'' | '|' => 3.0,
        'j' => 3.8,
        'f' | ' ' | '.' | ',' => 3.9,
        't' => 4.3,
        'I' | ':' | ';' | '!' => 4.6,
        'r' => 4.7,
        '-' | '/' | '(' | ')' | '[' | ']' | '"' | '{' | '}' | '·' => 5.0,
        'J' => 5.0,
        's' => 5.7,
        'c' | 'z' => 5.8,
        '?' => 5.9,
        'L' => 6.1,
        'F' => 6.3,
        'k' | 'v' | 'x' | 'y' => 6.5,
        'e' | 'P' => 6.6,
        'a' | 'o' => 6.7,
        'T' | 'Y' => 6.8,
        'b' | 'd' | 'g' | 'p' | 'q' | 'E' => 6.9,
        'h' | 'n' | 'u' | '0'..='9' | '_' | '*' => 7.0,
        'A' | 'B' | 'S' | 'V' | 'X' | 'Z' => 7.5,
        'K' | 'R' => 7.6,
        'C' => 7.7,
        '&' => 7.8,
        'U' => 8.0,
        'N' => 8.2,
        'H' => 8.3,
        'D' | 'G' => 8.5,
        'O' | 'Q' => 8.7,
        'w' => 8.9,
        '+' | '=' | '#' | '<' | '>' | '~' | '≤' | '≥' => 9.2,
        'M' => 9.3,
        'm' => 10.7,
        'W' => 10.9,
        '@' => 11.0,
        '%' => 11.9,
        _ => 7.0,
    }
}

/// Width in pixels of `text` in Verdana 11 px, approximated.
pub fn text_width(text: &str) -> f64 {
    text.chars().map(char_width).sum()
}

/// A shields.io "flat" style badge as an SVG document. `color` is a shields named
/// colour (brightgreen, green, yellowgreen, yellow, orange, red, lightgrey, blue) or a
/// `#hex` value.
pub fn badge_svg(label: &str, message: &str, color: &str) -> String {
    let color = resolve_color(color);
    let label_text = text_width(label).round();
    let message_text = text_width(message).round();
    let label_width = if label.is_empty() {
        0.0
    } else {
        label_text + 2.0 * PADDING
    };
    let message_width = message_text + 2.0 * PADDING;
    let width = label_width + message_width;
    let accessible = if label.is_empty() {
        escape(message)
    } else {
        escape(&format!("{label}: {message}"))
    };
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" role="img" aria-label="{accessible}"><title>{accessible}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{label_width}" height="{HEIGHT}" fill="{LABEL_COLOR}"/><rect x="{label_width}" width="{message_width}" height="{HEIGHT}" fill="{color}"/><rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">"##
    );
    if !label.is_empty() {
        svg.push_str(&badge_text(
            label,
            0.0,
            label_width,
            label_text,
            LABEL_COLOR,
        ));
    }
    svg.push_str(&badge_text(
        message,
        label_width,
        message_width,
        message_text,
        &color,
    ));
    svg.push_str("</g></svg>");
    svg
}

/// One text of the badge, with its shadow, centred in the box at `left` of `width`.
fn badge_text(text: &str, left: f64, width: f64, text_width: f64, background: &str) -> String {
    let (fill, shadow) = if brightness(background) >= 0.69 {
        ("#333", "#ccc")
    } else {
        ("#fff", "#010101")
    };
    let x = (left + width / 2.0) * 10.0;
    let length = text_width * 10.0;
    let text = escape(text);
    format!(
        r#"<text aria-hidden="true" x="{x}" y="150" fill="{shadow}" fill-opacity=".3" transform="scale(.1)" textLength="{length}">{text}</text><text x="{x}" y="140" transform="scale(.1)" fill="{fill}" textLength="{length}">{text}</text>"#
    )
}
