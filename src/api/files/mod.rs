//! The signed download route, `/files/{id}/{name}?exp&disp&kid&sig`, and the bytes behind the
//! dialects' authenticated download routes. A content-addressed store has its own validators:
//! a strong ETag from the SHA-256, conditional requests evaluated against it, and ranges
//! (several in one `multipart/byteranges`) served from the blob by `body::BlobBody`.

mod body;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, EntityTag, ExtendedValue,
    HeaderValue, HttpDate,
};
use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use http_range::{HttpRange, HttpRangeParseError};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

use crate::core::attachments::unix_now;
use crate::core::downloads::{open_signed, Presented, Servable};
use crate::core::model::Attachment;
use crate::core::Core;
use crate::error::Error;
use crate::ids::Id;
use crate::signing::Disposition;
use body::{BlobBody, Piece};

/// The signed download route, as named in metrics. It is served as a scope with a static
/// prefix and the two segments parsed here: actix-router matches `{id}/{name}` patterns with a
/// regex, which cost 6 % of a small download (BENCHMARKS.md).
pub const ROUTE: &str = "/files/{id}/{name}";
pub const ROUTE_PREFIX: &str = "/files/";

#[derive(Deserialize)]
struct SignedQuery {
    exp: Option<String>,
    disp: Option<String>,
    kid: Option<String>,
    sig: Option<String>,
}

fn presented(req: &HttpRequest) -> Presented {
    // The raw path, decoded once here: the name was encoded once when signed. Exactly two
    // non-empty segments follow `/files/`; anything else names no attachment.
    let rest = req
        .uri()
        .path()
        .strip_prefix(ROUTE_PREFIX)
        .unwrap_or_default();
    let (id, filename) = match rest.split_once('/') {
        Some((id, name)) if !name.is_empty() && !name.contains('/') => (
            Id::parse_uuid(id),
            percent_decode_str(name)
                .decode_utf8()
                .map(|s| s.into_owned())
                .unwrap_or_default(),
        ),
        _ => (None, String::new()),
    };
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

/// HTTP dates have whole seconds.
fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

enum Precondition {
    Proceed { honour_range: bool },
    NotModified,
    Failed,
}

fn evaluate(req: &HttpRequest, etag: &EntityTag, modified: SystemTime) -> Precondition {
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

/// The signed download route (GET and HEAD). The URL is the credential: no key, no session.
pub async fn download(core: web::Data<Core>, req: HttpRequest) -> Result<HttpResponse, Error> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(Error::MethodNotAllowed);
    }
    let (servable, grant) = open_signed(&core, presented(&req)).await?;
    Ok(answer(
        &core,
        &req,
        &servable,
        grant.disposition,
        grant.expires,
    ))
}

/// The answer once access is settled: preconditions against the SHA-256 ETag, then the bytes.
fn answer(
    core: &Core,
    req: &HttpRequest,
    servable: &Servable,
    disposition: Disposition,
    expires: i64,
) -> HttpResponse {
    let etag = etag_of(&servable.attachment);
    let modified = last_modified(&servable.attachment);
    let mut res = match evaluate(req, &etag, modified) {
        Precondition::NotModified => HttpResponse::NotModified().finish(),
        Precondition::Failed => HttpResponse::PreconditionFailed().finish(),
        Precondition::Proceed { honour_range } => {
            serve(core, req, servable, disposition, honour_range)
        }
    };
    security_headers(&mut res, &etag, modified, expires);
    res
}

/// More ranges than this in one request are answered with the whole file (RFC 9110 allows
/// ignoring a Range header; many small ranges are a known amplification trick).
const MAX_RANGES: usize = 16;

enum Ranges {
    Whole,
    One(HttpRange),
    Several(Vec<HttpRange>),
    Unsatisfiable,
}

