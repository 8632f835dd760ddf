//! Django REST framework's error bodies, as Waldur answers them.

use actix_web::HttpRequest;
use serde_json::{json, Map, Value};

use crate::api::problem::{ErrorInfo, ErrorShape};
use crate::error::ErrorCode;

/// Django REST framework error bodies: `{"detail": …}`, or `{"field": [messages]}`.
pub struct Drf;

impl ErrorShape for Drf {
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let body = if info.errors.is_empty() {
            let detail = drf_detail(info, req);
            json!({ "detail": detail })
        } else {
            let mut fields: Map<String, Value> = Map::new();
            for e in &info.errors {
                let field = e
                    .pointer
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or_default();
                let field = if field.is_empty() {
                    "non_field_errors"
                } else {
                    field
                };
                let messages = fields.entry(field).or_insert_with(|| json!([]));
                if let Value::Array(list) = messages {
                    list.push(e.detail.clone().into());
                }
            }
            Value::Object(fields)
        };
        ("application/json", body.to_string())
    }
}

/// The `detail` Django REST framework writes for each code; the rest keep attache's words.
fn drf_detail(info: &ErrorInfo, req: &HttpRequest) -> String {
    let permission = "You do not have permission to perform this action.";
    match info.code {
        ErrorCode::Unauthorized => "Authentication credentials were not provided.".to_owned(),
        ErrorCode::InvalidCredentials => "Invalid token.".to_owned(),
        ErrorCode::InsufficientScope | ErrorCode::Forbidden => permission.to_owned(),
        ErrorCode::NotFound => "Not found.".to_owned(),
        ErrorCode::MethodNotAllowed => format!("Method \"{}\" not allowed.", req.method()),
        ErrorCode::InvalidRequest
        | ErrorCode::FileTooLarge
        | ErrorCode::UnsupportedFileType
        | ErrorCode::EmptyFile
        | ErrorCode::MissingFile
        | ErrorCode::TooManyAttachments
        | ErrorCode::UrlExpired
        | ErrorCode::SignatureInvalid
        | ErrorCode::RateLimited
        | ErrorCode::TooManyUploads
        | ErrorCode::UploadTimeout
        | ErrorCode::InsufficientStorage
        | ErrorCode::Busy
        | ErrorCode::QuotaExceeded
        | ErrorCode::Internal => info.detail.clone(),
    }
}
