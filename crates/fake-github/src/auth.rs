//! Authentication as GitHub does it: RS256 app JWTs checked against the app's public key
//! with GitHub's claim rules and messages, and opaque `ghs_` installation tokens.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A freshly generated app key: the PKCS#8 PEM handed to the App and the public key kept
/// by the fake.
pub struct AppKey {
    pub private_key_pem: String,
    pub public_key_der: Vec<u8>,
}

pub fn generate_key() -> anyhow::Result<AppKey> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("PKCS#8 encoding failed"))?;
    let body = STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    Ok(AppKey {
        private_key_pem: pem,
        public_key_der: pair.public_key().as_ref().to_vec(),
    })
}

/// Why GitHub refused a JWT: the message of its 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JwtRejected(pub String);

fn rejected(message: &str) -> JwtRejected {
    JwtRejected(message.to_string())
}

const UNDECODABLE: &str = "A JSON web token could not be decoded";
const EXP_TOO_FAR: &str = "'Expiration time' claim ('exp') is too far in the future";
const EXP_INVALID: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const IAT_INVALID: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
/// How far GitHub tolerates clocks running ahead.
const SKEW_SECONDS: i64 = 60;
/// The longest a JWT may live.
const MAX_LIFETIME_SECONDS: i64 = 600;

/// The `iss` claim of a JWT, read without verifying (to pick the key).
pub fn unverified_issuer(jwt: &str) -> Result<String, JwtRejected> {
    let claims = decode_part(jwt.split('.').nth(1).unwrap_or_default())?;
    match claims.get("iss") {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        _ => Err(rejected(UNDECODABLE)),
    }
}

fn decode_part(part: &str) -> Result<serde_json::Value, JwtRejected> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| rejected(UNDECODABLE))?;
    serde_json::from_slice(&bytes).map_err(|_| rejected(UNDECODABLE))
}

/// Verifies signature and time claims of an app JWT at `now` (unix seconds).
pub fn verify_jwt(jwt: &str, public_key_der: &[u8], now: i64) -> Result<(), JwtRejected> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, sig] = parts.as_slice() else {
        return Err(rejected(UNDECODABLE));
    };
    let header = decode_part(header)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("RS256") {
        return Err(rejected(UNDECODABLE));
    }
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| rejected(UNDECODABLE))?;
    let signed = format!("{}.{}", parts[0], parts[1]);
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_key_der)
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| rejected(UNDECODABLE))?;
    let claims = decode_part(claims)?;
    let iat = claims
        .get("iat")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| rejected(IAT_INVALID))?;
    let exp = claims
        .get("exp")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| rejected(EXP_INVALID))?;
    if iat > now + SKEW_SECONDS {
        return Err(rejected(IAT_INVALID));
    }
    if exp <= now {
        return Err(rejected(EXP_INVALID));
    }
    if exp - iat.max(now - SKEW_SECONDS) > MAX_LIFETIME_SECONDS + SKEW_SECONDS
        || exp - now > MAX_LIFETIME_SECONDS
    {
        return Err(rejected(EXP_TOO_FAR));
    }
    Ok(())
}

/// A new installation token: `ghs_` and a random alphanumeric tail of varying length,
/// because GitHub's token format is changing and clients must not rely on a length.
pub fn new_installation_token() -> String {
    let len = fastrand::usize(36..=60);
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(len)
        .collect();
    format!("ghs_{tail}")
}

/// A random alphanumeric string (client ids, secrets, codes).
pub fn random_string(len: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(len)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

    fn sign(key: &AppKey, claims: serde_json::Value) -> String {
        let enc = EncodingKey::from_rsa_pem(key.private_key_pem.as_bytes()).unwrap();
        encode(&Header::new(Algorithm::RS256), &claims, &enc).unwrap()
    }

    #[test]
    fn jwt_rules() {
        let key = generate_key().unwrap();
        let other = generate_key().unwrap();
        let now = 1_800_000_000;
        let ok = sign(
            &key,
            serde_json::json!({"iat": now - 60, "exp": now + 540, "iss": 42}),
        );
        assert_eq!(verify_jwt(&ok, &key.public_key_der, now), Ok(()));
        assert_eq!(unverified_issuer(&ok).unwrap(), "42");
        assert_eq!(
            verify_jwt(&ok, &other.public_key_der, now),
            Err(rejected(UNDECODABLE))
        );
        let expired = sign(
            &key,
            serde_json::json!({"iat": now - 700, "exp": now - 100, "iss": "Iv1"}),
        );
        assert_eq!(
            verify_jwt(&expired, &key.public_key_der, now),
            Err(rejected(EXP_INVALID))
        );
        let far = sign(
            &key,
            serde_json::json!({"iat": now, "exp": now + 3600, "iss": "Iv1"}),
        );
        assert_eq!(
            verify_jwt(&far, &key.public_key_der, now),
            Err(rejected(EXP_TOO_FAR))
        );
        let future_iat = sign(
            &key,
            serde_json::json!({"iat": now + 300, "exp": now + 500, "iss": "Iv1"}),
        );
        assert_eq!(
            verify_jwt(&future_iat, &key.public_key_der, now),
            Err(rejected(IAT_INVALID))
        );
        assert_eq!(
            verify_jwt("not.a.jwt", &key.public_key_der, now),
            Err(rejected(UNDECODABLE))
        );
    }

    #[test]
    fn tokens_vary_in_length() {
        let lengths: std::collections::BTreeSet<usize> =
            (0..50).map(|_| new_installation_token().len()).collect();
        assert!(lengths.len() > 1);
        assert!(new_installation_token().starts_with("ghs_"));
    }
}
