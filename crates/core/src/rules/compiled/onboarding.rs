//! Checks that the onboarding choices name known scanners, languages and IaC kinds.

use super::Checker;
use super::iac::IacRules;
use super::languages::Languages;
use super::scanners::ScannerRules;
use crate::rules::schema::OnboardingFile;

pub(super) fn check_onboarding(
    file: &str,
    onboarding: &OnboardingFile,
    languages: &Languages,
    iac: &IacRules,
    scanners: &ScannerRules,
    check: &mut Checker<'_>,
) {
    let chosen = [
        ("sast.default", &onboarding.sast.default),
        ("sast.fallback", &onboarding.sast.fallback),
        ("secrets.default", &onboarding.secrets.default),
        ("sca.default", &onboarding.sca.default),
        ("sca.updates", &onboarding.sca.updates),
        ("sca.pull_requests", &onboarding.sca.pull_requests),
        ("iac.default", &onboarding.iac.default),
        ("iac.dockerfile", &onboarding.iac.dockerfile),
        ("container.default", &onboarding.container.default),
        ("cicd.default", &onboarding.cicd.default),
    ];
    for (key, id) in chosen {
        if scanners.index_of(id).is_none() {
            check.fail(file, format!("{key}: unknown scanner `{id}`"));
        }
    }
    for language in onboarding
        .sast
        .codeql_languages
        .keys()
        .chain(&onboarding.sast.codeql_build_languages)
    {
        if languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("sast.codeql_languages: unknown language `{language}`"),
            );
        }
    }
    for kind in onboarding.iac.checkov_frameworks.keys() {
        if iac.index_of(kind).is_none() {
            check.fail(
                file,
                format!("iac.checkov_frameworks: unknown IaC kind `{kind}`"),
            );
        }
    }
}
