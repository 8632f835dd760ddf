//! attache: helpdesk ticket attachments, stored once per SHA-256, served through signed URLs.
#![recursion_limit = "256"] // the Waldur issue document is one large json! literal

pub mod api;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connections;
pub mod core;
pub mod demo;
pub mod domain;
pub mod error;
pub mod error_code;
pub mod ids;
pub mod maintenance;
pub mod metrics;
pub mod random;
pub mod ratelimit;
pub mod signing;
pub mod startup;
pub mod store;
pub mod testing;
pub mod ui;
pub mod unreadable;
pub mod upload;
