//! The outer edge of errors: a middleware that gives every error response its body, with the
//! request id and path only the request knows. Native and HostUp routes answer RFC 9457
//! problem documents; other dialects bring their own `Shape`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde_json::json;

use crate::core::Core;
use crate::domain::now;
use crate::error::{Error, ErrorCode, FieldError};

/// The request id, set by the logging middleware for everything inside it.
#[derive(Clone)]
pub struct RequestId(pub String);

/// What an error response says, whatever its shape.
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// What was not found, for a `not_found` of ours (`"ticket"`, `"page"`, …).
    pub missing: Option<&'static str>,
    /// The scope the key lacks, for an `insufficient_scope` of ours.
    pub scope: Option<&'static str>,
    /// The seconds to wait, for a rate limit (ours or the limiter's).
    pub retry_after: Option<u64>,
}

/// What one of our errors says, answered with `status`.
pub fn info_of(status: StatusCode, ours: &Error) -> ErrorInfo {
    ErrorInfo {
        status,
        code: ours.code(),
        title: ours.title(),
        detail: ours.public_detail(),
        errors: ours.field_errors(),
        missing: match ours {
            Error::NotFound(what) => Some(what),
            _ => None,
        },
        scope: match ours {
            Error::InsufficientScope(scope) => Some(scope),
            _ => None,
        },
        retry_after: match ours {
            Error::RateLimited { retry_after } | Error::AlertLimited { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        },
    }
}

/// The error a response carries, if it should get a body: one of ours, another error, or a
/// bare 404/405 from the router.
pub fn error_info(res: &ServiceResponse<impl MessageBody>) -> Option<ErrorInfo> {
    let status = res.status();
    let error = res.response().error();
    if let Some(ours) = error.and_then(|e| e.as_error::<Error>()) {
        if let Error::Internal(cause) = ours {
            let id = res
                .request()
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone());
            tracing::error!(
                request_id = id.unwrap_or_default(),
                error = format!("{cause:#}"),
                "internal error"
            );
        }
        return Some(info_of(status, ours));
    }
    // Bare statuses that still deserve a body: the router's 404 and 405, and the rate
    // limiter's 429 (actix-governor rebuilds its response, which drops the attached error).
    let bare = [
        StatusCode::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    // A bare status already given a body (by a dialect's renderer nearer the route) is done.
    let has_body = res.headers().contains_key(header::CONTENT_TYPE);
    if error.is_none() && (!bare.contains(&status) || has_body) {
        return None;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(1);
        let limited = Error::RateLimited { retry_after };
        return Some(ErrorInfo {
            status,
            code: limited.code(),
            title: limited.title(),
            detail: limited.public_detail(),
            errors: Vec::new(),
            missing: None,
            scope: None,
            retry_after: Some(retry_after),
        });
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::FileTooLarge,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Busy,
        400..=499 => ErrorCode::InvalidRequest,
        _ => ErrorCode::Internal,
    };
    Some(ErrorInfo {
        status,
        code,
        title: code.title(),
        detail: status.canonical_reason().unwrap_or("Error").to_owned(),
        errors: Vec::new(),
        missing: None,
        scope: None,
        retry_after: None,
    })
}

/// Replaces the body of an error response, keeping its status and headers.
pub fn replace_body(
    res: ServiceResponse<impl MessageBody + 'static>,
    content_type: &'static str,
    body: String,
) -> ServiceResponse<BoxBody> {
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(old.status()).body(body);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    new.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    ServiceResponse::new(req, new)
}

/// The RFC 9457 document for the native and HostUp dialects.
pub fn problem_json(
    info: &ErrorInfo,
    public_url: &str,
    instance: &str,
    request_id: &str,
) -> String {
    let errors: Vec<_> = info
        .errors
        .iter()
        .map(|e| json!({"pointer": e.pointer, "detail": e.detail, "code": e.code}))
        .collect();
    let mut doc = json!({
        "type": format!("{public_url}/errors/{}", info.code),
        "title": info.title,
        "status": info.status.as_u16(),
        "detail": info.detail,
        "code": info.code.as_str(),
        "instance": instance,
        "requestId": request_id,
        "timestamp": now(),
    });
    if !errors.is_empty() {
        doc["errors"] = errors.into();
    }
    doc.to_string()
}

/// How a dialect writes an error body.
pub trait ErrorShape {
    /// Content type and body for `info`, answering `req`.
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String);

    /// The dialect's own `WWW-Authenticate` for `info`, replacing attache's; `None` keeps it.
    fn challenge(_info: &ErrorInfo) -> Option<&'static str> {
        None
    }

    /// The dialect's own HTTP status for `info` (OSM's business errors are 200s); `None` keeps
    /// the code's.
    fn status(_info: &ErrorInfo, _req: &HttpRequest) -> Option<StatusCode> {
        None
    }
}

/// RFC 9457 problem details: the native and HostUp dialects.
pub struct Problem;

impl ErrorShape for Problem {
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let public_url = req
            .app_data::<web::Data<Core>>()
            .map(|core| core.public_url.clone())
            .unwrap_or_default();
        let body = problem_json(info, &public_url, req.path(), &request_id);
        ("application/problem+json", body)
    }
}

/// Middleware: every error response inside it gets its body in the shape `S`.
pub async fn render<S: ErrorShape>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Services inside answer errors as responses; an `Err` here would have lost the request.
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(info) = error_info(&res) else {
        return Ok(res);
    };
    let (content_type, body) = S::body(&info, res.request());
    let status = S::status(&info, res.request());
    let mut res = replace_body(res, content_type, body);
    if let Some(status) = status {
        *res.response_mut().status_mut() = status;
    }
    if let Some(challenge) = S::challenge(&info) {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    Ok(res)
}
