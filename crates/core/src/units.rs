//! Small formatting helpers shared by the stages: percentages and byte counts.

/// `part` of `whole` in percent, rounded to two decimals; 0 when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    let exact = part as f64 * 100.0 / whole as f64;
    (exact * 100.0).round() / 100.0
}

/// A readable form of a byte count.
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// The first three items and how many more: `a, b, c and 4 more`.
pub fn sample<S: AsRef<str>>(items: &[S]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(percent(1, 3), 33.33);
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(sample(&["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
        assert_eq!(sample(&["a".to_owned()]), "a");
    }
}
