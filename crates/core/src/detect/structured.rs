//! A file's content parsed once as YAML or JSON, shared by every rule that looks at it.

use std::sync::OnceLock;

use serde_json::Value;

use crate::formats::{ParseError, parse_yaml_documents};
use crate::snapshot::Content;

/// Content of one file with a lazily parsed document.
pub struct FileContent<'a> {
    pub path: &'a str,
    pub content: &'a Content,
    text: OnceLock<Option<&'a str>>,
    parsed: OnceLock<Result<Vec<Value>, String>>,
}

impl<'a> FileContent<'a> {
    pub fn new(path: &'a str, content: &'a Content) -> Self {
        Self {
            path,
            content,
            text: OnceLock::new(),
            parsed: OnceLock::new(),
        }
    }

    /// The text, if the content is UTF-8 and not binary.
    pub fn text(&self) -> Option<&'a str> {
        *self.text.get_or_init(|| {
            if self.content.looks_binary() {
                None
            } else {
                self.content.text()
            }
        })
    }

    /// The YAML documents (or the one JSON document) in the file; an error names what went
    /// wrong and where.
    pub fn documents(&self) -> Result<&[Value], &str> {
        self.parsed
            .get_or_init(|| self.parse())
            .as_deref()
            .map_err(String::as_str)
    }

    /// The first document when it is a mapping.
    pub fn mapping(&self) -> Option<&serde_json::Map<String, Value>> {
        self.documents().ok()?.first()?.as_object()
    }

    fn parse(&self) -> Result<Vec<Value>, String> {
        if self.content.looks_binary() {
            return Err("binary content".to_owned());
        }
        if self.content.truncated {
            return Err("too large to parse; only the first MiB was read".to_owned());
        }
        let Some(text) = self.content.text() else {
            return Err("not valid UTF-8".to_owned());
        };
        let is_json = [".json", ".jsonc", ".json5"]
            .iter()
            .any(|ext| self.path.ends_with(ext))
            || self.path.ends_with("Pipfile.lock");
        if is_json {
            serde_json::from_str::<Value>(text)
                .map(|value| vec![value])
                .map_err(|err| format!("invalid JSON: {err}"))
        } else {
            parse_yaml_documents(text).map_err(|err: ParseError| err.to_string())
        }
    }
}

/// A string value, or the strings of a sequence value.
pub fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
