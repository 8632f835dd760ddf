//! The domain error: one variant per thing a caller can get wrong (or we can), each with a
//! stable [`ErrorCode`], which carries the HTTP status; each dialect only chooses the body
//! shape (see `api::problem`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::store::blobs::StorageUnavailable;

pub use crate::error_code::ErrorCode;

/// A field-level validation error: a JSON pointer into the request, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
            code,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("No credential was given. Send an API key as `Authorization: Bearer <key>`.")]
    Unauthenticated,
    #[error("The credential is not a valid, unrevoked API key or session.")]
    InvalidCredentials,
    #[error("This API key lacks the `{0}` scope.")]
    InsufficientScope(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("The {0} was not found, or is not visible to this caller.")]
    NotFound(&'static str),
    #[error("The request failed validation: {}", details(.0))]
    Invalid(Vec<FieldError>),
    #[error("The file is larger than the limit of {limit} bytes.")]
    FileTooLarge { limit: u64 },
    #[error("Files of type {detected} are not accepted. Allowed types: {allowed}.")]
    UnsupportedFileType { detected: String, allowed: String },
    #[error("The file is empty.")]
    EmptyFile,
    #[error("The request has no `file` part.")]
    MissingFile,
    #[error("This ticket already has the maximum of {limit} attachments.")]
    TooManyAttachments { limit: u64 },
    #[error("The signed URL has expired. Ask for a new one.")]
    UrlExpired,
    #[error("The signature of this URL does not match its contents.")]
    SignatureInvalid,
    #[error("Too many requests. Retry after {retry_after} seconds.")]
    RateLimited { retry_after: u64 },
    #[error("The server has no room left to store this file.")]
    InsufficientStorage,
    #[error("The method is not allowed on this resource.")]
    MethodNotAllowed,
    #[error("This key already has {limit} uploads in flight; wait for one to finish.")]
    TooManyUploads { limit: usize },
    #[error("The upload did not arrive within {seconds} seconds.")]
    UploadTimeout { seconds: u64 },
    #[error("The server is busy. Retry after {retry_after} seconds.")]
    Busy { retry_after: u64 },
    #[error("Cursor is invalid or malformed.")]
    InvalidCursor,
    #[error("The requested attachment could not be found.")]
    AttachmentNotFound,
    #[error("The ticket is closed; reopen it before replying.")]
    TicketClosed,
    /// A second critical alert within the hour (see `core::tickets::ALERT_WINDOW`).
    #[error("You raised a critical alert less than an hour ago; open this ticket at another priority, or retry after {retry_after} seconds.")]
    AlertLimited { retry_after: u64 },
    #[error("{}", quota_detail(*.quota, *.limit))]
    QuotaExceeded {
        quota: crate::core::quota::Quota,
        limit: u64,
        retry_after: Option<u64>,
    },
    #[error("The file store is unavailable. Retry after {RETRY_STORAGE} seconds.")]
    StorageUnavailable,
    /// A request head the HTTP layer refused before any route saw it (see `unreadable`).
    #[error("{}", .0.detail())]
    Unreadable(crate::unreadable::Refusal),
    #[error("The server could not complete the request.")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthenticated => ErrorCode::Unauthorized,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::InsufficientScope(_) => ErrorCode::InsufficientScope,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Invalid(_) => ErrorCode::InvalidRequest,
            Error::FileTooLarge { .. } => ErrorCode::FileTooLarge,
            Error::UnsupportedFileType { .. } => ErrorCode::UnsupportedFileType,
            Error::EmptyFile => ErrorCode::EmptyFile,
            Error::MissingFile => ErrorCode::MissingFile,
            Error::TooManyAttachments { .. } => ErrorCode::TooManyAttachments,
            Error::UrlExpired => ErrorCode::UrlExpired,
            Error::SignatureInvalid => ErrorCode::SignatureInvalid,
            Error::RateLimited { .. } | Error::AlertLimited { .. } => ErrorCode::RateLimited,
            Error::InsufficientStorage => ErrorCode::InsufficientStorage,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Error::TooManyUploads { .. } => ErrorCode::TooManyUploads,
            Error::UploadTimeout { .. } => ErrorCode::UploadTimeout,
            Error::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Error::InvalidCursor => ErrorCode::InvalidCursor,
            Error::AttachmentNotFound => ErrorCode::AttachmentNotFound,
            Error::TicketClosed => ErrorCode::TicketClosed,
            Error::StorageUnavailable => ErrorCode::StorageUnavailable,
            Error::Unreadable(refusal) => refusal.code(),
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn title(&self) -> &'static str {
        self.code().title()
    }

    /// Field errors; upload errors point at `/file` as the vendors' documents do.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::FileTooLarge { .. }
            | Error::UnsupportedFileType { .. }
            | Error::EmptyFile
            | Error::MissingFile => vec![FieldError::new(
                "/file",
                self.code().as_str(),
                self.to_string(),
            )],
            _ => Vec::new(),
        }
    }

    /// What the client is told; internal causes stay in the log.
    pub fn public_detail(&self) -> String {
        self.to_string()
    }

    pub fn invalid(pointer: &str, code: &'static str, detail: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(pointer, code, detail)])
    }
}

