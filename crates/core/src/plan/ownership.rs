//! Which files are Fullcover's: a file it wrote starts with its header, which carries a
//! hash of the rest of the file. A file without the header, or whose content no longer
//! matches the hash, belongs to the user and is never overwritten.

use sha2::{Digest, Sha256};

const MARKER: &str = "# fullcover:hash=";

/// `body` with Fullcover's header (its description as comment lines) on top.
pub fn with_header(description: &str, body: &str) -> String {
    let mut text = String::new();
    for line in description.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(MARKER);
    text.push_str(&hash(body));
    text.push('\n');
    text.push_str(body);
    text
}

/// Who owns an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Written by Fullcover and unchanged since.
    Fullcover,
    /// Written by Fullcover, then edited.
    Edited,
    /// Written by someone else.
    User,
}

pub fn owner(content: &str) -> Owner {
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        offset += line.len();
        let Some(recorded) = line.trim_end().strip_prefix(MARKER) else {
            if line.starts_with('#') {
                continue;
            }
            return Owner::User;
        };
        return if recorded == hash(&content[offset..]) {
            Owner::Fullcover
        } else {
            Owner::Edited
        };
    }
    Owner::User
}

/// The file without Fullcover's header (the whole file when it has none).
pub fn body(content: &str) -> &str {
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        offset += line.len();
        if line.starts_with(MARKER) {
            return &content[offset..];
        }
        if !line.starts_with('#') {
            break;
        }
    }
    content
}

/// A short hex digest.
pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_follows_the_hash() {
        let file = with_header(
            "Added by Fullcover.\nDelete to opt out.",
            "name: x\non: push\n",
        );
        assert!(file.starts_with("# Added by Fullcover.\n# Delete to opt out.\n# fullcover:hash="));
        assert_eq!(owner(&file), Owner::Fullcover);
        assert_eq!(owner(&file.replace("name: x", "name: y")), Owner::Edited);
        assert_eq!(owner("name: mine\n"), Owner::User);
        assert_eq!(owner("# my comment\nname: mine\n"), Owner::User);
    }
}
