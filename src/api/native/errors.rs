//! The TopTickets statuses and `detail` strings, on attache's problem documents: a body that
//! fails validation is 422 (TopTickets documents its priority enum error under 400, and so
//! does attache), a rejected file stays 400, and 401, 403, 404 and 429 say what TopTickets
//! says (`"Ticket not found"`, `"Insufficient permissions. Required scope: tickets:write"`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;

use super::fields::INVALID_PRIORITY;
use crate::api::problem::{error_info, replace_body, ErrorInfo, ErrorShape, Problem};
use crate::error::ErrorCode;

/// Middleware for `/v1`: every error response inside it gets its TopTickets status and
/// detail, in a problem document.
pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(mut info) = error_info(&res) else {
        return Ok(res);
    };
    let request = res.request();
    let upload = request.method() == Method::POST && request.path().ends_with("/attachments");
    toptickets(&mut info, upload);
    let (content_type, body) = Problem::body(&info, res.request());
    let mut res = replace_body(res, content_type, body);
    *res.response_mut().status_mut() = info.status;
    Ok(res)
}

/// TopTickets' status and detail for `info`; every refusal of an `upload` (its form, its
/// parts, its file) stays 400, TopTickets' status for a rejected file.
fn toptickets(info: &mut ErrorInfo, upload: bool) {
    match info.code {
        ErrorCode::InvalidRequest => {
            let priority_only =
                !info.errors.is_empty() && info.errors.iter().all(|e| e.code == INVALID_PRIORITY);
            if !priority_only && !upload {
                info.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
        }
        ErrorCode::Unauthorized => info.detail = "Not authenticated".to_owned(),
        ErrorCode::InvalidCredentials => info.detail = "Invalid API key".to_owned(),
        ErrorCode::InsufficientScope => {
            if let Some(scope) = info.scope {
                info.detail = format!("Insufficient permissions. Required scope: {scope}");
            }
        }
        ErrorCode::NotFound => {
            info.detail = match info.missing {
                Some("ticket") => "Ticket not found",
                Some("attachment") => "Attachment not found",
                Some("message" | "comment") => "Comment not found",
                _ => "Not Found",
            }
            .to_owned();
        }
        ErrorCode::RateLimited => {
            let seconds = info.retry_after.unwrap_or(1);
            info.detail = format!("Rate limit exceeded. Try again in {seconds} seconds.");
        }
        _ => {}
    }
}
