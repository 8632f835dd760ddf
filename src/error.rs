//! The domain error: one variant per thing a caller can get wrong (or we can), each with a
//! stable `code`. This is the one place a code becomes an HTTP status; each dialect only
//! chooses the body shape (see `api::problem`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

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
    #[error("The server could not complete the request.")]
    Internal(#[source] anyhow::Error),
}

/// Every code a client may see, with its status, title and a short explanation
/// (served at `<public-url>/errors/<code>`).
pub const CODES: &[(&str, u16, &str, &str)] = &[
    ("unauthorized", 401, "Authentication required", "The request carried no credential. Send an API key as `Authorization: Bearer <key>` (or `Token <key>`, or `X-Auth-Token: <key>`)."),
    ("invalid_credentials", 401, "Invalid credentials", "The credential is unknown, revoked or malformed. Create a key with `attache key create`."),
    ("insufficient_scope", 403, "Insufficient scope", "The API key is valid but lacks the scope this route needs. Create a key with that scope."),
    ("forbidden", 403, "Forbidden", "The caller may see this resource but may not change it, for example a customer deleting a file someone else uploaded."),
    ("not_found", 404, "Not found", "The resource does not exist, or the caller may not see it. attache answers both the same way."),
    ("invalid_request", 400, "Validation failed", "The request body or parameters failed validation; `errors[]` points at each field."),
    ("file_too_large", 400, "File too large", "The file is over the size limit; see GET /v1/attachment-restrictions."),
    ("unsupported_file_type", 400, "Unsupported file type", "The type detected from the file's bytes is not on the allow-list; see GET /v1/attachment-restrictions."),
    ("empty_file", 400, "Empty file", "The uploaded file has no content."),
    ("missing_file", 400, "Missing file", "The multipart request has no part named `file`."),
    ("too_many_attachments", 400, "Too many attachments", "The ticket already holds the maximum number of attachments."),
    ("url_expired", 403, "URL expired", "The signed download URL is past its expiry. Ask the API for a new one."),
    ("signature_invalid", 403, "Signature invalid", "Some part of the signed download URL was changed, or it was signed with a key this server does not have."),
    ("rate_limited", 429, "Too many requests", "The per-key rate limit was reached; wait for `Retry-After` seconds."),
    ("insufficient_storage", 507, "Insufficient storage", "The server's disk is full; nothing was stored. Try again later."),
    ("method_not_allowed", 405, "Method not allowed", "The resource exists but does not answer this HTTP method."),
    ("internal_error", 500, "Internal error", "Something failed inside the server. The request id identifies the log line."),
];

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthorized",
            Error::InvalidCredentials => "invalid_credentials",
            Error::InsufficientScope(_) => "insufficient_scope",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::Invalid(_) => "invalid_request",
            Error::FileTooLarge { .. } => "file_too_large",
            Error::UnsupportedFileType { .. } => "unsupported_file_type",
            Error::EmptyFile => "empty_file",
            Error::MissingFile => "missing_file",
            Error::TooManyAttachments { .. } => "too_many_attachments",
            Error::UrlExpired => "url_expired",
            Error::SignatureInvalid => "signature_invalid",
            Error::RateLimited { .. } => "rate_limited",
            Error::InsufficientStorage => "insufficient_storage",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::Internal(_) => "internal_error",
        }
    }

    pub fn title(&self) -> &'static str {
        describe(self.code()).map_or("Error", |(_, _, title, _)| *title)
    }

    /// Field errors; upload errors point at `/file` as the vendors' documents do.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::FileTooLarge { .. }
            | Error::UnsupportedFileType { .. }
            | Error::EmptyFile
            | Error::MissingFile => vec![FieldError::new("/file", self.code(), self.to_string())],
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

fn details(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.detail.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn describe(code: &str) -> Option<&'static (&'static str, u16, &'static str, &'static str)> {
    CODES.iter().find(|(c, ..)| *c == code)
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        if err.raw_os_error() == Some(libc::ENOSPC) || err.raw_os_error() == Some(libc::EDQUOT) {
            Error::InsufficientStorage
        } else {
            Error::Internal(err.into())
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

impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        Error::Internal(err.into())
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        Error::Internal(err)
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        let status = describe(self.code()).map_or(500, |(_, status, ..)| *status);
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
        if let Error::RateLimited { retry_after } = self {
            res.insert_header((header::RETRY_AFTER, *retry_after));
        }
        res.finish()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
