//! Per-key rate limits (per client address until a key is verified), by actix-governor, plus the
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
use actix_web::{web, HttpResponse, HttpResponseBuilder};

use crate::auth::credential;
use crate::core::Core;
use crate::error::Error;

#[derive(Clone)]
pub struct KeyOrAddress;

impl KeyExtractor for KeyOrAddress {
    type Key = String;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    /// A request counts against its key once that key's secret has been verified (by an
    /// earlier request); until then, and for AK/SK signatures (whose AK is public, so it
    /// proves nothing before the signature is checked), against the client's address. A
    /// bogus credential beside a valid one changes nothing; an invalid one is limited too.
    fn extract(&self, req: &ServiceRequest) -> Result<String, Self::KeyExtractionError> {
        let verified =
            req.app_data::<web::Data<Core>>()
                .and_then(|core| match credential(req.request()) {
                    Some(Ok(secret)) => core.verified_keys.key_of(&secret),
                    _ => None,
                });
        Ok(match verified {
            Some(key_id) => format!("key:{key_id}"),
            None => format!(
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

/// Sign-ins per minute per client address: a person types a key a few times; a script trying
/// keys is held to this (keys have 160 random bits, so this is about load, not guessing).
pub const SIGN_INS_PER_MINUTE: u32 = 10;

/// The limiter of `POST /ui/session`, where the key comes in the body, so a request counts
/// against its address.
pub fn sign_in_config() -> Config {
    config(SIGN_INS_PER_MINUTE).expect("a non-zero rate makes a valid quota")
}

/// Adds `X-RateLimit-Reset`: seconds until the whole quota is available again.
pub async fn reset_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let number =
        |name: &str| -> Option<u64> { res.headers().get(name)?.to_str().ok()?.parse().ok() };
    let unset = !res.headers().contains_key("x-ratelimit-reset");
    if let (Some(limit), Some(remaining), true) = (
        number("x-ratelimit-limit"),
        number("x-ratelimit-remaining"),
        unset,
    ) {
        let reset = (limit.saturating_sub(remaining) * 60).div_ceil(limit.max(1));
        res.headers_mut().insert(
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderValue::from(reset),
        );
    }
    Ok(res)
}

/// HostUp's `X-RateLimit-Reset`: the ISO time the window resets (its documents, §11), where
/// the other dialects say seconds. Rewrites the seconds `reset_header` and injected faults
/// write, so it wraps outside both. A refused critical alert says its own limit (one an
/// hour, none left) where the key's limiter wrote the key's.
pub async fn reset_time_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let alert = match res.response().error().and_then(|e| e.as_error::<Error>()) {
        Some(Error::AlertLimited { retry_after }) => Some(*retry_after),
        _ => None,
    };
    if let Some(seconds) = alert {
        for (name, value) in [
            ("x-ratelimit-limit", 1),
            ("x-ratelimit-remaining", 0),
            ("x-ratelimit-reset", seconds),
        ] {
            let name = HeaderName::from_static(name);
            res.headers_mut().insert(name, HeaderValue::from(value));
        }
    }
    let seconds = res
        .headers()
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(seconds) = seconds {
        let at = crate::domain::now().plus(std::time::Duration::from_secs(seconds));
        if let Ok(value) = HeaderValue::from_str(&at.to_string()) {
            res.headers_mut()
                .insert(HeaderName::from_static("x-ratelimit-reset"), value);
        }
    }
    Ok(res)
}