fn quota_detail(quota: crate::core::quota::Quota, limit: u64) -> String {
    use crate::core::quota::Quota;
    let what = match quota {
        Quota::PendingUploads => format!("You already have {limit} uploads waiting for a message; send or delete some first."),
        Quota::StoredBytes => format!("Your uploads would hold more than your quota of {limit} bytes; delete some files first."),
        Quota::TicketsPerHour => format!("You opened {limit} tickets in the last hour, your quota; retry later."),
    };
    format!("{what} (Set by `{}`.)", quota.flag())
}

fn details(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.detail.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The explanation page's lookup: code, status, title and text (see [`ErrorCode`]).
pub fn describe(code: &str) -> Option<(&'static str, u16, &'static str, &'static str)> {
    let code = ErrorCode::parse(code)?;
    Some((
        code.as_str(),
        code.status().as_u16(),
        code.title(),
        code.explanation(),
    ))
}

/// Seconds a client is asked to wait when the server is out of descriptors, and when its key
/// has too many uploads in flight.
pub const RETRY_BUSY: u64 = 5;
pub const RETRY_UPLOADS: u64 = 1;
/// Seconds a client is asked to wait when the object store does not answer.
pub const RETRY_STORAGE: u64 = 5;

/// The OS error under `err`, also when a library wrapped it (tempfile adds the path).
fn os_error(err: &std::io::Error) -> Option<i32> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    let mut code = err.raw_os_error();
    while code.is_none() {
        let inner = source?;
        code = inner
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error);
        source = inner.source();
    }
    code
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        // The object store's failures are logged where they happen, with their cause.
        if err
            .get_ref()
            .is_some_and(|inner| inner.is::<StorageUnavailable>())
        {
            return Error::StorageUnavailable;
        }
        match os_error(&err) {
            Some(libc::ENOSPC | libc::EDQUOT) => Error::InsufficientStorage,
            // Out of descriptors is the load of the moment, not a fault: retry later.
            Some(libc::EMFILE | libc::ENFILE) => Error::Busy {
                retry_after: RETRY_BUSY,
            },
            _ => Error::Internal(err.into()),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        match &err {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull => {
                Error::InsufficientStorage
            }
            _ => Error::Internal(err.into()),
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(err: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match err.code() {
            Some(&SqlState::DISK_FULL) => Error::InsufficientStorage,
            // PostgreSQL's text cannot hold U+0000 (SQLite's can): refused as bad input.
            Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE) => Error::invalid(
                "",
                "invalid_text",
                "Text may not contain the NUL character (U+0000).",
            ),
            // Another node held the write lock past `lock_timeout`: this request did nothing.
            Some(&SqlState::LOCK_NOT_AVAILABLE) => Error::Busy {
                retry_after: RETRY_BUSY,
            },
            // The server went away or is starting or stopping: this request was not done;
            // another attempt may reach it again.
            Some(&SqlState::ADMIN_SHUTDOWN | &SqlState::CANNOT_CONNECT_NOW) => Error::Busy {
                retry_after: RETRY_BUSY,
            },
            None if err.is_closed() => Error::Busy {
                retry_after: RETRY_BUSY,
            },
            _ => Error::Internal(err.into()),
        }
    }
}

impl From<crate::store::sql::Error> for Error {
    fn from(err: crate::store::sql::Error) -> Self {
        use crate::store::sql::Error as Sql;
        match err {
            Sql::Sqlite(e) => e.into(),
            Sql::Postgres(e) => e.into(),
            other => Error::Internal(other.into()),
        }
    }
}

/// r2d2's only error: no connection within its timeout (every one busy, or the database not
/// answering). The request was not started; retrying later may work.
impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        tracing::warn!(error = %err, "no database connection");
        Error::Busy {
            retry_after: RETRY_BUSY,
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        Error::Internal(err)
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    /// The bare status: the dialect's render middleware (`api::problem`) writes the body,
    /// because only it knows the request id, the path and the dialect's shape.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        let challenge = match self {
            Error::Unauthenticated => Some(r#"Bearer realm="attache""#.to_owned()),
            Error::InvalidCredentials => {
                Some(r#"Bearer realm="attache", error="invalid_token""#.to_owned())
            }
            Error::InsufficientScope(scope) => Some(format!(
                r#"Bearer realm="attache", error="insufficient_scope", scope="{scope}""#
            )),
            _ => None,
        };
        if let Some(challenge) = challenge {
            res.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        let retry_after = match self {
            Error::RateLimited { retry_after }
            | Error::Busy { retry_after }
            | Error::AlertLimited { retry_after } => Some(*retry_after),
            Error::TooManyUploads { .. } => Some(RETRY_UPLOADS),
            Error::StorageUnavailable => Some(RETRY_STORAGE),
            Error::QuotaExceeded { retry_after, .. } => *retry_after,
            _ => None,
        };
        if let Some(seconds) = retry_after {
            res.insert_header((header::RETRY_AFTER, seconds));
        }
        res.finish()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
