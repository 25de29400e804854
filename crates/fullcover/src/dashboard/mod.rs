//! The dashboard: server-rendered HTML pages (organisation, repository, public status,
//! home, messages), inline SVG charts and shields-style badges.
//!
//! Pages are Handlebars templates from `templates/dashboard/`, built into the binary and
//! rendered in strict mode with HTML escaping on: every value from the record is
//! escaped. The only raw insertions are the charts, which [`svg`] builds and escapes
//! itself. [`view`] turns the metrics into the values the templates show, so the
//! templates hold no logic beyond loops and conditions. No page needs JavaScript.

mod badge;
pub mod svg;
mod view;

use std::collections::BTreeMap;

use handlebars::Handlebars;
use serde::Serialize;

use crate::app::web::security::SecurityView;
use crate::store::RepoDetail;
use fullcover_core::metrics::queue::QueueEstimate;
use fullcover_core::metrics::{OrgReport, RepoSummary};

pub use badge::{badge_svg, coverage_color, text_width};
pub use view::org::Listing;

/// Every template and partial, by name, as built into the binary.
const EMBEDDED: [(&str, &str); 9] = [
    (
        "security",
        include_str!("../../../../templates/dashboard/security.hbs"),
    ),
    (
        "style",
        include_str!("../../../../templates/dashboard/style.css"),
    ),
    (
        "head",
        include_str!("../../../../templates/dashboard/head.hbs"),
    ),
    (
        "foot",
        include_str!("../../../../templates/dashboard/foot.hbs"),
    ),
    (
        "org",
        include_str!("../../../../templates/dashboard/org.hbs"),
    ),
    (
        "repo",
        include_str!("../../../../templates/dashboard/repo.hbs"),
    ),
    (
        "status",
        include_str!("../../../../templates/dashboard/status.hbs"),
    ),
    (
        "index",
        include_str!("../../../../templates/dashboard/index.hbs"),
    ),
    (
        "message",
        include_str!("../../../../templates/dashboard/message.hbs"),
    ),
];

/// The security outcomes a page shows: the App's view of them and the names of the
/// organisation's repositories by id, with whether each is private.
#[derive(Debug, Clone, Copy)]
pub struct Security<'a> {
    pub view: &'a SecurityView,
    pub names: &'a BTreeMap<i64, (String, bool)>,
}

/// A problem with the dashboard's templates.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("dashboard template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot render the {name} page: {message}")]
    Render { name: String, message: String },
}

/// Who a page is shown to, as the page header names them.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedIn {
    pub login: String,
    /// The session's token for the log-out form (none for an API token, which has no
    /// session to end).
    pub csrf: Option<String>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// The dashboard's pages, ready to render.
#[derive(Debug)]
pub struct Pages {
    registry: Handlebars<'static>,
}

impl Pages {
    /// The pages built into the binary, in strict mode with HTML escaping on.
    pub fn embedded() -> Result<Pages, DashboardError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, source) in EMBEDDED {
            registry
                .register_template_string(name, source)
                .map_err(|err| DashboardError::Template {
                    name: name.to_owned(),
                    message: err.to_string(),
                })?;
        }
        Ok(Pages { registry })
    }

    fn render(&self, name: &str, data: &impl Serialize) -> Result<String, DashboardError> {
        self.registry
            .render(name, data)
            .map_err(|err| DashboardError::Render {
                name: name.to_owned(),
                message: err.to_string(),
            })
    }

    /// The organisation's page: headline numbers, the onboarding queue, the coverage
    /// matrix, burn-up and distribution charts, the onboarding funnel and pull requests,
    /// incidents, and the security outcomes when given.
    pub fn org(
        &self,
        report: &OrgReport,
        listing: &Listing,
        viewer: &SignedIn,
        security: Option<Security<'_>>,
        queue: &QueueEstimate,
    ) -> Result<String, DashboardError> {
        let security = security.map(|s| view::security::section(s.view, s.names));
        self.render(
            "org",
            &view::org::page(report, listing, viewer, security, queue),
        )
    }

    /// A repository's page: its stack, scanners with evidence, requirements, active
    /// checks, onboarding pull requests, coverage history and, when given, its security
    /// outcomes.
    pub fn repo(
        &self,
        org: &str,
        summary: &RepoSummary,
        detail: &RepoDetail,
        now: i64,
        viewer: &SignedIn,
        security: Option<Security<'_>>,
    ) -> Result<String, DashboardError> {
        let security = security.map(|s| view::security::section(s.view, s.names));
        self.render(
            "repo",
            &view::repo::page(org, summary, detail, now, viewer, security),
        )
    }

    /// The public status page: aggregates only, never a repository name, a requirement
    /// id or a pull request. `security`, when given, must have been computed without
    /// private repositories.
    pub fn status(
        &self,
        report: &OrgReport,
        security: Option<&SecurityView>,
    ) -> Result<String, DashboardError> {
        self.render("status", &view::status::page(report, security))
    }

    /// Home: the viewer's organisations, or a sign-in button.
    pub fn index(
        &self,
        orgs: &[String],
        viewer: Option<&SignedIn>,
    ) -> Result<String, DashboardError> {
        self.render("index", &view::home::index(orgs, viewer))
    }

    /// A plain page for errors and notices.
    pub fn message(&self, title: &str, text: &str) -> Result<String, DashboardError> {
        self.render("message", &view::home::message(title, text))
    }
}

/// `text` escaped for XML and HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Unix seconds as a UTC date, `2024-03-01`.
pub(crate) fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// Unix seconds as a UTC date and time, `2024-03-01 14:05 UTC`.
pub(crate) fn date_time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests;
