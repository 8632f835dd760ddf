//! attache as a test double (issue 14): what only a test run uses.

pub mod deterministic;
pub mod fixtures;
