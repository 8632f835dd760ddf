//! The answer to a download once access is settled: preconditions, then the bytes, whole or
//! in ranges (several in one `multipart/byteranges`), streamed from the blob by `BlobBody`.

use actix_web::http::header;
use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use http_range::{HttpRange, HttpRangeParseError};

use super::body::{BlobBody, Piece};
use super::validators::{
    content_disposition, etag_of, evaluate, last_modified, security_headers, Precondition,
};
use crate::core::downloads::Servable;
use crate::core::Core;
use crate::domain::Attachment;
use crate::ids::Id;
use crate::signing::Disposition;

/// The answer once access is settled: preconditions against the SHA-256 ETag, then the bytes.
pub(super) fn answer(
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

fn requested_ranges(req: &HttpRequest, size: u64) -> Ranges {
    match req.headers().get(header::RANGE) {
        Some(value) => parse_ranges(value.as_bytes(), size),
        None => Ranges::Whole,
    }
}

/// The ranges a Range header asks for. One that does not parse, asks for too many pieces or for
/// overlapping ones, is ignored (RFC 9110 14.2); one that starts past the end is a 416.
fn parse_ranges(value: &[u8], size: u64) -> Ranges {
    match HttpRange::parse_bytes(value, size) {
        Err(HttpRangeParseError::NoOverlap) => Ranges::Unsatisfiable,
        Err(HttpRangeParseError::InvalidRange) => Ranges::Whole,
        // A range of no bytes (`bytes=-0`, or any range of an empty file) has no last byte to
        // name in `Content-Range`: send the whole (empty) file instead.
        Ok(ranges)
            if ranges.is_empty()
                || ranges.len() > MAX_RANGES
                || ranges.iter().any(|r| r.length == 0)
                || overlap(&ranges) =>
        {
            Ranges::Whole
        }
        Ok(mut ranges) if ranges.len() == 1 => Ranges::One(ranges.remove(0)),
        Ok(ranges) => Ranges::Several(ranges),
    }
}

/// Whether any two ranges share a byte: answering them would send those bytes more than once
/// (RFC 9110 15.3.7.2 lets a server ignore such a header and send the file once).
fn overlap(ranges: &[HttpRange]) -> bool {
    let mut sorted: Vec<&HttpRange> = ranges.iter().collect();
    sorted.sort_by_key(|r| r.start);
    sorted
        .windows(2)
        .any(|pair| pair[1].start < pair[0].start + pair[0].length)
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
            let boundary = Id::transient().hex();
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
    let body = BlobBody::new(servable.content.clone(), core.db.clone(), reads, pieces);
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

#[cfg(test)]
mod properties;
