//! Who is asking: a session cookie from signing in with GitHub, or an API token. Each
//! grants a set of organisations; anything else is not found, so that an outsider
//! cannot even learn which organisations use Fullcover.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use super::Web;
use crate::app::App;
use crate::app::error::HttpError;

pub const SESSION_COOKIE: &str = "fullcover_session";

/// The credentials of a request.
#[derive(Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Signed in with GitHub; may see the organisations GitHub listed.
    Member {
        login: String,
        orgs: Vec<String>,
        /// The session's [`csrf_token`].
        csrf: String,
    },
    /// An API token, scoped to one organisation.
    Token {
        org: String,
    },
    Anonymous,
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Viewer::Member { login, orgs, .. } => f
                .debug_struct("Member")
                .field("login", login)
                .field("orgs", orgs)
                .finish_non_exhaustive(),
            Viewer::Token { org } => f.debug_struct("Token").field("org", org).finish(),
            Viewer::Anonymous => f.write_str("Anonymous"),
        }
    }
}

/// The session's token for forms that change it (log out): the SHA-256 of the session id
/// under a fixed label. Only a holder of the session cookie, which scripts cannot read,
/// can know it; the session's own pages carry it.
pub fn csrf_token(session_id: &str) -> String {
    crate::store::digest(&format!("fullcover csrf {session_id}"))
}

impl Viewer {
    /// The viewer as a page header names them; `None` when nobody is signed in.
    pub fn signed_in(&self) -> Option<crate::dashboard::SignedIn> {
        match self {
            Viewer::Member { login, csrf, .. } => Some(crate::dashboard::SignedIn {
                login: login.clone(),
                csrf: Some(csrf.clone()),
            }),
            Viewer::Token { org } => Some(crate::dashboard::SignedIn {
                login: format!("token for {org}"),
                csrf: None,
            }),
            Viewer::Anonymous => None,
        }
    }

    pub fn may_see(&self, org: &str) -> bool {
        let org = org.to_ascii_lowercase();
        match self {
            Viewer::Member { orgs, .. } => orgs.contains(&org),
            Viewer::Token { org: scope } => *scope == org,
            Viewer::Anonymous => false,
        }
    }

    pub fn orgs(&self) -> Vec<String> {
        match self {
            Viewer::Member { orgs, .. } => orgs.clone(),
            Viewer::Token { org } => vec![org.clone()],
            Viewer::Anonymous => Vec::new(),
        }
    }
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

impl<S> FromRequestParts<S> for Viewer
where
    S: Send + Sync,
    Web: FromRef<S>,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Viewer, HttpError> {
        let app: App = Web::from_ref(state).app;
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(HttpError::Unauthorized("malformed Authorization header"))?;
            return match app.store().token_org(token).await? {
                Some(org) => Ok(Viewer::Token { org }),
                None => Err(HttpError::Unauthorized("unknown token")),
            };
        }
        if let Some(id) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(session) = app.store().session(id).await?
        {
            return Ok(Viewer::Member {
                login: session.login,
                orgs: session.orgs,
                csrf: csrf_token(id),
            });
        }
        Ok(Viewer::Anonymous)
    }
}
