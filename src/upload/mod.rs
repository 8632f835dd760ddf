//! The plumbing of an upload, with no rule of its own: a multipart form read part by part
//! (`form`), the file part streamed in bounded batches to `tmp/` while its SHA-256, size and
//! type are computed off the async workers (`staging`), type sniffing and file names. The size
//! limit it is given is enforced from Content-Length before any byte is read and again as the
//! bytes arrive. Nothing is ever held whole in memory.
//!
//! Who may upload where, and what is committed, is the core's (`core::ingest`); this module
//! imports nothing from it.

pub mod filename;
mod form;
pub mod sniff;
mod staging;

use std::time::Duration;

use futures_util::StreamExt;

use crate::error::{Error, Result};

pub use form::UploadForm;
pub use staging::Stager;

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
