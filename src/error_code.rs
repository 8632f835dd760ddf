//! Every error code a client may see, declared once: its stable string, its HTTP status, its
//! title and the explanation served at `<public-url>/errors/<code>`. Each dialect maps a code
//! to its own shape with a `match` over [`ErrorCode`] and no catch-all arm, so a new code does
//! not compile until every dialect says how to answer it.

use actix_web::http::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthorized,
    InvalidCredentials,
    InsufficientScope,
    Forbidden,
    NotFound,
    InvalidRequest,
    FileTooLarge,
    UnsupportedFileType,
    EmptyFile,
    MissingFile,
    TooManyAttachments,
    UrlExpired,
    SignatureInvalid,
    RateLimited,
    InsufficientStorage,
    MethodNotAllowed,
    TooManyUploads,
    UploadTimeout,
    Busy,
    QuotaExceeded,
    InvalidCursor,
    AttachmentNotFound,
    TicketClosed,
    StorageUnavailable,
    MalformedRequest,
    UriTooLong,
    HeadersTooLarge,
    /// Keep it last: the check below counts the codes up to it.
    Internal,
}

/// What a code says in every dialect that does not bring its own words.
struct Description {
    code: &'static str,
    status: u16,
    title: &'static str,
    explanation: &'static str,
}

