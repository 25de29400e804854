//! The one connection to GitHub's REST API, for an installation, a signed-in user or
//! no one: octocrab authenticates (and mints and caches an installation's token); this
//! layer adds what octocrab leaves to the caller: GitHub's error bodies, conditional
//! requests, pausing on the primary limit, waiting out secondary limits, retrying reads
//! that failed in transit, and pacing content-creating requests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use octocrab::Octocrab;
use serde::Serialize;
use serde_json::Value;

use super::limits::{Budget, Pacer, Pacing};
use super::turns::{SharedTurns, WRITE_DEADLINE};

/// The media type of GitHub's REST API.
const GITHUB_JSON: &str = "application/vnd.github+json";

/// How the client waits and retries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub pacing: Pacing,
    /// The wait after a secondary limit that names no `retry-after`: GitHub asks for at
    /// least a minute, doubled on each repeat.
    pub secondary_wait: Duration,
    /// The first pause before retrying a read that failed in transit or with a 5xx.
    pub retry_base: Duration,
    /// Attempts of one request before its error goes to the caller.
    pub max_attempts: u32,
    /// The longest the client pauses for the primary limit before giving the error to
    /// the caller (whose job is then retried later).
    pub max_pause: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            pacing: Pacing::default(),
            secondary_wait: Duration::from_secs(60),
            retry_base: Duration::from_millis(500),
            max_attempts: 5,
            max_pause: Duration::from_secs(3700),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("{method} {path}: GitHub answered {status}: {message}")]
    Status {
        method: Method,
        path: String,
        status: StatusCode,
        message: String,
    },
    #[error("{method} {path}: {detail}")]
    Transport {
        method: Method,
        path: String,
        detail: String,
    },
    #[error("{path}: unexpected response: {detail}")]
    Decode { path: String, detail: String },
}

impl GitHubError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            GitHubError::Status { message, .. } => message,
            GitHubError::Transport { detail, .. } | GitHubError::Decode { detail, .. } => detail,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// A 409 "Git Repository is empty."
    pub fn is_empty_repository(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT) && self.message().contains("is empty")
    }

    pub fn is_archived(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN) && self.message().contains("archived")
    }

    pub fn is_validation(&self) -> bool {
        self.status() == Some(StatusCode::UNPROCESSABLE_ENTITY)
    }
}

pub type Result<T, E = GitHubError> = std::result::Result<T, E>;

/// A JSON answer, or proof that nothing changed since the ETag.
#[derive(Debug)]
pub enum Fetched {
    Modified {
        body: Value,
        etag: Option<String>,
        next: Option<String>,
    },
    NotModified,
}

/// Whom a client acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The App, as one installation (its token, its rate limit).
    Installation(i64),
    /// A person who signed in (a user-to-server token).
    User,
    /// Nobody: endpoints that authenticate by what the request carries (a manifest
    /// code, an OAuth code with the App's client credentials).
    Anonymous,
}

pub struct GitHubClient {
    crab: Octocrab,
    pub actor: Actor,
    options: ClientOptions,
    pacer: Pacer,
    /// The pacing this installation's writes share with other replicas, if any.
    shared: Option<Arc<SharedTurns>>,
    budget: Mutex<Budget>,
    bulk_reads: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    /// The body, or its first bytes when the caller asked for a prefix.
    body: Vec<u8>,
}

/// How much of a response body to read.
#[derive(Debug, Clone, Copy)]
enum Read {
    Whole,
    /// The first bytes of a successful answer; the connection is dropped after them.
    Prefix(usize),
}

/// An error answer's body is read up to this much even under a shorter prefix: GitHub's
/// error bodies are small JSON documents and the message decides retries.
const ERROR_BODY_BYTES: usize = 64 * 1024;

impl GitHubClient {
    pub fn new(crab: Octocrab, actor: Actor, options: ClientOptions) -> Self {
        GitHubClient {
            pacer: Pacer::new(options.pacing.clone()),
            crab,
            actor,
            options,
            shared: None,
            budget: Mutex::new(Budget::default()),
            bulk_reads: tokio::sync::Mutex::new(()),
        }
    }

