//! The Handlebars templates in `templates/`, registered once in strict mode with HTML
//! escaping off, and the `pin` helper that turns an action name into its pinned reference.

use std::collections::BTreeMap;
use std::path::Path;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use serde::Deserialize;

/// Every template, by name, as built into the binary.
const EMBEDDED: [(&str, &str); 17] = [
    (
        "workflows/codeql",
        include_str!("../../../../templates/workflows/codeql.yml.hbs"),
    ),
    (
        "workflows/semgrep",
        include_str!("../../../../templates/workflows/semgrep.yml.hbs"),
    ),
    (
        "workflows/trufflehog",
        include_str!("../../../../templates/workflows/trufflehog.yml.hbs"),
    ),
    (
        "workflows/osv-scanner",
        include_str!("../../../../templates/workflows/osv-scanner.yml.hbs"),
    ),
    (
        "workflows/dependency-review",
        include_str!("../../../../templates/workflows/dependency-review.yml.hbs"),
    ),
    (
        "workflows/checkov",
        include_str!("../../../../templates/workflows/checkov.yml.hbs"),
    ),
    (
        "workflows/trivy",
        include_str!("../../../../templates/workflows/trivy.yml.hbs"),
    ),
    (
        "workflows/hadolint",
        include_str!("../../../../templates/workflows/hadolint.yml.hbs"),
    ),
    (
        "workflows/kics",
        include_str!("../../../../templates/workflows/kics.yml.hbs"),
    ),
    (
        "workflows/psscriptanalyzer",
        include_str!("../../../../templates/workflows/psscriptanalyzer.yml.hbs"),
    ),
    (
        "workflows/sobelow",
        include_str!("../../../../templates/workflows/sobelow.yml.hbs"),
    ),
    (
        "workflows/zizmor",
        include_str!("../../../../templates/workflows/zizmor.yml.hbs"),
    ),
    (
        "workflows/partials/sarif-summary",
        include_str!("../../../../templates/workflows/partials/sarif-summary.yml.hbs"),
    ),
    (
        "dependabot",
        include_str!("../../../../templates/dependabot.yml.hbs"),
    ),
    (
        "pr/title",
        include_str!("../../../../templates/pr/title.hbs"),
    ),
    (
        "pr/body",
        include_str!("../../../../templates/pr/body.md.hbs"),
    ),
    (
        "pr/summary",
        include_str!("../../../../templates/pr/summary.md.hbs"),
    ),
];

const ACTIONS: &str = include_str!("../../../../rules/actions.toml");

/// A problem with the templates or the action pins.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}: {message}")]
    Invalid { name: String, message: String },
    #[error("rules/actions.toml: {0}")]
    Pins(String),
    #[error("cannot render {name}: {message}")]
    Render { name: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionsFile {
    action: Vec<ActionPin>,
}

/// One pinned action: `owner/repo[/path]` at a tag, by its commit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPin {
    pub name: String,
    pub tag: String,
    pub sha: String,
    pub date: String,
    pub verification: String,
}

/// The registered templates.
pub struct Templates {
    registry: Handlebars<'static>,
    pins: BTreeMap<String, ActionPin>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("templates", &self.registry.get_templates().len())
            .field("pins", &self.pins.len())
            .finish()
    }
}

impl Templates {
    /// The templates built into the binary.
    pub fn embedded() -> Result<Self, TemplateError> {
        Self::build(
            EMBEDDED
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
            ACTIONS,
        )
    }

    /// Templates from `dir` (laid out as `templates/`), falling back to the built-in ones.
    pub fn from_dir(dir: &Path) -> Result<Self, TemplateError> {
        let mut templates = Vec::new();
        for (name, text) in EMBEDDED {
            let extension = if name.starts_with("pr/") {
                if name == "pr/title" { "hbs" } else { "md.hbs" }
            } else {
                "yml.hbs"
            };
            let path = dir.join(format!("{name}.{extension}"));
            let text = match std::fs::read_to_string(&path) {
                Ok(found) => found,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => text.to_owned(),
                Err(err) => {
                    return Err(TemplateError::Invalid {
                        name: path.display().to_string(),
                        message: err.to_string(),
                    });
                }
            };
            templates.push((name.to_owned(), text));
        }
        Self::build(templates.into_iter(), ACTIONS)
    }

