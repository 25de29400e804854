//! One integration-test binary for the whole crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly"
)]

mod app;
mod bad_input;
mod cli;
mod dashboard;
mod demo;
mod fixtures;
mod plan;
mod remote;
mod serve;
mod setup;
mod store;
mod support;
mod web;
mod webhooks;
mod world;
