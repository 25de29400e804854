//! Checks that the requirement policy names known languages, ecosystems and IaC kinds;
//! the category of a requirement id.

use super::Checker;
use super::ecosystems::EcosystemRules;
use super::iac::IacRules;
use super::languages::Languages;
use crate::rules::schema::{Category, PolicyFile};

pub(super) fn check_policy(
    file: &str,
    policy: &PolicyFile,
    languages: &Languages,
    iac: &IacRules,
    ecosystems: &EcosystemRules,
    check: &mut Checker<'_>,
) {
    for language in policy.sast.skip_languages.keys() {
        if languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("sast.skip_languages: unknown language `{language}`"),
            );
        }
    }
    for ecosystem in policy.sca.skip.keys() {
        if ecosystems.index_of(ecosystem).is_none() {
            check.fail(file, format!("sca.skip: unknown ecosystem `{ecosystem}`"));
        }
    }
    let kinds = policy
        .iac
        .skip
        .keys()
        .map(|k| ("iac.skip", k))
        .chain(
            policy
                .container
                .image_sources
                .iter()
                .map(|k| ("container.image_sources", k)),
        )
        .chain(policy.cicd.pipelines.iter().map(|k| ("cicd.pipelines", k)));
    for (key, kind) in kinds {
        if iac.index_of(kind).is_none() {
            check.fail(file, format!("{key}: unknown IaC kind `{kind}`"));
        }
    }
    for requirement in policy.person_only.keys() {
        if !names_a_requirement(requirement, languages, iac, ecosystems) {
            check.fail(
                file,
                format!("person_only: `{requirement}` is no requirement id and no `<category>:*`"),
            );
        }
    }
}

/// `sast:<language slug>`, `sca:<ecosystem>`, `iac:<kind>`, or `<category>:*`.
fn names_a_requirement(
    requirement: &str,
    languages: &Languages,
    iac: &IacRules,
    ecosystems: &EcosystemRules,
) -> bool {
    let Some((category, subject)) = requirement.split_once(':') else {
        return false;
    };
    if category_of(requirement).is_none() {
        return false;
    }
    subject == "*"
        || match category {
            "sast" => languages.list.iter().any(|l| l.slug == subject),
            "sca" => ecosystems.index_of(subject).is_some(),
            "iac" | "container" => iac.index_of(subject).is_some(),
            _ => false,
        }
}

/// The category a requirement id belongs to.
pub fn category_of(requirement: &str) -> Option<Category> {
    let prefix = requirement.split(':').next()?;
    Category::REQUIRED
        .into_iter()
        .find(|c| c.as_str() == prefix)
}

#[cfg(test)]
mod tests {
    use super::names_a_requirement;
    use crate::rules::RuleSet;

    #[test]
    fn person_only_keys_must_name_a_requirement_or_a_category() {
        let rules = RuleSet::embedded().unwrap_or_else(|errors| panic!("{errors}"));
        let names =
            |id: &str| names_a_requirement(id, &rules.languages, &rules.iac, &rules.ecosystems);
        for good in ["sast:perl", "sast:*", "sca:sbt", "iac:cdk", "iac:*"] {
            assert!(names(good), "{good}");
        }
        for bad in [
            "sast:no-such-language",
            "sca:nope",
            "iac:pulumi-yaml",
            "lint:*",
            "perl",
        ] {
            assert!(!names(bad), "{bad}");
        }
    }
}
