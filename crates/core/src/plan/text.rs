//! Repository-controlled text made safe for the places the plan puts it: one line with
//! every non-printable character escaped (terminal and PR text alike), and that line
//! escaped for Markdown so it renders as the words it holds, never as structure.

/// The longest text, in characters, that a reason or warning keeps in the pull request.
pub const TEXT_LIMIT: usize = 300;

/// `text` on one line: line breaks and tabs become spaces, runs of spaces one space, and
/// every other non-printable character its `\u{..}` escape; cut at `limit` characters.
pub fn single_line(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut kept = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if kept >= limit {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if printable(c) {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
        kept += 1;
    }
    out
}

fn printable(c: char) -> bool {
    !c.is_control()
        && !matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` as one line of Markdown that renders as itself: HTML is entity-escaped (so no
/// comment, tag or `<!-- fullcover:plan=… -->` marker survives), inline syntax is
/// backslash-escaped, and `@` is followed by a word joiner so that nobody is mentioned.
pub fn markdown_inline(text: &str) -> String {
    let line = single_line(text, TEXT_LIMIT);
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{2060}"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

/// `text` fit to sit between backticks: one line, without backticks.
pub fn code_span(text: &str) -> String {
    single_line(text, TEXT_LIMIT).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_collapses_breaks_and_escapes_controls() {
        assert_eq!(single_line("a\n\n  b\tc\r\n", 100), "a b c");
        assert_eq!(
            single_line("x\u{1b}[31my\u{7f}\u{85}z", 100),
            "x\\u{1b}[31my\\u{7f} z"
        );
        assert_eq!(single_line("abcdef", 3), "abc…");
        assert_eq!(single_line("a\u{202e}b", 10), "a\\u{202e}b");
    }

    #[test]
    fn markdown_inline_neutralises_structure_mentions_and_markers() {
        let hostile =
            "ok\n## Heading\n<!-- fullcover:plan=abc --> @octocat [x](https://e.test) *b* `c` a|b";
        let out = markdown_inline(hostile);
        assert!(!out.contains('\n'), "{out}");
        assert!(!out.contains("<!--"), "{out}");
        assert!(!out.contains("@octocat"), "{out}");
        assert!(out.contains("\\#\\# Heading"), "{out}");
        assert!(out.contains("\\[x\\](https://e.test)"), "{out}");
        assert!(out.contains("\\*b\\* \\`c\\` a\\|b"), "{out}");
    }

    #[test]
    fn code_spans_lose_their_backticks() {
        assert_eq!(code_span("sast:`x`\n"), "sast:'x'");
    }
}
