//! The repository list's query string (`?page`, `?per_page`, `?state`, `?missing`,
//! `?q`, `?sort`), shared by the org page and the API; each bad value is refused with
//! a message naming the parameter.

use serde::Deserialize;

use crate::app::error::HttpError;
use crate::store::RepoState;
use crate::store::rollups::{MAX_PER_PAGE, RepoQuery, RepoSort};

/// Longest `?q` and `?missing` accepted.
const MAX_TEXT: usize = 100;

/// The query string as sent; [`ListParams::query`] checks it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub state: Option<String>,
    pub missing: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
}

fn bad(message: String) -> HttpError {
    HttpError::BadRequest(message)
}

/// An empty value is no value: forms send every field.
fn given(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

impl ListParams {
    pub fn query(&self) -> Result<RepoQuery, HttpError> {
        let number = |name: &str, value: Option<&str>, max: u32, default: u32| match value {
            None => Ok(default),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(format!("`{name}` must be a whole number from 1 to {max}"))),
        };
        let defaults = RepoQuery::default();
        let state = given(&self.state)
            .map(|state| {
                RepoState::parse(state)
                    .map(|state| state.as_str().to_owned())
                    .map_err(|_| {
                        let names: Vec<&str> =
                            RepoState::ALL.iter().map(|state| state.as_str()).collect();
                        bad(format!("`state` must be one of {}", names.join(", ")))
                    })
            })
            .transpose()?;
        let missing = given(&self.missing)
            .map(|id| {
                let valid = id.len() <= MAX_TEXT
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:+#/".contains(c));
                valid.then(|| id.to_ascii_lowercase()).ok_or_else(|| {
                    bad(format!(
                        "`missing` must be a requirement id such as `sca:npm` (at most {MAX_TEXT} characters)"
                    ))
                })
            })
            .transpose()?;
        let name = given(&self.q)
            .map(|q| {
                (q.chars().count() <= MAX_TEXT && !q.chars().any(char::is_control))
                    .then(|| q.to_owned())
                    .ok_or_else(|| {
                        bad(format!(
                            "`q` must be at most {MAX_TEXT} printable characters"
                        ))
                    })
            })
            .transpose()?;
        let sort = match given(&self.sort) {
            None | Some("name") => RepoSort::Name,
            Some("coverage") => RepoSort::Coverage,
            Some(_) => return Err(bad("`sort` must be `name` or `coverage`".to_owned())),
        };
        Ok(RepoQuery {
            page: number("page", given(&self.page), u32::MAX / MAX_PER_PAGE, 1)?,
            per_page: number(
                "per_page",
                given(&self.per_page),
                MAX_PER_PAGE,
                defaults.per_page,
            )?,
            state,
            missing,
            name,
            sort,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let text = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded_parse(&text)
    }

    fn serde_urlencoded_parse(text: &str) -> ListParams {
        axum::extract::Query::<ListParams>::try_from_uri(&format!("/x?{text}").parse().unwrap())
            .unwrap()
            .0
    }

    #[test]
    fn defaults_and_valid_values() {
        assert_eq!(params(&[]).query().unwrap(), RepoQuery::default());
        let query = params(&[
            ("page", "3"),
            ("per_page", "50"),
            ("state", "onboarding"),
            ("missing", "SCA:npm"),
            ("q", "pay"),
            ("sort", "coverage"),
        ])
        .query()
        .unwrap();
        assert_eq!(query.page, 3);
        assert_eq!(query.per_page, 50);
        assert_eq!(query.state.as_deref(), Some("onboarding"));
        assert_eq!(query.missing.as_deref(), Some("sca:npm"));
        assert_eq!(query.name.as_deref(), Some("pay"));
        assert_eq!(query.sort, RepoSort::Coverage);
        // A form's empty fields are no filter.
        assert_eq!(
            params(&[("state", ""), ("q", ""), ("page", "")])
                .query()
                .unwrap(),
            RepoQuery::default()
        );
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        for (pair, name) in [
            (("page", "0"), "`page`"),
            (("page", "x"), "`page`"),
            (("per_page", "501"), "`per_page`"),
            (("state", "lost"), "`state`"),
            (("missing", "sca%20npm"), "`missing`"),
            (("sort", "random"), "`sort`"),
        ] {
            match params(&[pair]).query() {
                Err(HttpError::BadRequest(message)) => {
                    assert!(message.contains(name), "{message}")
                }
                other => panic!("{pair:?} gave {other:?}"),
            }
        }
        let long = "a".repeat(MAX_TEXT + 1);
        assert!(params(&[("q", long.as_str())]).query().is_err());
    }
}
