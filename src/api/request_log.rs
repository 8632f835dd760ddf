//! The outermost middleware: a request id for every request, on the response, and one log
//! line per request.

use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use tracing::Instrument;

use super::files;
use super::problem::RequestId;

/// Outermost middleware: a request id for every request, on the response, and one log line.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = crate::ids::request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();
    let span = tracing::info_span!("request", request_id = %id);
    // (No clone of the request may live across `next.call`: routing needs it unshared.)
    let mut res = match next.call(req).instrument(span).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            tracing::error!(request_id = %id, method = %method, path = %path, error = %err, "request failed");
            return Err(err);
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    // The body knows its size (actix-http writes Content-Length from it later); a header set
    // by hand (HEAD answers) is the fallback.
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) if n > 0 => Some(n),
        _ => res
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok()),
    };
    // `match_pattern` walks the route table again, regexes and all: about 5 % of a small
    // signed download (BENCHMARKS.md). The busiest route is named without it.
    let route = if path.starts_with(files::ROUTE_PREFIX) && res.status() != 404 {
        files::ROUTE.to_owned()
    } else {
        res.request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned())
    };
    if let Some(core) = res.request().app_data::<web::Data<crate::core::Core>>() {
        core.metrics.request(
            &route,
            method.as_str(),
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
        // Every file response names its file; count what it sends.
        if res
            .headers()
            .contains_key(actix_web::http::header::CONTENT_DISPOSITION)
            && method != actix_web::http::Method::HEAD
        {
            core.metrics.downloaded(bytes.unwrap_or(0));
        }
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        bytes,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}