impl ErrorCode {
    /// Every code, in declaration order (checked when the crate compiles).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::InsufficientScope,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::InvalidRequest,
        ErrorCode::FileTooLarge,
        ErrorCode::UnsupportedFileType,
        ErrorCode::EmptyFile,
        ErrorCode::MissingFile,
        ErrorCode::TooManyAttachments,
        ErrorCode::UrlExpired,
        ErrorCode::SignatureInvalid,
        ErrorCode::RateLimited,
        ErrorCode::InsufficientStorage,
        ErrorCode::MethodNotAllowed,
        ErrorCode::TooManyUploads,
        ErrorCode::UploadTimeout,
        ErrorCode::Busy,
        ErrorCode::QuotaExceeded,
        ErrorCode::InvalidCursor,
        ErrorCode::AttachmentNotFound,
        ErrorCode::TicketClosed,
        ErrorCode::StorageUnavailable,
        ErrorCode::MalformedRequest,
        ErrorCode::UriTooLong,
        ErrorCode::HeadersTooLarge,
        ErrorCode::Internal,
    ];

    #[rustfmt::skip]
    const fn describe(self) -> Description {
        let (code, status, title, explanation) = match self {
            ErrorCode::Unauthorized => ("unauthorized", 401, "Authentication required", "The request carried no credential. Send an API key as `Authorization: Bearer <key>` (or `Token <key>`, or `X-Auth-Token: <key>`)."),
            ErrorCode::InvalidCredentials => ("invalid_credentials", 401, "Invalid credentials", "The credential is unknown, revoked or malformed. Create a key with `attache key create`."),
            ErrorCode::InsufficientScope => ("insufficient_scope", 403, "Insufficient scope", "The API key is valid but lacks the scope this route needs. Create a key with that scope."),
            ErrorCode::Forbidden => ("forbidden", 403, "Forbidden", "The caller may see this resource but may not change it, for example a customer deleting a file someone else uploaded."),
            ErrorCode::NotFound => ("not_found", 404, "Not found", "The resource does not exist, or the caller may not see it. attache answers both the same way."),
            ErrorCode::InvalidRequest => ("invalid_request", 400, "Validation failed", "The request body or parameters failed validation; `errors[]` points at each field."),
            ErrorCode::FileTooLarge => ("file_too_large", 400, "File too large", "The file is over the size limit; see GET /v1/attachment-restrictions."),
            ErrorCode::UnsupportedFileType => ("unsupported_file_type", 400, "Unsupported file type", "The type detected from the file's bytes is not on the allow-list; see GET /v1/attachment-restrictions."),
            ErrorCode::EmptyFile => ("empty_file", 400, "Empty file", "The uploaded file has no content."),
            ErrorCode::MissingFile => ("missing_file", 400, "Missing file", "The multipart request has no part named `file`."),
            ErrorCode::TooManyAttachments => ("too_many_attachments", 400, "Too many attachments", "The ticket already holds the maximum number of attachments."),
            ErrorCode::UrlExpired => ("url_expired", 403, "URL expired", "The signed download URL is past its expiry. Ask the API for a new one."),
            ErrorCode::SignatureInvalid => ("signature_invalid", 403, "Signature invalid", "Some part of the signed download URL was changed, or it was signed with a key this server does not have."),
            ErrorCode::RateLimited => ("rate_limited", 429, "Too many requests", "The per-key rate limit was reached; wait for `Retry-After` seconds."),
            ErrorCode::InsufficientStorage => ("insufficient_storage", 507, "Insufficient storage", "The server's disk is full; nothing was stored. Try again later."),
            ErrorCode::MethodNotAllowed => ("method_not_allowed", 405, "Method not allowed", "The resource exists but does not answer this HTTP method."),
            ErrorCode::TooManyUploads => ("too_many_uploads", 429, "Too many uploads in flight", "This key already has the most uploads in flight at once (`--max-uploads-in-flight`); wait for one to finish, or `Retry-After` seconds."),
            ErrorCode::UploadTimeout => ("upload_timeout", 408, "Upload took too long", "The whole body of an upload must arrive within `--upload-deadline` seconds; nothing was stored. Retry on a faster link, or ask for a longer deadline."),
            ErrorCode::Busy => ("busy", 503, "Busy", "The server is at its limit of work in progress (database connections or open files) and did not start this request; retry after `Retry-After` seconds."),
            ErrorCode::QuotaExceeded => ("quota_exceeded", 429, "Quota exceeded", "The caller reached one of its quotas: uploads waiting for a message (`--quota-pending-uploads`), bytes stored by its uploads (`--quota-stored-bytes`), or tickets opened in the last hour (`--quota-tickets-per-hour`); the detail names which. The hourly quota frees up after `Retry-After` seconds; the others when the caller's pending uploads are sent or expire, or its files are deleted."),
            ErrorCode::InvalidCursor => ("invalid_cursor", 400, "Validation failed", "The `cursor` is not one this server gave out as `nextCursor`. Start again without a cursor."),
            ErrorCode::AttachmentNotFound => ("attachment_not_found", 404, "Attachment not found", "The attachment does not exist, is not on the ticket named by `ticketId`, or the caller may not see it (HostUp's code for a download)."),
            ErrorCode::TicketClosed => ("ticket_closed", 409, "Ticket closed", "The ticket is closed: reopen it (`POST /api/v2/support/tickets/{id}/actions/reopen`) before replying. HostUp does not document its answer; this code and status are attache's."),
            ErrorCode::StorageUnavailable => ("storage_unavailable", 503, "Storage unavailable", "The object store that holds the files did not answer or refused the request; nothing was stored or sent. Retry after `Retry-After` seconds; the server log names the cause."),
            ErrorCode::MalformedRequest => ("malformed_request", 400, "Malformed request", "The request line or a header is not valid HTTP/1.1 (a byte outside the allowed ones, a header without a colon, two `Content-Length`s, no `Host`, …), so the server read no further and closed the connection. Fix the client or the proxy that wrote it."),
            ErrorCode::UriTooLong => ("uri_too_long", 414, "URI too long", "The request target is longer than the server reads (64 KiB, or the whole head over 128 KiB); the connection is closed. Send long filters in a body, or page through shorter queries."),
            ErrorCode::HeadersTooLarge => ("headers_too_large", 431, "Request headers too large", "The request has more than 96 header fields, or its head (request line and headers) is over 128 KiB; the connection is closed. Send fewer or shorter headers (large cookies are the usual cause)."),
            ErrorCode::Internal => ("internal_error", 500, "Internal error", "Something failed inside the server. The request id identifies the log line."),
        };
        Description {
            code,
            status,
            title,
            explanation,
        }
    }

    /// The stable spelling clients match on, such as `empty_file`.
    pub const fn as_str(self) -> &'static str {
        self.describe().code
    }

    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.describe().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub const fn title(self) -> &'static str {
        self.describe().title
    }

    /// The text of the code's page, `<public-url>/errors/<code>`.
    pub const fn explanation(self) -> &'static str {
        self.describe().explanation
    }

    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// `ALL` holds each code once, in declaration order, up to the last one.
const _: () = {
    let all = ErrorCode::ALL;
    assert!(all.len() == ErrorCode::Internal as usize + 1);
    let mut i = 0;
    while i < all.len() {
        assert!(all[i] as usize == i);
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_has_a_distinct_spelling_a_status_and_a_page() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert!(!code.title().is_empty() && !code.explanation().is_empty());
        }
        assert_eq!(ErrorCode::parse("not_a_code"), None);
    }
}
