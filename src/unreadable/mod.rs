//! Requests the HTTP layer cannot read: a URI too long, too many or too large headers, a
//! malformed head. actix-http refuses those in its h1 dispatcher with a bare 400 or 431 of its
//! own, before any service or middleware runs, and has no hook to change that answer (its
//! `MAX_BUFFER_SIZE` and `MAX_HEADERS` are constants, its parse errors go straight to the
//! wire, and `on_connect`/`expect`/`upgrade` all run after a head parsed). So attache looks
//! at the heads first, on the connection's bytes:
//!
//! - [`guard::HeadGuard`] wraps each connection's stream (after TLS). It judges every request
//!   head as actix will ([`head`]), with the same parser and limits, and steps over bodies by
//!   their framing ([`chunked`]) to find the next head; body bytes go to actix untouched, in
//!   the buffer actix read them into.
//! - A head actix would refuse never reaches actix. In its place actix reads a small request
//!   of attache's own (`Connection: close`, carrying a one-off token), so that its answer
//!   comes in order after any pipelined request before it, through the app's middleware
//!   (request id, log, `Date`), from the app's first service ([`answer`]): in the error shape
//!   of the dialect the refused path belongs to, with 414, 431 or 400.

pub mod answer;
pub mod chunked;
pub mod guard;
pub mod head;

use crate::error::ErrorCode;

/// Why a request head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not HTTP/1.x as actix reads it (400).
    Malformed,
    /// A request target over 64 KiB, or a request line not ended within 128 KiB (414).
    UriTooLong,
    /// More than 96 headers, or a head over 128 KiB (431).
    HeadersTooLarge,
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::Malformed => ErrorCode::MalformedRequest,
            Refusal::UriTooLong => ErrorCode::UriTooLong,
            Refusal::HeadersTooLarge => ErrorCode::HeadersTooLarge,
        }
    }

    pub fn detail(self) -> &'static str {
        match self {
            Refusal::Malformed => "The request line or a header is not valid HTTP/1.1.",
            Refusal::UriTooLong => "The request target is longer than this server reads.",
            Refusal::HeadersTooLarge => {
                "The request has more than 96 headers, or its head is over 128 KiB."
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::UriTooLong => "uri-too-long",
            Refusal::HeadersTooLarge => "headers-too-large",
        }
    }

    fn from_name(name: &str) -> Option<Refusal> {
        [
            Refusal::Malformed,
            Refusal::UriTooLong,
            Refusal::HeadersTooLarge,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }
}
