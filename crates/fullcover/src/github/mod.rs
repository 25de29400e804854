//! The GitHub edge: the App's identity (a JWT signed with its private key), one cached
//! client per installation, and the REST calls the App makes, typed to what it needs.

pub mod api;
pub mod client;
pub mod limits;
pub mod turns;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use secrecy::{ExposeSecret, SecretString};

pub use self::client::{Actor, ClientOptions, Fetched, GitHubClient, GitHubError, Result};

/// The default API root; GitHub Enterprise Server uses `https://HOST/api/v3`.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Who the App is.
#[derive(Clone)]
pub struct AppIdentity {
    pub app_id: u64,
    pub private_key_pem: SecretString,
    pub api_url: String,
}

impl std::fmt::Debug for AppIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppIdentity")
            .field("app_id", &self.app_id)
            .field("private_key_pem", &"[redacted]")
            .field("api_url", &self.api_url)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the private key is not an RSA key in PEM form: {0}")]
    Key(String),
    #[error("the GitHub API URL {url:?} is not valid: {detail}")]
    Url { url: String, detail: String },
    #[error("cannot build the GitHub client: {0}")]
    Client(String),
}

/// A client that acts for a signed-in user (with their token) or for no one, on
/// `base_url`: the API root (GitHub Enterprise Server's `/api/v3` included) or, for the
/// OAuth code exchange, the web host. Must be called inside a Tokio runtime.
pub fn client(
    base_url: &str,
    actor: Actor,
    token: Option<&SecretString>,
    options: ClientOptions,
) -> Result<GitHubClient, SetupError> {
    let builder = builder(base_url)?;
    let crab = match token {
        Some(token) => builder.personal_token(token.expose_secret().to_owned()),
        None => builder,
    }
    .build()
    .map_err(|err| SetupError::Client(err.to_string()))?;
    Ok(GitHubClient::new(crab, actor, options))
}

/// Octocrab on `base_url`, with connection and transfer timeouts.
fn builder(
    base_url: &str,
) -> Result<
    octocrab::OctocrabBuilder<
        octocrab::NoSvc,
        octocrab::DefaultOctocrabBuilderConfig,
        octocrab::NoAuth,
        octocrab::NotLayerReady,
    >,
    SetupError,
> {
    let base = base_url.trim_end_matches('/');
    Ok(Octocrab::builder()
        .base_uri(base)
        .map_err(|err| SetupError::Url {
            url: base.to_owned(),
            detail: err.to_string(),
        })?
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(30)))
        .set_write_timeout(Some(Duration::from_secs(30))))
}

/// The App, with a client per installation kept for as long as the process runs, so
/// installation tokens are minted once and reused until shortly before they expire.
pub struct GitHubApp {
    app: Octocrab,
    options: ClientOptions,
    installations: Mutex<HashMap<i64, Arc<GitHubClient>>>,
    /// Pacing shared with other replicas through a ledger, once one is given.
    shared: Option<Arc<turns::SharedTurns>>,
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApp").finish_non_exhaustive()
    }
}

impl GitHubApp {
    /// Must be called inside a Tokio runtime (octocrab's client needs one).
    pub fn new(identity: &AppIdentity, options: ClientOptions) -> Result<GitHubApp, SetupError> {
        let key = octocrab::jsonwebtoken::EncodingKey::from_rsa_pem(
            identity.private_key_pem.expose_secret().as_bytes(),
        )
        .map_err(|err| SetupError::Key(err.to_string()))?;
        let app = builder(&identity.api_url)?
            .app(AppId(identity.app_id), key)
            .build()
            .map_err(|err| SetupError::Client(err.to_string()))?;
        Ok(GitHubApp {
            app,
            options,
            installations: Mutex::new(HashMap::new()),
            shared: None,
        })
    }

    /// Paces every installation's writes through `ledger`, which the other replicas
    /// share (see [`turns`]), beside this process's own pacing. Clients created before
    /// keep pacing alone, so this is called before the App starts.
    pub fn share_pacing(&mut self, ledger: Arc<dyn turns::TurnLedger>) {
        self.shared = turns::SharedTurns::new(ledger, self.options.pacing.clone()).map(Arc::new);
    }

    /// The client of one installation, created on first use.
    pub fn installation(&self, id: i64) -> Result<Arc<GitHubClient>, GitHubError> {
        let mut installations = self
            .installations
            .lock()
            .map_err(|_| GitHubError::Transport {
                method: http::Method::POST,
                path: format!("/app/installations/{id}/access_tokens"),
                detail: "installation cache poisoned".into(),
            })?;
        if let Some(client) = installations.get(&id) {
            return Ok(client.clone());
        }
        let unsigned = u64::try_from(id).map_err(|_| GitHubError::Decode {
            path: "installation".into(),
            detail: format!("negative installation id {id}"),
        })?;
        let crab = self
            .app
            .installation(InstallationId(unsigned))
            .map_err(|err| GitHubError::Transport {
                method: http::Method::POST,
                path: format!("/app/installations/{id}/access_tokens"),
                detail: err.to_string(),
            })?;
        let mut client = GitHubClient::new(crab, Actor::Installation(id), self.options.clone());
        if let Some(shared) = &self.shared {
            client = client.sharing_turns(shared.clone());
        }
        let client = Arc::new(client);
        installations.insert(id, client.clone());
        Ok(client)
    }

    /// Drops an installation's client (uninstalled or suspended): its token goes with it.
    pub fn forget(&self, id: i64) {
        if let Ok(mut installations) = self.installations.lock() {
            installations.remove(&id);
        }
    }

    /// The primary budget of every installation in use: (installation, remaining).
    pub fn budgets(&self) -> Vec<(i64, Option<u64>)> {
        self.installations
            .lock()
            .map(|installations| {
                installations
                    .iter()
                    .map(|(id, client)| (*id, client.budget().remaining))
                    .collect()
            })
            .unwrap_or_default()
    }
}