    fn build(
        templates: impl Iterator<Item = (String, String)>,
        actions: &str,
    ) -> Result<Self, TemplateError> {
        let file: ActionsFile =
            toml::from_str(actions).map_err(|err| TemplateError::Pins(err.to_string()))?;
        let mut pins = BTreeMap::new();
        for pin in file.action {
            let well_formed = pin.sha.len() == 40 && pin.sha.chars().all(|c| c.is_ascii_hexdigit());
            if !well_formed {
                return Err(TemplateError::Pins(format!(
                    "{}: `{}` is not a 40-hex commit SHA",
                    pin.name, pin.sha
                )));
            }
            if pins.insert(pin.name.clone(), pin.clone()).is_some() {
                return Err(TemplateError::Pins(format!("{} is pinned twice", pin.name)));
            }
        }
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        let helper_pins = pins.clone();
        registry.register_helper(
            "pin",
            Box::new(
                move |helper: &Helper<'_>,
                      _: &Handlebars<'_>,
                      _: &Context,
                      _: &mut RenderContext<'_, '_>,
                      out: &mut dyn Output|
                      -> HelperResult {
                    let name = helper
                        .param(0)
                        .and_then(|p| p.value().as_str())
                        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("pin", 0))?;
                    let pin = helper_pins.get(name).ok_or_else(|| {
                        RenderErrorReason::Other(format!(
                            "no pin for action `{name}` in rules/actions.toml"
                        ))
                    })?;
                    out.write(&format!("{}@{} # {}", pin.name, pin.sha, pin.tag))?;
                    Ok(())
                },
            ),
        );
        // A value as a YAML double-quoted scalar, so that a path holding quotes, newlines
        // or control characters stays one string.
        registry.register_helper(
            "yaml",
            Box::new(
                |helper: &Helper<'_>,
                 _: &Handlebars<'_>,
                 _: &Context,
                 _: &mut RenderContext<'_, '_>,
                 out: &mut dyn Output|
                 -> HelperResult {
                    let value = helper
                        .param(0)
                        .map(|p| p.value())
                        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("yaml", 0))?;
                    let quoted = match value {
                        serde_json::Value::String(text) => yaml_quoted(text),
                        other => yaml_quoted(&other.to_string()),
                    };
                    out.write(&quoted)?;
                    Ok(())
                },
            ),
        );
        for (name, text) in templates {
            registry
                .register_template_string(&name, text)
                .map_err(|err| TemplateError::Invalid {
                    name: name.clone(),
                    message: err.to_string(),
                })?;
        }
        Ok(Self { registry, pins })
    }

    /// Renders template `name` with `data`.
    pub fn render(&self, name: &str, data: &serde_json::Value) -> Result<String, TemplateError> {
        self.registry
            .render(name, data)
            .map_err(|err| TemplateError::Render {
                name: name.to_owned(),
                message: err.to_string(),
            })
    }

    pub fn pins(&self) -> impl Iterator<Item = &ActionPin> {
        self.pins.values()
    }
}

/// `text` as a YAML double-quoted scalar that parses back to exactly `text`: quotes and
/// backslashes escaped, and written as escapes every character YAML does not accept as
/// printable (C0 and C1 controls, DEL, U+FFFE, U+FFFF) or may read as a line break (NEL,
/// U+2028, U+2029) or a byte-order mark.
pub fn yaml_quoted(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if yaml_printable(c) => out.push(c),
            c if u32::from(c) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c if u32::from(c) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// YAML 1.2's printable characters beyond ASCII, less those read as line breaks or BOMs.
fn yaml_printable(c: char) -> bool {
    matches!(u32::from(c), 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_templates_and_pins_load() {
        let templates = Templates::embedded().unwrap();
        assert!(templates.pins().any(|p| p.name == "actions/checkout"));
    }

    #[test]
    fn the_pin_helper_pins_by_sha_and_rejects_unknown_actions() {
        let templates = Templates::build(
            [(
                "t".to_owned(),
                "uses: {{pin \"actions/checkout\"}}".to_owned(),
            )]
            .into_iter(),
            ACTIONS,
        )
        .unwrap();
        let out = templates.render("t", &serde_json::json!({})).unwrap();
        assert!(out.starts_with("uses: actions/checkout@"), "{out}");
        assert!(out.contains(" # v"), "{out}");
        let bad = Templates::build(
            [("t".to_owned(), "{{pin \"evil/action\"}}".to_owned())].into_iter(),
            ACTIONS,
        )
        .unwrap();
        assert!(bad.render("t", &serde_json::json!({})).is_err());
    }

    #[test]
    fn the_yaml_helper_keeps_hostile_strings_one_scalar() {
        let templates = Templates::build(
            [("t".to_owned(), "- {{yaml path}}".to_owned())].into_iter(),
            ACTIONS,
        )
        .unwrap();
        let out = templates
            .render("t", &serde_json::json!({"path": "x\"\n  - \"injected\\"}))
            .unwrap();
        assert_eq!(out, r#"- "x\"\n  - \"injected\\""#);
        let parsed = crate::formats::parse_yaml(&out).unwrap();
        assert_eq!(parsed.as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn the_yaml_helper_escapes_every_non_printable_character() {
        let hostile = "a\u{7f}b\u{80}c\u{85}d\u{9f}e\u{2028}f\u{feff}g\u{fffe}h\u{1}i\u{1b}j\u{10ffff}k\u{e9}";
        let quoted = yaml_quoted(hostile);
        assert!(
            quoted
                .chars()
                .all(|c| c == '\u{e9}' || c == '\u{10ffff}' || (' '..='~').contains(&c)),
            "{quoted:?}"
        );
        assert!(
            quoted.contains("\\x7F") && quoted.contains("\\x85"),
            "{quoted}"
        );
        let parsed = crate::formats::parse_yaml(&format!("- {quoted}\n")).unwrap();
        assert_eq!(parsed[0].as_str(), Some(hostile));
    }

    #[test]
    fn strict_mode_rejects_missing_variables() {
        let templates = Templates::build(
            [("t".to_owned(), "{{missing}}".to_owned())].into_iter(),
            ACTIONS,
        )
        .unwrap();
        assert!(templates.render("t", &serde_json::json!({})).is_err());
    }
}
