//! One integration-test binary for the core: every fixture repository scanned and
//! planned through the same pipeline the CLI and the App run, without network or store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly"
)]

mod bad_input;
mod containers;
mod first_run;
mod fixtures;
mod fuzz;
mod gaps;
mod plan;
mod platform;
mod remote;
mod support;
