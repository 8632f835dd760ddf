//! The signed download route, `/files/{id}/{name}?exp&disp&kid&sig`. actix-files streams the
//! body and answers single ranges; we add the parts it cannot do for a content-addressed store:
//! a strong ETag from the SHA-256 and the conditional requests evaluated against it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use actix_files::{HttpRange, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, EntityTag, ExtendedValue,
    HeaderValue, HttpDate,
};
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use percent_encoding::percent_decode_str;
use serde::Deserialize;

use crate::core::attachments::{open_signed, Presented};
use crate::core::model::Attachment;
use crate::core::Core;
use crate::error::Error;
use crate::ids::Id;
use crate::signing::Disposition;

#[derive(Deserialize)]
struct SignedQuery {
    exp: Option<String>,
    disp: Option<String>,
    kid: Option<String>,
    sig: Option<String>,
}

fn presented(req: &ServiceRequest) -> Presented {
    // The raw path, decoded once here: the name was encoded once when signed.
    let mut segments = req.uri().path().trim_start_matches('/').split('/').skip(1);
    let id = segments.next().and_then(Id::parse_uuid);
    let filename = segments
        .next()
        .and_then(|s| percent_decode_str(s).decode_utf8().ok())
        .map(|s| s.into_owned())
        .unwrap_or_default();
    let query = web::Query::<SignedQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or(SignedQuery {
            exp: None,
            disp: None,
            kid: None,
            sig: None,
        });
    Presented {
        attachment_id: id,
        filename,
        expires: query.exp.and_then(|e| e.parse().ok()),
        disposition: query.disp.as_deref().and_then(Disposition::parse),
        kid: query.kid,
        signature: query.sig,
    }
}

fn etag_of(attachment: &Attachment) -> EntityTag {
    EntityTag::new_strong(attachment.sha256.hex())
}

fn last_modified(attachment: &Attachment) -> SystemTime {
    time::OffsetDateTime::parse(
        &attachment.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| UNIX_EPOCH + Duration::from_secs(t.unix_timestamp().max(0) as u64))
    .unwrap_or(UNIX_EPOCH)
}

