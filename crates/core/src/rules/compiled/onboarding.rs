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
        ("iac.kics", &onboarding.iac.kics),
        ("container.default", &onboarding.container.default),
        ("cicd.default", &onboarding.cicd.default),
    ];
    let per_language = onboarding
        .sast
        .languages
        .values()
        .map(|l| ("sast.languages", &l.scanner));
    for (key, id) in chosen.into_iter().chain(per_language) {
        if scanners.index_of(id).is_none() {
            check.fail(file, format!("{key}: unknown scanner `{id}`"));
        }
    }
    for language in onboarding
        .sast
        .codeql_languages
        .keys()
        .chain(&onboarding.sast.codeql_build_languages)
        .chain(onboarding.sast.languages.keys())
    {
        if languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("sast.codeql_languages: unknown language `{language}`"),
            );
        }
    }
    let kinds = (onboarding.iac.checkov_frameworks.keys())
        .map(|k| ("iac.checkov_frameworks", k))
        .chain(
            onboarding
                .iac
                .kics_platforms
                .keys()
                .map(|k| ("iac.kics_platforms", k)),
        );
    for (key, kind) in kinds {
        if iac.index_of(kind).is_none() {
            check.fail(file, format!("{key}: unknown IaC kind `{kind}`"));
        }
    }
}
