//! Fullcover's engine, pure: it reads a repository's files through a [`snapshot`] and
//! returns data; it opens no socket, touches no database and runs no async runtime.
//!
//! Data flows one way: [`snapshot`] (a repository's paths and capped reads) -> [`detect`]
//! (languages, IaC, ecosystems, scanners) -> [`evaluate`] (required controls, which are
//! in place) -> [`plan`] (the files that close the gaps, and the pull request's text).
//! [`rules`] compiles the data in `rules/`; [`config`] reads `.github/fullcover.yml`;
//! [`report`] renders the scan contract, tables and Markdown; [`metrics`] computes
//! coverage over time from a recorded history. [`formats`] parses YAML, JSON, TOML and
//! XML with bounds, for all of them.

pub mod config;
pub mod detect;
pub mod evaluate;
pub mod formats;
pub mod metrics;
pub mod plan;
pub mod platform;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod units;
