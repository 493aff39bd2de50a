//! The Tolk gateway: composes the protocol crates into legs, bridges and
//! routes, and hosts the `tolk` command line for integrators.

pub mod admin;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod metrics;
