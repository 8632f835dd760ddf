//! `serve --test-mode --deterministic [SEED]` (SEED defaults to 0): two runs of one test, on
//! fresh data directories, answer the same requests with the same bytes (snapshot tests).
//!
//! - The server's clock (`domain::now`) stands at [`EPOCH`], 2030-01-01T00:00:00Z, and moves
//!   only when test mode moves it: every record's time, every expiry, and the `Date` header.
//! - Every random byte comes from a generator seeded with SEED (`crate::random`): ids (v7
//!   UUIDs from the frozen clock, still strictly increasing), API keys, AK/SK, the keys that
//!   sign URLs and the AK/SK server secret (made at first start, so only a fresh data
//!   directory is reproducible), session and CSRF tokens, request ids, multipart boundaries.
//!
//! What stays real: how the server is reached (a port picked by `--listen 127.0.0.1:0` shows
//! in URLs unless `--public-url` names a fixed one), the rate limiter's clock (its
//! `X-RateLimit-*` headers count real time: use `--rate-limit 0`), the Huawei AK/SK date
//! window (the client's clock), and the order of concurrent requests, which a test that wants
//! equal answers sends one at a time. Request ids count the requests made: a harness that
//! polls `/healthz` a varying number of times shifts them (wait for the `attache is serving`
//! line or `--ready-file` instead); ids of records are drawn apart and do not shift.

use std::time::{Duration, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, HttpDate, DATE};
use actix_web::middleware::Next;

use crate::domain::{freeze_clock, now, Timestamp};

/// Where the clock stands when a deterministic run starts: 2030-01-01T00:00:00Z.
pub const EPOCH_UNIX: i64 = 1_893_456_000;

pub fn epoch() -> Timestamp {
    Timestamp::from_unix(EPOCH_UNIX).expect("2030 is a valid time")
}

/// Freezes the clock at the epoch and seeds every random byte with `seed`, for the rest of
/// the process. Called by `serve` before the data directory is opened (signing keys and the
/// first admin key are made there). Refuses a second seed.
pub fn install(seed: u64) -> anyhow::Result<()> {
    if !crate::random::seed(seed) {
        anyhow::bail!("the random generator was seeded already");
    }
    freeze_clock(epoch());
    Ok(())
}

/// Writes the `Date` header from the server's clock (actix would write the system's).
pub async fn server_date(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(now().unix_ms().max(0) as u64);
    if let Ok(value) = HeaderValue::from_str(&HttpDate::from(at).to_string()) {
        res.headers_mut().insert(DATE, value);
    }
    Ok(res)
}
