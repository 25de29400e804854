//! Who may see what: API tokens (stored as SHA-256 digests, shown once), login
//! sessions, and each organisation's choice to make its status public.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Result, Store, now};

/// A token's stored form: only its digest is kept, so the store never holds it in clear.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new random secret with a recognisable prefix (for secret scanners).
fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(16) {
        chunk.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    format!("{prefix}{}", hex::encode(bytes))
}

/// An API token as an admin sees it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The first 12 hex digits of the token's digest: names it for `token revoke`.
    pub id: String,
    pub org: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// How many hex digits of a token's digest name it.
const TOKEN_ID_LEN: usize = 12;

/// A login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub login: String,
    /// The organisations GitHub said the user belongs to when they logged in.
    pub orgs: Vec<String>,
}

impl Store {
    /// Creates an API token scoped to `org` that never expires; returns it (it is not
    /// kept in clear).
    pub async fn create_token(&self, org: &str, label: &str) -> Result<String> {
        self.create_expiring_token(org, label, None).await
    }

    /// Creates an API token scoped to `org`, refused after `expires_at` (Unix seconds).
    pub async fn create_expiring_token(
        &self,
        org: &str,
        label: &str,
        expires_at: Option<i64>,
    ) -> Result<String> {
        let token = new_secret("fct_");
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, org, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest(&token))
        .bind(org.to_ascii_lowercase())
        .bind(label)
        .bind(now())
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// An organisation's API tokens, oldest first.
    pub async fn tokens(&self, org: &str) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT token_hash, org, label, created_at, last_used_at, expires_at FROM api_tokens \
             WHERE org = $1 ORDER BY created_at, token_hash",
        )
        .bind(org.to_ascii_lowercase())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let hash: String = row.try_get("token_hash")?;
                Ok(TokenInfo {
                    id: hash.chars().take(TOKEN_ID_LEN).collect(),
                    org: row.try_get("org")?,
                    label: row.try_get("label")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Revokes the token `id` names (as `tokens` lists it); whether one was revoked.
    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        if id.len() != TOKEN_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        let done = sqlx::query("DELETE FROM api_tokens WHERE substr(token_hash, 1, 12) = $1")
            .bind(id.to_ascii_lowercase())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The organisation a token is scoped to, if it is a valid token not expired.
    pub async fn token_org(&self, token: &str) -> Result<Option<String>> {
        let hash = digest(token);
        let row = sqlx::query(
            "SELECT org FROM api_tokens WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(&hash)
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now())
            .bind(&hash)
            .execute(self.pool())
            .await?;
        Ok(Some(row.try_get("org")?))
    }

    /// Starts a session for `login`; returns its id for the cookie.
    pub async fn create_session(
        &self,
        login: &str,
        orgs: &[String],
        ttl_seconds: i64,
    ) -> Result<String> {
        let id = new_secret("");
        let at = now();
        let orgs: Vec<String> = orgs.iter().map(|o| o.to_ascii_lowercase()).collect();
        sqlx::query(
            "INSERT INTO sessions (id_hash, login, orgs, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest(&id))
        .bind(login)
        .bind(serde_json::Value::from(orgs).to_string())
        .bind(at)
        .bind(at + ttl_seconds)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// The live session with this id.
    pub async fn session(&self, id: &str) -> Result<Option<Session>> {
        let row =
            sqlx::query("SELECT login, orgs FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(digest(id))
                .bind(now())
                .fetch_optional(self.pool())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let orgs: String = row.try_get("orgs")?;
        Ok(Some(Session {
            login: row.try_get("login")?,
            orgs: super::repositories::ids(&orgs)?,
        }))
    }

    pub async fn end_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(digest(id))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn set_org_public(&self, org: &str, public: bool) -> Result<()> {
        sqlx::query(
            "INSERT INTO org_settings (org, public, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org) DO UPDATE SET public = $2, updated_at = $3",
        )
        .bind(org.to_ascii_lowercase())
        .bind(i64::from(public))
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether the organisation opted in to a public status page and badges.
    pub async fn org_public(&self, org: &str) -> Result<bool> {
        let row = sqlx::query("SELECT public FROM org_settings WHERE org = $1")
            .bind(org.to_ascii_lowercase())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64, _>("public")? != 0,
            None => false,
        })
    }
}
