//! REST handlers, one file per API family, and the access check they share.

pub mod actions;
pub mod alerts;
pub mod apps;
pub mod git;
pub mod manifest;
pub mod oauth;
pub mod pull_commits;
pub mod pulls;
pub mod repos;

use axum::http::StatusCode;

use super::http::ApiError;
use super::server::Caller;
use super::state::World;

/// Permission an endpoint needs: (name, level), alternatives separated.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub alternatives: &'static [(&'static str, &'static str)],
    /// Content-changing: refused on archived repositories.
    pub write: bool,
}

const fn read(alternatives: &'static [(&'static str, &'static str)]) -> Need {
    Need {
        alternatives,
        write: false,
    }
}

pub const METADATA_READ: Need = read(&[("metadata", "read")]);
pub const CONTENTS_READ: Need = read(&[("contents", "read")]);
pub const CONTENTS_WRITE: Need = Need {
    alternatives: &[("contents", "write")],
    write: true,
};
pub const PULLS_READ: Need = read(&[("pull_requests", "read")]);
pub const PULLS_WRITE: Need = Need {
    alternatives: &[("pull_requests", "write")],
    write: true,
};
pub const LABELS_WRITE: Need = Need {
    alternatives: &[("issues", "write"), ("pull_requests", "write")],
    write: true,
};
pub const CHECKS_READ: Need = read(&[("checks", "read")]);
pub const ACTIONS_READ: Need = read(&[("actions", "read")]);

fn level(value: &str) -> u8 {
    match value {
        "read" => 1,
        "write" => 2,
        "admin" => 3,
        _ => 0,
    }
}

/// Whether a permission map grants `permission` at `wanted` or more.
pub fn grants(
    permissions: &std::collections::BTreeMap<String, String>,
    permission: &str,
    wanted: &str,
) -> bool {
    permissions
        .get(permission)
        .is_some_and(|have| level(have) >= level(wanted))
}

/// Finds a repository the caller may use for `need`: 404 when it does not exist or is not
/// visible to the caller, 403 when a permission is missing or the repository is archived.
pub fn repo_access(
    world: &World,
    caller: &Caller,
    owner: &str,
    name: &str,
    need: Need,
    doc: &str,
) -> Result<u64, ApiError> {
    let id = world
        .repo_id(owner, name)
        .ok_or_else(|| ApiError::not_found(doc))?;
    let repo = &world.repos[&id];
    match caller {
        Caller::Anonymous => {
            if repo.private {
                return Err(ApiError::not_found(doc));
            }
            if need.write {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "Requires authentication",
                    doc,
                ));
            }
        }
        Caller::App(_) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Resource not accessible by integration",
                doc,
            ));
        }
        Caller::Installation {
            id: installation_id,
            token,
        } => {
            let covered = world
                .installations
                .get(installation_id)
                .is_some_and(|i| world.installation_covers(i, repo))
                && token.repositories.as_ref().is_none_or(|r| r.contains(&id));
            if !covered {
                return Err(ApiError::not_found(doc));
            }
            let granted = need
                .alternatives
                .iter()
                .any(|(p, l)| grants(&token.permissions, p, l));
            if !granted {
                let accepted: Vec<String> = need
                    .alternatives
                    .iter()
                    .map(|(p, l)| format!("{p}={l}"))
                    .collect();
                return Err(ApiError::not_accessible(doc, &accepted.join("; ")));
            }
        }
    }
    if need.write && repo.archived {
        return Err(ApiError::archived(doc));
    }
    Ok(id)
}
