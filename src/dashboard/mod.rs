//! Placeholder for the dashboard pages (being built on branch `dashboard`): the same API,
//! plain output, so the routes compile and can be tested meanwhile.

use crate::metrics::{OrgReport, RepoSummary};
use crate::store::RepoDetail;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("cannot render {0}")]
    Render(String),
}

pub struct Pages;

fn escape(text: &str) -> String {
    crate::setup::escape(text)
}

impl Pages {
    pub fn embedded() -> Result<Pages, DashboardError> {
        Ok(Pages)
    }

    pub fn org(&self, report: &OrgReport, viewer: &str) -> Result<String, DashboardError> {
        Ok(format!(
            "<html><body><p>{}</p><p>{} of {} repositories fully covered</p></body></html>",
            escape(viewer),
            report.repos_fully_covered,
            report.repos_in_scope
        ))
    }

    pub fn repo(
        &self,
        org: &str,
        summary: &RepoSummary,
        _detail: &RepoDetail,
        _now: i64,
        viewer: &str,
    ) -> Result<String, DashboardError> {
        Ok(format!(
            "<html><body><p>{}</p><h1>{}/{}</h1></body></html>",
            escape(viewer),
            escape(org),
            escape(&summary.name)
        ))
    }

    pub fn status(&self, report: &OrgReport) -> Result<String, DashboardError> {
        Ok(format!(
            "<html><body><h1>{}</h1><p>{} of {}</p></body></html>",
            escape(&report.org),
            report.repos_fully_covered,
            report.repos_in_scope
        ))
    }

    pub fn index(&self, orgs: &[String], viewer: Option<&str>) -> Result<String, DashboardError> {
        Ok(match viewer {
            Some(viewer) => format!(
                "<html><body><p>{}</p>{}</body></html>",
                escape(viewer),
                orgs.iter()
                    .map(|org| format!("<a href=\"/orgs/{0}\">{0}</a>", escape(org)))
                    .collect::<String>()
            ),
            None => "<html><body><a href=\"/login\">Sign in with GitHub</a></body></html>".into(),
        })
    }

    pub fn message(&self, title: &str, text: &str) -> Result<String, DashboardError> {
        Ok(format!(
            "<html><body><h1>{}</h1><p>{}</p></body></html>",
            escape(title),
            escape(text)
        ))
    }
}

pub fn badge_svg(label: &str, message: &str, color: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{0}: {1}\"><title>{0}: {1}</title><rect fill=\"{2}\"/></svg>",
        escape(label),
        escape(message),
        escape(color)
    )
}

pub fn coverage_color(percent: Option<f64>) -> &'static str {
    match percent {
        None => "lightgrey",
        Some(p) if p >= 100.0 => "brightgreen",
        Some(p) if p >= 95.0 => "green",
        Some(p) if p >= 80.0 => "yellow",
        Some(p) if p >= 50.0 => "orange",
        Some(_) => "red",
    }
}
