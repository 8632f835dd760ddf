//! The plumbing of an upload, with no rule of its own: a multipart form read part by part
//! (`form`), the file part streamed in bounded batches to `tmp/` while its SHA-256, size and
//! type are computed off the async workers (`staging`), type sniffing and file names. The size
//! limit it is given is enforced from Content-Length before any byte is read and again as the
//! bytes arrive. Nothing is ever held whole in memory.
//!
//! Who may upload where, and what is committed, is the core's (`core::ingest`); this module
//! imports nothing from it.

mod budget;
pub mod filename;
pub mod form;
pub mod json;
pub mod sniff;
mod staging;

use std::time::Duration;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::error::{Error, Result};

pub use form::UploadForm;
pub use staging::{Decode, Stager};

/// A client that sends nothing for this long is cut off.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

fn malformed(err: impl std::fmt::Display) -> Error {
    Error::invalid(
        "",
        "malformed_multipart",
        format!("The body is not valid multipart/form-data with a `file` part: {err}."),
    )
}

async fn next_within<S: futures_util::Stream + Unpin>(stream: &mut S) -> Result<Option<S::Item>> {
    actix_web::rt::time::timeout(IDLE_TIMEOUT, stream.next())
        .await
        .map_err(|_| Error::invalid("", "request_timeout", "The client stopped sending."))
}

/// The Content-Length a request declares, if any.
pub fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Bytes a JSON body needs to carry a file of `limit` bytes in base64, with room for the
/// rest of its fields.
pub fn base64_body_limit(limit: u64) -> u64 {
    limit.div_ceil(3) * 4 + 64 * 1024
}

/// A small body (a JSON request), read whole: at most `limit` bytes, refused at once when its
/// Content-Length says more, each chunk within the idle timeout.
pub async fn read_small_body<S, E>(req: &HttpRequest, body: &mut S, limit: usize) -> Result<Bytes>
where
    S: futures_util::Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let too_large = || {
        Error::invalid(
            "",
            "body_too_large",
            format!("The body may have at most {limit} bytes."),
        )
    };
    if declared_length(req).is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut bytes = BytesMut::new();
    while let Some(chunk) = next_within(body).await? {
        let chunk = chunk.map_err(|e| Error::invalid("", "malformed_body", e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}
