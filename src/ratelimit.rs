//! Per-key rate limits (per client address without a key), by actix-governor, plus the
//! `X-RateLimit-Reset` header it does not set.

use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::StateInformationMiddleware;
use actix_governor::governor::NotUntil;
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, HttpResponseBuilder};
use sha2::{Digest, Sha256};

use crate::auth::credential;

#[derive(Clone)]
pub struct KeyOrAddress;

impl KeyExtractor for KeyOrAddress {
    type Key = String;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<String, Self::KeyExtractionError> {
        let authorization = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if let Some(auth) = authorization.and_then(crate::auth::aksk::parse_authorization) {
            return Ok(format!("ak:{}", auth.access_key));
        }
        Ok(match credential(req.request()) {
            Some(Ok(secret)) => format!("key:{}", hex::encode(&Sha256::digest(secret)[..12])),
            _ => format!(
                "addr:{}",
                req.peer_addr()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default()
            ),
        })
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        // The body is written by `api::problem`, from the status and `Retry-After`.
        let retry_after = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        response
            .insert_header(("retry-after", retry_after))
            .finish()
    }
}

pub type Config = GovernorConfig<KeyOrAddress, StateInformationMiddleware>;

/// `None` when limits are off (`--rate-limit 0`).
pub fn config(per_minute: u32) -> Option<Config> {
    if per_minute == 0 {
        return None;
    }
    let period_ms = (60_000 / per_minute as u64).max(1);
    GovernorConfigBuilder::default()
        .milliseconds_per_request(period_ms)
        .burst_size(per_minute)
        .key_extractor(KeyOrAddress)
        .use_headers()
        .finish()
}

/// Adds `X-RateLimit-Reset`: seconds until the whole quota is available again.
pub async fn reset_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let number =
        |name: &str| -> Option<u64> { res.headers().get(name)?.to_str().ok()?.parse().ok() };
    if let (Some(limit), Some(remaining)) =
        (number("x-ratelimit-limit"), number("x-ratelimit-remaining"))
    {
        let reset = (limit.saturating_sub(remaining) * 60).div_ceil(limit.max(1));
        res.headers_mut().insert(
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderValue::from(reset),
        );
    }
    Ok(res)
}
