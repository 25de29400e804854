//! The organisation's `.github/fullcover.yml`, from its `.github` repository: what every
//! repository's own file is laid over (`onboarding: false`, `skip`, `ignore`, ...), as the
//! CLI's `--org-config` does. Read through the git API and cached in memory: the file's
//! parsed form by its blob SHA, and per organisation where it was found with the branch's
//! ETag, so that a scan usually costs one conditional request (a 304, which GitHub does
//! not count). Both caches hold at most [`CACHE_LIMIT`] entries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fullcover_core::config::{self, Config, ConfigError};

use super::jobs::JobError;
use crate::github::GitHubClient;

/// Entries each cache holds before it starts again empty.
const CACHE_LIMIT: usize = 1024;

/// How long an organisation without a readable `.github` repository is taken at its word.
const ABSENT_FOR: Duration = Duration::from_secs(600);

/// The repository an organisation keeps its shared configuration in.
const REPOSITORY: &str = ".github";

/// Where each organisation's configuration was last found, and the configurations by the
/// SHA of their blob.
#[derive(Debug, Default)]
pub struct OrgConfigCache {
    pointers: Mutex<HashMap<String, Pointer>>,
    parsed: Mutex<HashMap<String, Result<Config, ConfigError>>>,
}

#[derive(Debug, Clone)]
struct Pointer {
    /// The `.github` repository's default branch; `None` when there is no such
    /// repository the installation can read.
    branch: Option<String>,
    etag: Option<String>,
    /// The blob of `.github/fullcover.yml` at that head, if the file exists.
    blob: Option<String>,
    checked: Instant,
}

impl Pointer {
    fn absent() -> Self {
        Pointer {
            branch: None,
            etag: None,
            blob: None,
            checked: Instant::now(),
        }
    }
}

impl OrgConfigCache {
    fn pointer(&self, org: &str) -> Option<Pointer> {
        self.pointers.lock().ok()?.get(org).cloned()
    }

    fn remember(&self, org: &str, pointer: Pointer) {
        if let Ok(mut pointers) = self.pointers.lock() {
            if pointers.len() >= CACHE_LIMIT && !pointers.contains_key(org) {
                pointers.clear();
            }
            pointers.insert(org.to_owned(), pointer);
        }
    }

    fn parsed(&self, blob: &str) -> Option<Result<Config, ConfigError>> {
        self.parsed.lock().ok()?.get(blob).cloned()
    }

    fn keep_parsed(&self, blob: &str, config: Result<Config, ConfigError>) {
        if let Ok(mut parsed) = self.parsed.lock() {
            if parsed.len() >= CACHE_LIMIT {
                parsed.clear();
            }
            parsed.insert(blob.to_owned(), config);
        }
    }
}

/// The organisation's configuration for a repository of `org`: empty when `org` has no
/// `.github` repository the installation can read, or no `.github/fullcover.yml` in it.
/// The `.github` repository itself is configured by its own file alone.
pub async fn organisation_config(
    cache: &OrgConfigCache,
    client: &GitHubClient,
    org: &str,
    repository_name: &str,
) -> Result<Result<Config, ConfigError>, JobError> {
    if repository_name == REPOSITORY {
        return Ok(Ok(Config::default()));
    }
    let full_name = format!("{org}/{REPOSITORY}");
    let known = cache.pointer(org);
    let branch = match &known {
        Some(pointer) if pointer.branch.is_none() && pointer.checked.elapsed() < ABSENT_FOR => {
            return Ok(Ok(Config::default()));
        }
        Some(Pointer {
            branch: Some(branch),
            ..
        }) => branch.clone(),
        _ => match client.repository(&full_name).await {
            Ok(repository) => repository.default_branch.unwrap_or_else(|| "main".into()),
            Err(err) if err.is_not_found() => {
                cache.remember(org, Pointer::absent());
                return Ok(Ok(Config::default()));
            }
            Err(err) => return Err(err.into()),
        },
    };
    let etag = known.as_ref().and_then(|pointer| pointer.etag.clone());
    let blob = match client
        .branch_head(&full_name, &branch, etag.as_deref())
        .await
    {
        // Unchanged since the last read: the same blob.
        Ok(None) => known.and_then(|pointer| pointer.blob),
        Ok(Some((head, etag))) => {
            let blob = config_blob(client, &full_name, &head).await?;
            cache.remember(
                org,
                Pointer {
                    branch: Some(branch),
                    etag,
                    blob: blob.clone(),
                    checked: Instant::now(),
                },
            );
            blob
        }
        Err(err) if err.is_not_found() || err.is_empty_repository() => {
            cache.remember(org, Pointer::absent());
            None
        }
        Err(err) => return Err(err.into()),
    };
    let Some(blob) = blob else {
        return Ok(Ok(Config::default()));
    };
    if let Some(parsed) = cache.parsed(&blob) {
        return Ok(parsed);
    }
    let name = format!("{full_name}: {}", config::PATH);
    // One byte past the limit tells a file too large without reading the rest of it.
    let bytes = client
        .blob_prefix(&full_name, &blob, config::LIMIT + 1)
        .await?;
    let parsed = if bytes.len() > config::LIMIT {
        Err(refused(&name, "is larger than 1 MiB"))
    } else {
        match std::str::from_utf8(&bytes) {
            Ok(text) => Config::parse(&name, text),
            Err(_) => Err(refused(&name, "is not UTF-8 text")),
        }
    };
    cache.keep_parsed(&blob, parsed.clone());
    Ok(parsed)
}

fn refused(file: &str, message: &str) -> ConfigError {
    ConfigError {
        file: file.to_owned(),
        line: None,
        message: message.to_owned(),
    }
}

/// The blob SHA of `.github/fullcover.yml` at `head`: two one-level tree reads, so a
/// large `.github` repository costs no more than a small one.
async fn config_blob(
    client: &GitHubClient,
    full_name: &str,
    head: &str,
) -> Result<Option<String>, JobError> {
    let (directory, file) = config::PATH.split_once('/').unwrap_or(("", config::PATH));
    let root = client.tree(full_name, head, false).await?;
    let Some(folder) = root
        .tree
        .iter()
        .find(|entry| entry.path == directory && entry.kind == "tree")
    else {
        return Ok(None);
    };
    let folder = client.tree(full_name, &folder.sha, false).await?;
    // A link or submodule is not a configuration file.
    Ok(folder
        .tree
        .into_iter()
        .find(|entry| entry.path == file && entry.kind == "blob" && entry.mode != "120000")
        .map(|entry| entry.sha))
}