/// The ranges asked for. A Range header that does not parse, or asks for too many pieces, is
/// ignored (RFC 9110 14.2); one that starts past the end is a 416.
fn requested_ranges(req: &HttpRequest, size: u64) -> Ranges {
    let Some(value) = req.headers().get(header::RANGE) else {
        return Ranges::Whole;
    };
    match HttpRange::parse_bytes(value.as_bytes(), size) {
        Err(HttpRangeParseError::NoOverlap) => Ranges::Unsatisfiable,
        Err(HttpRangeParseError::InvalidRange) => Ranges::Whole,
        Ok(ranges) if ranges.is_empty() || ranges.len() > MAX_RANGES => Ranges::Whole,
        Ok(mut ranges) if ranges.len() == 1 => Ranges::One(ranges.remove(0)),
        Ok(ranges) => Ranges::Several(ranges),
    }
}

/// `text/*` types are served as UTF-8 unless they say otherwise.
fn content_type(attachment: &Attachment) -> String {
    let declared = &attachment.content_type;
    if declared.starts_with("text/") && !declared.contains("charset") {
        format!("{declared}; charset=utf-8")
    } else {
        declared.clone()
    }
}

/// The bytes of an attachment, whole or in ranges, with its type and name.
fn serve(
    core: &Core,
    req: &HttpRequest,
    servable: &Servable,
    disposition: Disposition,
    honour_range: bool,
) -> HttpResponse {
    let attachment = &servable.attachment;
    let size = attachment.size_bytes as u64;
    let ranges = if honour_range {
        requested_ranges(req, size)
    } else {
        Ranges::Whole
    };
    let mut res = match ranges {
        Ranges::Unsatisfiable => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .finish();
        }
        Ranges::Whole => HttpResponse::Ok(),
        Ranges::One(range) => {
            let mut res = HttpResponse::PartialContent();
            res.insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{size}",
                    range.start,
                    range.start + range.length - 1
                ),
            ));
            res
        }
        Ranges::Several(_) => HttpResponse::PartialContent(),
    };
    res.insert_header(content_disposition(disposition, &attachment.filename))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    let (media_type, pieces) = match ranges {
        Ranges::Several(ranges) => {
            let boundary = Id::new().hex();
            (
                format!("multipart/byteranges; boundary={boundary}"),
                byteranges(attachment, &ranges, &boundary),
            )
        }
        Ranges::One(range) => (
            content_type(attachment),
            vec![Piece::File {
                offset: range.start,
                end: range.start + range.length,
            }],
        ),
        _ => (
            content_type(attachment),
            vec![Piece::File {
                offset: 0,
                end: size,
            }],
        ),
    };
    res.insert_header((header::CONTENT_TYPE, media_type));
    let reads = core.metrics.download_reads();
    let body = BlobBody::new(servable.file.clone(), core.db.clone(), reads, pieces);
    if req.method() == Method::HEAD {
        return res.body(body.headers_only());
    }
    res.body(body)
}

/// The pieces of a `multipart/byteranges` answer (RFC 9110 14.6).
fn byteranges(attachment: &Attachment, ranges: &[HttpRange], boundary: &str) -> Vec<Piece> {
    let size = attachment.size_bytes;
    let mut pieces = Vec::new();
    for range in ranges {
        pieces.push(Piece::Text(Bytes::from(format!(
            "\r\n--{boundary}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
            attachment.content_type,
            range.start,
            range.start + range.length - 1
        ))));
        pieces.push(Piece::File {
            offset: range.start,
            end: range.start + range.length,
        });
    }
    pieces.push(Piece::Text(Bytes::from(format!("\r\n--{boundary}--\r\n"))));
    pieces
}

/// The bytes of an attachment for a dialect's authenticated download route, with the same
/// headers as a signed download (always as an attachment, never cached for long).
pub async fn authorized(
    core: &Core,
    req: &HttpRequest,
    attachment: &Attachment,
) -> Result<HttpResponse, Error> {
    let file = crate::core::attachments::open(core, attachment).await?;
    let servable = Servable {
        attachment: attachment.clone(),
        file: std::sync::Arc::new(file),
    };
    Ok(answer(
        core,
        req,
        &servable,
        Disposition::Attachment,
        unix_now(),
    ))
}
