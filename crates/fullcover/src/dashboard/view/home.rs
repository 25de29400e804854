//! The home page (the viewer's organisations) and the plain message page.

use serde::Serialize;

use super::{Nav, org_href};

#[derive(Debug, Serialize)]
struct OrgLink {
    name: String,
    href: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct IndexView {
    title: &'static str,
    viewer: Option<crate::dashboard::SignedIn>,
    nav: Option<Nav>,
    orgs: Vec<OrgLink>,
}

/// Home: the viewer's organisations, or a sign-in button.
pub(crate) fn index(orgs: &[String], viewer: Option<&crate::dashboard::SignedIn>) -> IndexView {
    IndexView {
        title: "Fullcover · AppSec coverage",
        viewer: viewer.cloned(),
        nav: None,
        orgs: orgs
            .iter()
            .map(|org| OrgLink {
                name: org.clone(),
                href: org_href(org),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct MessageView {
    title: String,
    viewer: Option<crate::dashboard::SignedIn>,
    nav: Option<Nav>,
    text: String,
}

/// A plain page for errors and notices.
pub(crate) fn message(title: &str, text: &str) -> MessageView {
    MessageView {
        title: title.to_owned(),
        viewer: None,
        nav: None,
        text: text.to_owned(),
    }
}