/// RFC 6266: an ASCII `filename` for old clients, and `filename*` (RFC 5987) for the real name.
fn content_disposition(disposition: Disposition, filename: &str) -> ContentDisposition {
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

/// actix-files serving the attachment's bytes, with its type and name; the ETag and
/// Last-Modified are ours (`finish`), not the file's.
fn named_file(
    file: File,
    attachment: &Attachment,
    disposition: Disposition,
) -> std::io::Result<NamedFile> {
    let mime = attachment
        .content_type
        .parse()
        .unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    Ok(NamedFile::from_file(file, &attachment.filename)?
        .set_content_type(mime)
        .set_content_disposition(content_disposition(disposition, &attachment.filename))
        .use_etag(false)
        .use_last_modified(false)
        .prefer_utf8(true))
}

/// HTTP dates have whole seconds.
fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

enum Precondition {
    Proceed { honour_range: bool },
    NotModified,
    Failed,
}

fn evaluate(req: &ServiceRequest, etag: &EntityTag, modified: SystemTime) -> Precondition {
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

fn security_headers(res: &mut HttpResponse, etag: &EntityTag, modified: SystemTime, expires: i64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let remaining = (expires - now).max(0);
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

/// The route itself: a service (not a handler) because it edits the request's headers
/// before actix-files sees them. Errors are answered here, as responses.
pub async fn download(mut req: ServiceRequest) -> Result<ServiceResponse, actix_web::Error> {
    match respond(&mut req).await {
        Ok(res) => {
            let (http_req, _) = req.into_parts();
            Ok(ServiceResponse::new(http_req, res))
        }
        Err(err) => Ok(req.error_response(err)),
    }
}

async fn respond(req: &mut ServiceRequest) -> Result<HttpResponse, Error> {
    let core = req
        .app_data::<web::Data<Core>>()
        .cloned()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no Core in app data")))?;
    let (attachment, grant, file) = open_signed(&core, presented(req)).await?;
    let etag = etag_of(&attachment);
    let modified = last_modified(&attachment);
    let precondition = evaluate(req, &etag, modified);
    for name in [
        header::IF_MATCH,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_UNMODIFIED_SINCE,
        header::IF_RANGE,
    ] {
        req.headers_mut().remove(name);
    }
    let res = match precondition {
        Precondition::NotModified => HttpResponse::NotModified().finish(),
        Precondition::Failed => HttpResponse::PreconditionFailed().finish(),
        Precondition::Proceed { honour_range } => {
            if !honour_range {
                req.headers_mut().remove(header::RANGE);
            }
            let size = attachment.size_bytes as u64;
            match requested_ranges(req, size) {
                Ranges::Several(ranges) => {
                    let res =
                        byteranges(core.clone(), file, &attachment, ranges, grant.disposition);
                    return Ok(finish(res, &etag, modified, grant.expires));
                }
                Ranges::TooMany => {
                    req.headers_mut().remove(header::RANGE);
                }
                Ranges::NoneOrOne => {}
            }
            let named = named_file(file, &attachment, grant.disposition)?;
            named.into_response(req.request())
        }
    };
    Ok(finish(res, &etag, modified, grant.expires))
}

fn finish(
    mut res: HttpResponse,
    etag: &EntityTag,
    modified: SystemTime,
    expires: i64,
) -> HttpResponse {
    security_headers(&mut res, etag, modified, expires);
    res
}

/// More ranges than this in one request are answered with the whole file (RFC 9110 allows
/// ignoring a Range header; many small ranges are a known amplification trick).
const MAX_RANGES: usize = 16;
const PIECE: u64 = 64 * 1024;

enum Ranges {
    NoneOrOne,
    Several(Vec<HttpRange>),
    TooMany,
}

/// actix-files answers a single range itself; several are ours.
fn requested_ranges(req: &ServiceRequest, size: u64) -> Ranges {
    let parsed = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| HttpRange::parse(v, size).ok());
    match parsed {
        Some(ranges) if ranges.len() > MAX_RANGES => Ranges::TooMany,
        Some(ranges) if ranges.len() > 1 => Ranges::Several(ranges),
        _ => Ranges::NoneOrOne,
    }
}

enum Piece {
    Text(String),
    Read { offset: u64, length: u64 },
}

/// A `multipart/byteranges` answer, streamed a piece at a time off the async workers.
fn byteranges(
    core: web::Data<Core>,
    file: File,
    attachment: &Attachment,
    ranges: Vec<HttpRange>,
    disposition: Disposition,
) -> HttpResponse {
    let size = attachment.size_bytes as u64;
    let boundary = Id::new().hex();
    let mut pieces = Vec::new();
    for range in &ranges {
        pieces.push(Piece::Text(format!(
            "\r\n--{boundary}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
            attachment.content_type,
            range.start,
            range.start + range.length - 1
        )));
        let mut offset = range.start;
        while offset < range.start + range.length {
            let length = PIECE.min(range.start + range.length - offset);
            pieces.push(Piece::Read { offset, length });
            offset += length;
        }
    }
    pieces.push(Piece::Text(format!("\r\n--{boundary}--\r\n")));
    let total: u64 = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(text) => text.len() as u64,
            Piece::Read { length, .. } => *length,
        })
        .sum();
    let file = Arc::new(file);
    let body = futures_util::stream::iter(pieces).then(move |piece| {
        let (core, file) = (core.clone(), file.clone());
        async move {
            match piece {
                Piece::Text(text) => Ok::<_, Error>(Bytes::from(text)),
                Piece::Read { offset, length } => {
                    let data = core
                        .db
                        .blocking(move || {
                            let mut buf = vec![0u8; length as usize];
                            file.read_exact_at(&mut buf, offset)?;
                            Ok(buf)
                        })
                        .await?;
                    Ok(Bytes::from(data))
                }
            }
        }
    });
    HttpResponse::PartialContent()
        .content_type(format!("multipart/byteranges; boundary={boundary}"))
        .insert_header(content_disposition(disposition, &attachment.filename))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(total)
        .streaming(body)
}

/// The bytes of an attachment for a dialect's authenticated download route, with the same
/// headers as a signed download (always as an attachment, never cached for long).
pub async fn authorized(
    core: &Core,
    req: &actix_web::HttpRequest,
    attachment: &Attachment,
) -> Result<HttpResponse, Error> {
    let file = crate::core::attachments::open(core, attachment).await?;
    let named = named_file(file, attachment, Disposition::Attachment)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Ok(finish(
        named.into_response(req),
        &etag_of(attachment),
        last_modified(attachment),
        now,
    ))
}
