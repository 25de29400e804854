//! End-to-end tests of the fake over HTTP.
