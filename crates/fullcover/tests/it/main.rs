//! One integration-test binary for the whole crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly"
)]

mod app;
mod cli;
mod crash;
mod dashboard;
mod demo;
mod fuzz;
mod order;
mod org_config;
mod platform;
mod processes;
mod read_model;
mod replicas;
mod runs;
mod scan_bounds;
mod security;
mod seed;
mod serve;
mod setup;
mod store;
mod store_security;
mod support;
mod web;
mod webhooks;
mod world;
mod write_turns;
