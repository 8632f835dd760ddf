//! The validators of an attachment's bytes: a strong ETag from its SHA-256, its modification
//! time, conditional requests evaluated against both, the disposition, and the safe headers
//! every download carries.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, EntityTag, ExtendedValue,
    HeaderValue, HttpDate,
};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::core::attachments::unix_now;
use crate::domain::Attachment;
use crate::signing::Disposition;

pub(super) fn etag_of(attachment: &Attachment) -> EntityTag {
    EntityTag::new_strong(attachment.sha256.hex())
}

pub(super) fn last_modified(attachment: &Attachment) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(attachment.created_at.unix().max(0) as u64)
}

/// RFC 6266: an ASCII `filename` for old clients, and `filename*` (RFC 5987) for the real name.
pub(super) fn content_disposition(disposition: Disposition, filename: &str) -> ContentDisposition {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !filename.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: filename.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: match disposition {
            Disposition::Inline => DispositionType::Inline,
            Disposition::Attachment => DispositionType::Attachment,
        },
        parameters,
    }
}

/// HTTP dates have whole seconds.
fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub(super) enum Precondition {
    Proceed { honour_range: bool },
    NotModified,
    Failed,
}

pub(super) fn evaluate(req: &HttpRequest, etag: &EntityTag, modified: SystemTime) -> Precondition {
    if let Some(header::IfMatch::Items(tags)) = req.get_header::<header::IfMatch>() {
        if !tags.iter().any(|t| t.strong_eq(etag)) {
            return Precondition::Failed;
        }
    }
    if let Some(header::IfUnmodifiedSince(since)) = req.get_header::<header::IfUnmodifiedSince>() {
        if whole_seconds(modified) > whole_seconds(SystemTime::from(since)) {
            return Precondition::Failed;
        }
    }
    match req.get_header::<header::IfNoneMatch>() {
        Some(header::IfNoneMatch::Any) => return Precondition::NotModified,
        Some(header::IfNoneMatch::Items(tags)) => {
            if tags.iter().any(|t| t.weak_eq(etag)) {
                return Precondition::NotModified;
            }
        }
        None => {
            if let Some(header::IfModifiedSince(since)) =
                req.get_header::<header::IfModifiedSince>()
            {
                if whole_seconds(SystemTime::from(since)) >= whole_seconds(modified) {
                    return Precondition::NotModified;
                }
            }
        }
    }
    let honour_range = match req.get_header::<header::IfRange>() {
        None => true,
        Some(header::IfRange::EntityTag(tag)) => tag.strong_eq(etag),
        Some(header::IfRange::Date(date)) => {
            whole_seconds(SystemTime::from(date)) == whole_seconds(modified)
        }
    };
    Precondition::Proceed { honour_range }
}

pub(super) fn security_headers(
    res: &mut HttpResponse,
    etag: &EntityTag,
    modified: SystemTime,
    expires: i64,
) {
    let remaining = (expires - unix_now()).max(0);
    let headers = res.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, etag.to_string());
    set(header::LAST_MODIFIED, HttpDate::from(modified).to_string());
    set(
        header::CACHE_CONTROL,
        format!("private, max-age={remaining}"),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".into());
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox".into(),
    );
    set(header::REFERRER_POLICY, "no-referrer".into());
}