    /// Paces this client's writes with the other replicas' too (an installation's only).
    pub fn sharing_turns(mut self, shared: Arc<SharedTurns>) -> Self {
        if matches!(self.actor, Actor::Installation(_)) {
            self.shared = Some(shared);
        }
        self
    }

    /// The turn of one bulk reader of this client (a scan listing and reading a
    /// repository): one at a time, so that each judges the remaining budget with no other
    /// reader's requests in flight.
    pub async fn bulk_read_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.bulk_reads.lock().await
    }

    /// The primary budget as last reported.
    pub fn budget(&self) -> Budget {
        self.budget.lock().map(|b| *b).unwrap_or_default()
    }

    /// The primary budget as it stands now: unknown once the reported reset has passed.
    pub fn budget_now(&self) -> Budget {
        self.budget().at(chrono::Utc::now().timestamp())
    }

    /// A GET, conditional on `etag` when given.
    pub async fn get(&self, path: &str, etag: Option<&str>) -> Result<Fetched> {
        let answer = self
            .send(
                Method::GET,
                path,
                None::<&()>,
                etag,
                GITHUB_JSON,
                Read::Whole,
            )
            .await?;
        if answer.status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        let etag = header(&answer.headers, "etag");
        let next = next_link(&answer.headers);
        Ok(Fetched::Modified {
            body: decode(path, &answer.body)?,
            etag,
            next,
        })
    }

    /// A GET whose answer is always fresh.
    pub async fn get_json(&self, path: &str) -> Result<(Value, Option<String>)> {
        match self.get(path, None).await? {
            Fetched::Modified { body, next, .. } => Ok((body, next)),
            Fetched::NotModified => Err(GitHubError::Decode {
                path: path.to_owned(),
                detail: "304 to an unconditional request".into(),
            }),
        }
    }

    /// A content-creating request (POST, PATCH, PUT, DELETE), paced.
    pub async fn write<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<Value> {
        self.write_accepting(method, path, body, GITHUB_JSON).await
    }

    /// As [`GitHubClient::write`], for the endpoints outside the REST API (OAuth on the
    /// web host) that answer JSON only when asked for plain `application/json`.
    pub async fn write_accepting<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        accept: &'static str,
    ) -> Result<Value> {
        let answer = self
            .send(method, path, Some(body), None, accept, Read::Whole)
            .await?;
        if answer.body.trim_ascii().is_empty() {
            return Ok(Value::Null);
        }
        decode(path, &answer.body)
    }

    /// At most the first `limit` bytes of a GET answered in the `accept` media type (a
    /// raw one): the rest is never read, the connection closed after the prefix.
    pub async fn get_prefix(
        &self,
        path: &str,
        accept: &'static str,
        limit: usize,
    ) -> Result<Vec<u8>> {
        let answer = self
            .send(
                Method::GET,
                path,
                None::<&()>,
                None,
                accept,
                Read::Prefix(limit),
            )
            .await?;
        Ok(answer.body)
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        etag: Option<&str>,
        accept: &'static str,
        read: Read,
    ) -> Result<Answer> {
        let mut attempt = 0;
        let mut secondary_hits = 0;
        loop {
            attempt += 1;
            self.pause_for_budget(&method, path).await?;
            let outcome = if method == Method::GET {
                self.send_once(&method, path, body, etag, accept, read)
                    .await
            } else {
                self.send_write(&method, path, body, accept).await
            };
            let retry_in = match &outcome {
                Ok(answer) => {
                    if let Some(budget) = Budget::from_headers(&answer.headers)
                        && let Ok(mut current) = self.budget.lock()
                    {
                        *current = budget;
                    }
                    if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
                        break outcome;
                    }
                    match classify(answer) {
                        Refusal::PrimaryLimit => Some(Duration::ZERO),
                        Refusal::SecondaryLimit(after) => {
                            secondary_hits += 1;
                            Some(after.unwrap_or_else(|| {
                                self.options.secondary_wait
                                    * 2u32.saturating_pow(secondary_hits - 1)
                            }))
                        }
                        Refusal::ServerError if method == Method::GET => {
                            Some(self.backoff(attempt))
                        }
                        Refusal::ServerError | Refusal::Final => None,
                    }
                }
                Err(_) if method == Method::GET => Some(self.backoff(attempt)),
                Err(_) => None,
            };
            match retry_in {
                Some(wait) if attempt < self.options.max_attempts => {
                    tracing::debug!(%method, path, attempt, ?wait, "retrying GitHub request");
                    tokio::time::sleep(wait).await;
                }
                _ => break outcome,
            }
        }
        .and_then(|answer| {
            if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
                Ok(answer)
            } else {
                Err(GitHubError::Status {
                    method: method.clone(),
                    path: path.to_owned(),
                    status: answer.status,
                    message: error_message(&answer.body),
                })
            }
        })
    }

    /// One content-creating request in its turn: this process's, then the
    /// installation's among the replicas; the request is cut off at [`WRITE_DEADLINE`]
    /// so that it cannot outlast the shared turn.
    async fn send_write<B: Serialize + ?Sized>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&B>,
        accept: &'static str,
    ) -> Result<Answer> {
        let transport = |detail: String| GitHubError::Transport {
            method: method.clone(),
            path: path.to_owned(),
            detail,
        };
        let local = self.pacer.turn().await;
        let shared = match (&self.shared, self.actor) {
            (Some(shared), Actor::Installation(id)) => Some((
                shared,
                shared.take(id).await.map_err(|err| {
                    transport(format!(
                        "cannot take the installation's turn to write: {err}"
                    ))
                })?,
            )),
            _ => None,
        };
        let outcome = tokio::time::timeout(
            WRITE_DEADLINE,
            self.send_once(method, path, body, None, accept, Read::Whole),
        )
        .await
        .unwrap_or_else(|_| {
            Err(transport(format!(
                "no answer within {} s",
                WRITE_DEADLINE.as_secs()
            )))
        });
        if let Some((shared, turn)) = shared
            && let Err(err) = shared.finish(turn).await
        {
            // The turn is taken over when its lease runs out, and this request counted.
            tracing::warn!(error = %err, path, "cannot hand the turn to write back");
        }
        drop(local);
        outcome
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.options.retry_base * 2u32.saturating_pow(attempt.saturating_sub(1));
        base + base.mul_f64(fastrand::f64() * 0.25)
    }

    async fn pause_for_budget(&self, method: &Method, path: &str) -> Result<()> {
        let pause = self.budget().pause(chrono::Utc::now().timestamp());
        if let Some(pause) = pause {
            if pause > self.options.max_pause {
                return Err(GitHubError::Status {
                    method: method.clone(),
                    path: path.to_owned(),
                    status: StatusCode::FORBIDDEN,
                    message: format!("rate limit exhausted for {} s", pause.as_secs()),
                });
            }
            tracing::info!(
                actor = ?self.actor,
                seconds = pause.as_secs(),
                "primary rate limit exhausted: pausing until it resets"
            );
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }

    async fn send_once<B: Serialize + ?Sized>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&B>,
        etag: Option<&str>,
        accept: &'static str,
        read: Read,
    ) -> Result<Answer> {
        let transport = |detail: String| GitHubError::Transport {
            method: method.clone(),
            path: path.to_owned(),
            detail,
        };
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(path)
            .header(http::header::ACCEPT, accept)
            .header("x-github-api-version", "2022-11-28");
        if let Some(etag) = etag
            && let Ok(value) = HeaderValue::from_str(etag)
        {
            request = request.header(http::header::IF_NONE_MATCH, value);
        }
        let request = self
            .crab
            .build_request(request, body)
            .map_err(|err| transport(err.to_string()))?;
        let response = self
            .crab
            .execute(request)
            .await
            .map_err(|err| transport(err.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = match read {
            Read::Whole => usize::MAX,
            Read::Prefix(limit) if status.is_success() => limit,
            Read::Prefix(limit) => limit.max(ERROR_BODY_BYTES),
        };
        let body = read_body(response.into_body(), limit)
            .await
            .map_err(transport)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// The first `limit` bytes of a body; what follows is left unread and dropped with it.
async fn read_body<B>(mut body: B, limit: usize) -> std::result::Result<Vec<u8>, String>
where
    B: hyper::body::Body<Data = hyper::body::Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(err)) => return Err(err.to_string()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let take = data.len().min(limit - bytes.len());
                    bytes.extend_from_slice(&data[..take]);
                }
            }
        }
    }
    Ok(bytes)
}

