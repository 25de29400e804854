//! IaC kinds with their path globs compiled.

use super::Checker;
use super::globs::OwnedGlobs;
use crate::rules::schema::{ContentCheck, IacFile};

/// IaC kinds with their path globs compiled.
#[derive(Debug)]
pub struct IacRules {
    pub kinds: Vec<IacKind>,
    /// `(kind index, match index)` per glob.
    pub globs: OwnedGlobs<(usize, usize)>,
    /// The globs of the kinds that decide what other files are (Helm charts make their
    /// templates not manifests; kustomizations name patches), by kind index.
    pub context: OwnedGlobs<usize>,
}

/// IaC kinds read before the others, because they change what other files are.
const CONTEXT_KINDS: [&str; 2] = ["helm", "kustomize"];

#[derive(Debug)]
pub struct IacKind {
    pub id: String,
    pub name: String,
    pub matches: Vec<IacMatch>,
}

#[derive(Debug)]
pub struct IacMatch {
    pub markers: Vec<String>,
    pub markers_any: Vec<String>,
    pub check: ContentCheck,
}

impl IacMatch {
    pub fn needs_content(&self) -> bool {
        self.check != ContentCheck::None || !self.markers.is_empty() || !self.markers_any.is_empty()
    }
}

impl IacRules {
    pub(super) fn compile(file: &str, data: IacFile, check: &mut Checker<'_>) -> Self {
        check.unique(file, "IaC kind", data.kind.iter().map(|k| k.id.as_str()));
        let mut globs = Vec::new();
        let mut context = Vec::new();
        let mut kinds = Vec::new();
        for (kind_index, kind) in data.kind.into_iter().enumerate() {
            let mut matches = Vec::new();
            for (match_index, rule) in kind.matches.into_iter().enumerate() {
                for pattern in &rule.paths {
                    if let Some(glob) = check.glob(file, &kind.id, pattern) {
                        if CONTEXT_KINDS.contains(&kind.id.as_str()) {
                            context.push((glob.clone(), kind_index));
                        }
                        globs.push((glob, (kind_index, match_index)));
                    }
                }
                matches.push(IacMatch {
                    markers: rule.markers,
                    markers_any: rule.markers_any,
                    check: rule.check,
                });
            }
            kinds.push(IacKind {
                id: kind.id,
                name: kind.name,
                matches,
            });
        }
        Self {
            kinds,
            globs: OwnedGlobs::build(file, globs, check),
            context: OwnedGlobs::build(file, context, check),
        }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.kinds.iter().position(|kind| kind.id == id)
    }
}
