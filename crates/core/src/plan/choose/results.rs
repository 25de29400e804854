//! What each added scanner scans on each trigger, and where its results go: the pull
//! request says it per file, so nobody has to read the workflows to know.

/// Where `scanner`'s results go, given whether code scanning is available.
pub(super) fn destination(scanner: &str, code_scanning: bool) -> String {
    match scanner {
        "trufflehog" => "the job log, and the job fails on a verified or unknown secret".to_owned(),
        "dependency-review" => {
            "the pull request's checks, failing on high or critical vulnerabilities".to_owned()
        }
        "codeql" => "alerts in the Security tab (code scanning)".to_owned(),
        "osv-scanner" if !code_scanning => "each run's summary page (counts by severity, top findings) and the run's `OSV Scanner SARIF file` artifact, kept 5 days; a pull request fails only on vulnerabilities it introduces".to_owned(),
        "osv-scanner" => "alerts in the Security tab (code scanning); a pull request fails only on vulnerabilities it introduces".to_owned(),
        _ if code_scanning => "alerts in the Security tab (code scanning); findings do not fail the job".to_owned(),
        other => format!(
            "each run's summary page (counts by severity, top findings) and the SARIF report kept as the run's `fullcover-{other}` artifact(s), since this repository has no code scanning; findings do not fail the job"
        ),
    }
}

/// What `scanner` scans on each trigger, where that differs from "the repository as it
/// is, on pushes to the default branch, pull requests and weekly".
pub(super) fn scope(scanner: &str) -> Option<&'static str> {
    match scanner {
        "trufflehog" => Some(
            "a push scans the pushed commits, a pull request its own commits, the weekly run the default branch's whole history",
        ),
        "osv-scanner" => Some(
            "pushes to the default branch and the weekly run scan every manifest and lockfile and report without failing; a pull request is compared with its base",
        ),
        "dependency-review" => Some("pull requests only: the dependencies they change"),
        _ => None,
    }
}
