//! The answer to a refused head, in the error shape of the dialect its path belongs to.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

use super::guard::{RefusedHead, STAND_IN};
use super::Refusal;
use crate::api::problem::{info_of, ErrorShape, Problem};
use crate::api::{huawei, waldur};
use crate::error::Error;

/// The path prefixes of the dialects with their own error shape, as `startup` scopes them,
/// the more specific first; any other path answers the app's problem documents.
pub const PREFIXES: [&str; 4] = ["/v1", "/api/v2/support", "/v2/servicerequest", "/api"];

/// Whether `path` is in the scope `prefix`, as actix matches a scope.
pub fn within(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Middleware: answers attache's stand-in for a refused head (see `guard`); every other
/// request goes on.
pub async fn answer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refusal = req
        .headers()
        .get(STAND_IN)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| req.conn_data::<RefusedHead>()?.claimed(value));
    let Some(refusal) = refusal else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let (req, _) = req.into_parts();
    let res = match PREFIXES.iter().find(|p| within(req.path(), p)) {
        Some(&"/v2/servicerequest") => shaped::<huawei::HuaweiShape>(refusal, &req),
        Some(&"/api") => shaped::<waldur::Drf>(refusal, &req),
        // Native and HostUp write problem documents, as the app does.
        _ => shaped::<Problem>(refusal, &req),
    };
    Ok(ServiceResponse::new(req, res))
}

fn shaped<S: ErrorShape>(refusal: Refusal, req: &HttpRequest) -> HttpResponse {
    let error = Error::Unreadable(refusal);
    let info = info_of(error.code().status(), &error);
    let (content_type, body) = S::body(&info, req);
    let status = S::status(&info, req).unwrap_or(info.status);
    let mut res = HttpResponse::build(status);
    res.force_close()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)));
    if let Some(challenge) = S::challenge(&info) {
        res.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    res.body(body)
}
