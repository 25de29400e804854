//! GitHub's error bodies and small response helpers shared by the routes.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// GitHub's generic documentation link, used when an endpoint has no better one.
pub const DOC_ROOT: &str = "https://docs.github.com/rest";

/// An error answered the way GitHub answers it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub doc: String,
    pub errors: Option<Vec<Value>>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>, doc: &str) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            doc: doc.to_string(),
            errors: None,
            headers: Vec::new(),
        }
    }

    pub fn not_found(doc: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not Found", doc)
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials", DOC_ROOT)
    }

    /// 403 for a token that lacks a permission; `accepted` is e.g. `contents=write`.
    pub fn not_accessible(doc: &str, accepted: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
            doc,
        )
        .header("x-accepted-github-permissions", accepted)
    }

    pub fn empty_repo(doc: &str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "Git Repository is empty.", doc)
    }

    pub fn archived(doc: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "Repository was archived so is read-only.",
            doc,
        )
    }

    /// 422 with a single plain message (e.g. `Reference already exists`).
    pub fn unprocessable(message: impl Into<String>, doc: &str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message, doc)
    }

    /// 422 `Validation Failed` with one error item.
    pub fn validation(doc: &str, error: Value) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed", doc);
        e.errors = Some(vec![error]);
        e
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "message": self.message,
            "documentation_url": self.doc,
            "status": self.status.as_u16().to_string(),
        });
        if let Some(errors) = self.errors {
            body["errors"] = Value::Array(errors);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
        response
    }
}

pub type ApiResult = Result<Response, ApiError>;

pub fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// 201 with a `Location` header.
pub fn created(location: &str, body: Value) -> Response {
    let mut response = json(StatusCode::CREATED, body);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Parses a JSON request body; GitHub's 400s for bad JSON and non-objects.
pub fn parse_body(body: &[u8], doc: &str) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "Problems parsing JSON", doc))?;
    Ok(value)
}

/// Like [`parse_body`] but requires an object.
pub fn parse_object(body: &[u8], doc: &str) -> Result<Value, ApiError> {
    let value = parse_body(body, doc)?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Body should be a JSON object",
            doc,
        ));
    }
    Ok(value)
}

/// A required string field, or 422 `missing_field`.
pub fn required_str<'a>(
    body: &'a Value,
    field: &str,
    resource: &str,
    doc: &str,
) -> Result<&'a str, ApiError> {
    body.get(field).and_then(Value::as_str).ok_or_else(|| {
        ApiError::validation(
            doc,
            json!({"resource": resource, "code": "missing_field", "field": field}),
        )
    })
}

/// Page parameters: GitHub's default 30, at most `max`.
pub fn page_params(per_page: Option<&str>, page: Option<&str>, max: usize) -> (usize, usize) {
    let per_page = per_page
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(30)
        .min(max);
    let page = page
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(1);
    (per_page, page)
}

/// GitHub's `Link` header for page `page` of `total` items, or `None` on a single page.
/// `url` is the request URL without `per_page`/`page`; other query pairs are kept.
pub fn link_header(
    url: &str,
    query: &[(String, String)],
    per_page: usize,
    page: usize,
    total: usize,
) -> Option<String> {
    let last = total.div_ceil(per_page).max(1);
    if last <= 1 {
        return None;
    }
    let href = |p: usize| {
        let mut pairs: Vec<String> = query
            .iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.push(format!("per_page={per_page}"));
        pairs.push(format!("page={p}"));
        format!("<{url}?{}>", pairs.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", href(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", href(page + 1)));
        links.push(format!("{}; rel=\"last\"", href(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", href(1)));
    }
    Some(links.join(", "))
}

pub fn with_link(mut response: Response, link: Option<String>) -> Response {
    if let Some(value) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_like_github() {
        let url = "http://h/installation/repositories";
        assert_eq!(link_header(url, &[], 30, 1, 30), None);
        assert_eq!(
            link_header(url, &[], 3, 1, 15).unwrap(),
            "<http://h/installation/repositories?per_page=3&page=2>; rel=\"next\", \
             <http://h/installation/repositories?per_page=3&page=5>; rel=\"last\""
        );
        assert_eq!(
            link_header(url, &[("state".into(), "all".into())], 3, 5, 15).unwrap(),
            "<http://h/installation/repositories?state=all&per_page=3&page=4>; rel=\"prev\", \
             <http://h/installation/repositories?state=all&per_page=3&page=1>; rel=\"first\""
        );
        assert_eq!(page_params(Some("500"), Some("0"), 100), (100, 1));
        assert_eq!(page_params(None, Some("3"), 100), (30, 3));
    }
}