enum Refusal {
    PrimaryLimit,
    SecondaryLimit(Option<Duration>),
    ServerError,
    Final,
}

fn classify(answer: &Answer) -> Refusal {
    let status = answer.status;
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = header(&answer.headers, "retry-after")
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let exhausted = header(&answer.headers, "x-ratelimit-remaining").as_deref() == Some("0");
        let message = error_message(&answer.body).to_ascii_lowercase();
        if message.contains("secondary rate limit") || retry_after.is_some() {
            return Refusal::SecondaryLimit(retry_after);
        }
        if exhausted || message.contains("rate limit exceeded") {
            return Refusal::PrimaryLimit;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Refusal::SecondaryLimit(None);
        }
    }
    if status.is_server_error() {
        return Refusal::ServerError;
    }
    Refusal::Final
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn decode(path: &str, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|err| GitHubError::Decode {
        path: path.to_owned(),
        detail: err.to_string(),
    })
}

/// GitHub's `message`, or the start of a body that has none.
fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => match value.get("message").and_then(Value::as_str) {
            Some(message) => message.to_owned(),
            None => value.to_string().chars().take(200).collect(),
        },
        Err(_) => String::from_utf8_lossy(body).chars().take(200).collect(),
    }
}

/// The path and query of the `rel="next"` link. Only the path is kept: octocrab adds the
/// token to requests for its own base URL only.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|param| param.trim() == "rel=\"next\"")
            .then(|| {
                let url = target.trim().trim_start_matches('<').trim_end_matches('>');
                match url.find("://") {
                    Some(scheme) => {
                        let rest = &url[scheme + 3..];
                        rest.find('/')
                            .map_or("/", |slash| &rest[slash..])
                            .to_owned()
                    }
                    None => url.to_owned(),
                }
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_keeps_path_and_query() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            HeaderValue::from_static(
                "<https://api.github.com/installation/repositories?per_page=100&page=2>; rel=\"next\", <https://api.github.com/installation/repositories?per_page=100&page=5>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("/installation/repositories?per_page=100&page=2")
        );
        headers.insert(
            http::header::LINK,
            HeaderValue::from_static("<https://ghe.example.com/api/v3/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn refusals_are_told_apart() {
        let answer = |status: u16, headers: &[(&'static str, &'static str)], body: &str| Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        http::HeaderName::from_static(k),
                        HeaderValue::from_static(v),
                    )
                })
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        assert!(matches!(
            classify(&answer(403, &[("retry-after", "30")], r#"{"message":"You have exceeded a secondary rate limit."}"#)),
            Refusal::SecondaryLimit(Some(d)) if d == Duration::from_secs(30)
        ));
        assert!(matches!(
            classify(&answer(
                403,
                &[("x-ratelimit-remaining", "0")],
                r#"{"message":"API rate limit exceeded for installation ID 1."}"#
            )),
            Refusal::PrimaryLimit
        ));
        assert!(matches!(
            classify(&answer(
                403,
                &[],
                r#"{"message":"Resource not accessible by integration"}"#
            )),
            Refusal::Final
        ));
        assert!(matches!(
            classify(&answer(502, &[], "bad gateway")),
            Refusal::ServerError
        ));
    }
}
