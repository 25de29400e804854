//! Fullcover makes application-security coverage demonstrable.
//!
//! Data flows one way: [`snapshot`] (list a repository: a checkout, or a git tree read
//! through [`github::remote`]) -> [`detect`] (what it is made of) -> [`evaluate`] (which
//! controls it needs and which are in place) -> [`plan`] (the files that close the gaps)
//! -> [`app::deliver`] (one onboarding pull request) -> [`store`] (the record) ->
//! [`report`] (tables, Markdown and the JSON contract). Detection, evaluation and
//! planning are pure; I/O lives at the edges: [`snapshot`], [`github`], [`store`], the
//! HTTP server in [`app`]. [`fake`] is a stateful GitHub for tests and the demo.

pub mod app;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod detect;
pub mod evaluate;
pub mod fake;
pub mod github;
pub mod metrics;
pub mod plan;
pub mod report;
pub mod rules;
pub mod setup;
pub mod snapshot;
pub mod store;
pub mod units;
