//! The Fullcover GitHub App and command line, around the pure engine in `fullcover_core`.
//!
//! [`github`] is the one client of GitHub's REST API (App JWT, installation tokens, error
//! bodies, rate limits, pacing); [`app`] receives webhooks, turns them into typed events,
//! decides and acts on them, reads repositories through the API into snapshots and
//! delivers onboarding pull requests; [`store`] is the record (SQLite or PostgreSQL);
//! [`dashboard`] and the HTTP API report it; [`setup`] creates the App; [`cli`] is the
//! command line. With the `demo` feature (default), [`demo`] runs the App against the
//! fake GitHub.

pub mod app;
pub mod cli;
pub mod dashboard;
#[cfg(feature = "demo")]
pub mod demo;
pub mod github;
pub mod setup;
pub mod store;
