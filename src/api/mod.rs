//! HTTP handlers, one module per dialect (the routes to them are in `startup.rs`): each
//! translates its requests into core calls and the core's answers and errors into its own shape.

pub mod files;
pub mod hostup;
pub mod huawei;
pub mod meta;
pub mod native;
pub mod openapi;
pub mod problem;
mod request_log;
pub mod waldur;

pub use request_log::request_log;

use actix_web::web;

use crate::error::Error;
use crate::ids::Id;

/// Parses a path id in the native spelling; anything else is a 404, never a 400 or 500.
pub fn native_id(text: &str, what: &'static str) -> Result<Id, Error> {
    Id::parse_uuid(text).ok_or(Error::NotFound(what))
}

/// Bad JSON, query strings and paths become `invalid_request` (or 404 for paths).
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1024 * 1024)
            .error_handler(|err, _| {
                let detail = err.to_string();
                let pointer = detail
                    .split_once("missing field `")
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map(|(field, _)| format!("/{field}"))
                    .unwrap_or_default();
                Error::invalid(
                    &pointer,
                    "invalid_json",
                    format!("The JSON body is not valid: {detail}"),
                )
                .into()
            }),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| {
        Error::invalid(
            "",
            "invalid_query",
            format!("The query string is not valid: {err}"),
        )
        .into()
    }))
    .app_data(web::PathConfig::default().error_handler(|_, _| Error::NotFound("resource").into()));
}
