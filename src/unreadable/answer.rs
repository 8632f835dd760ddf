//! The answer to a refused head, in the error shape of the dialect its path belongs to.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{guard, web, HttpRequest, HttpResponse, Scope};

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

/// The app's first service: it takes the requests that carry the stand-in header (one header
/// lookup a request, no more), and answers attache's stand-in for a refused head (see
/// `guard`). A client that sends the header itself, without its connection's token, gets the
/// app's 404.
pub fn service() -> Scope {
    web::scope("")
        .guard(guard::fn_guard(|ctx| {
            ctx.head().headers.contains_key(STAND_IN)
        }))
        .default_service(web::to(answer))
}

async fn answer(req: HttpRequest) -> Result<HttpResponse, Error> {
    let refusal = req
        .headers()
        .get(STAND_IN)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| req.conn_data::<RefusedHead>()?.claimed(value))
        .ok_or(Error::NotFound("resource"))?;
    Ok(match PREFIXES.iter().find(|p| within(req.path(), p)) {
        Some(&"/v2/servicerequest") => shaped::<huawei::HuaweiShape>(refusal, &req),
        Some(&"/api") => shaped::<waldur::Drf>(refusal, &req),
        // Native and HostUp write problem documents, as the app does.
        _ => shaped::<Problem>(refusal, &req),
    })
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
