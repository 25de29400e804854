//! Fullcover makes application-security coverage demonstrable.
//!
//! Data flows one way: [`snapshot`] (list a repository) -> [`detect`] (what it is made
//! of) -> [`evaluate`] (which controls it needs and which are in place) -> [`report`]
//! (tables, Markdown and the JSON contract). Detection and evaluation are pure; reading
//! files happens only behind [`snapshot::Snapshot`].

pub mod cli;
pub mod config;
pub mod detect;
pub mod evaluate;
pub mod fake;
pub mod plan;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod units;
