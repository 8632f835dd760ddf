//! Django REST framework's error bodies, as Waldur answers them.

use actix_web::HttpRequest;
use serde_json::{json, Map, Value};

use crate::api::problem::{ErrorInfo, ErrorShape};
use crate::error::ErrorCode;

/// The code of a field error that Waldur raises from a view rather than a serializer: its
/// body is a bare list of messages, `["Updating is not available."]`.
pub const VIEW_LEVEL: &str = "view_level";

/// Django REST framework error bodies: `{"detail": …}`, `{"field": [messages]}`, or a bare
/// list of messages; a 401 challenges with `WWW-Authenticate: Token`, as DRF's
/// `TokenAuthentication` does.
pub struct Drf;

impl ErrorShape for Drf {
    fn challenge(info: &ErrorInfo) -> Option<&'static str> {
        matches!(
            info.code,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials
        )
        .then_some("Token")
    }

    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let view_level =
            !info.errors.is_empty() && info.errors.iter().all(|e| e.code == VIEW_LEVEL);
        let body = if view_level {
            info.errors.iter().map(|e| e.detail.clone()).collect()
        } else if info.errors.is_empty() {
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
        ErrorCode::NotFound => not_found(info.missing).to_owned(),
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
        | ErrorCode::InvalidCursor
        | ErrorCode::AttachmentNotFound
        | ErrorCode::TicketClosed
        | ErrorCode::StorageUnavailable
        | ErrorCode::MalformedRequest
        | ErrorCode::UriTooLong
        | ErrorCode::HeadersTooLarge
        | ErrorCode::Internal => info.detail.clone(),
    }
}

/// What DRF says for a missing object: Django's `Http404` message names the model (DRF
/// 3.15); a page past the last is `Invalid page.`; a malformed uuid or an unknown path is
/// DRF's own `Not found.`.
fn not_found(missing: Option<&str>) -> &'static str {
    match missing {
        Some("page") => "Invalid page.",
        Some("ticket") => "No Issue matches the given query.",
        Some("attachment") => "No Attachment matches the given query.",
        Some("message") => "No Comment matches the given query.",
        Some("issue_status") => "No IssueStatus matches the given query.",
        Some("priority") => "No Priority matches the given query.",
        Some("request_type") => "No RequestType matches the given query.",
        _ => "Not found.",
    }
}
