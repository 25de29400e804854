//! One integration-test binary for the whole crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly"
)]

mod app;
mod bad_input;
mod cli;
mod demo;
mod fixtures;
mod plan;
mod remote;
mod store;
mod support;
mod world;
