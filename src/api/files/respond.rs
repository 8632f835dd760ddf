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
        Ok(ranges) if ranges.is_empty() || ranges.len() > MAX_RANGES || overlap(&ranges) => {
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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{parse_ranges, Ranges, MAX_RANGES};

    #[derive(Clone, Debug)]
    enum Spec {
        FromTo(u64, u64),
        From(u64),
        Suffix(u64),
    }

    impl Spec {
        fn text(&self) -> String {
            match self {
                Spec::FromTo(first, last) => format!("{first}-{last}"),
                Spec::From(first) => format!("{first}-"),
                Spec::Suffix(length) => format!("-{length}"),
            }
        }

        /// The bytes `(start, length)` RFC 9110 14.1.2 says the spec selects, if any.
        fn selects(&self, size: u64) -> Option<(u64, u64)> {
            match *self {
                Spec::FromTo(first, last) if first < size => {
                    Some((first, last.min(size - 1) - first + 1))
                }
                Spec::From(first) if first < size => Some((first, size - first)),
                Spec::Suffix(length) if length > 0 => {
                    Some((size - length.min(size), length.min(size)))
                }
                _ => None,
            }
        }
    }

    /// `(kind, [(start, length)])`, comparable and printable.
    fn shape(ranges: Ranges) -> (&'static str, Vec<(u64, u64)>) {
        match ranges {
            Ranges::Whole => ("whole", vec![]),
            Ranges::Unsatisfiable => ("unsatisfiable", vec![]),
            Ranges::One(r) => ("partial", vec![(r.start, r.length)]),
            Ranges::Several(rs) => ("partial", rs.iter().map(|r| (r.start, r.length)).collect()),
        }
    }

    /// File sizes: small ones, where ranges collide, and any an attachment can have. Empty
    /// files are refused at upload (`empty_file`), so 0 is not one of them.
    fn size() -> impl Strategy<Value = u64> {
        prop_oneof![1..=64u64, 1..=i64::MAX as u64]
    }

    /// A byte position near the file's end as often as anywhere else.
    fn position(size: u64) -> impl Strategy<Value = u64> {
        prop_oneof![0..size.saturating_add(2), any::<u64>()]
    }

    /// A well-formed byte-range-spec (first ≤ last).
    fn spec(size: u64) -> impl Strategy<Value = Spec> {
        prop_oneof![
            (position(size), position(size)).prop_map(|(a, b)| Spec::FromTo(a.min(b), a.max(b))),
            position(size).prop_map(Spec::From),
            position(size).prop_map(Spec::Suffix),
        ]
    }

    fn header(specs: &[Spec]) -> String {
        let specs: Vec<String> = specs.iter().map(Spec::text).collect();
        format!("bytes={}", specs.join(", "))
    }

    fn specs(size: u64) -> impl Strategy<Value = Vec<Spec>> {
        prop::collection::vec(spec(size), 1..24)
    }

    /// A well-formed header with one byte changed or added.
    fn edited(size: u64) -> impl Strategy<Value = Vec<u8>> {
        let edit = (any::<prop::sample::Index>(), any::<u8>(), any::<bool>());
        (specs(size), edit).prop_map(|(specs, (at, byte, insert))| {
            let mut value = header(&specs).into_bytes();
            let at = at.index(value.len());
            if insert {
                value.insert(at, byte);
            } else {
                value[at] = byte;
            }
            value
        })
    }

    /// A file size and any Range value: well-formed, edited, text that looks like a header,
    /// bytes at all.
    fn raw_header() -> impl Strategy<Value = (u64, Vec<u8>)> {
        size().prop_flat_map(|size| {
            let value = prop_oneof![
                specs(size).prop_map(|specs| header(&specs).into_bytes()),
                edited(size),
                "(bytes|BYTES|items)=[ 0-9,-]{0,40}".prop_map(String::into_bytes),
                "bytes=[ \t0-9,-]{0,20}(18446744073709551615|18446744073709551616)[ 0-9,-]{0,20}"
                    .prop_map(String::into_bytes),
                prop::collection::vec(any::<u8>(), 0..60),
            ];
            (Just(size), value)
        })
    }

    proptest! {
        /// Whatever the header, what is sent is inside the file, at most `MAX_RANGES` pieces,
        /// no byte twice: a 206 is never longer than the file (issue 12, finding 8).
        #[test]
        fn accepted_ranges_stay_inside_the_file_and_never_repeat_a_byte(
            (size, value) in raw_header(),
        ) {
            let (_, ranges) = shape(parse_ranges(&value, size));
            prop_assert!(ranges.len() <= MAX_RANGES);
            let mut sent = 0u64;
            for &(start, length) in &ranges {
                prop_assert!(length > 0);
                prop_assert!(start.checked_add(length).is_some_and(|end| end <= size));
                sent += length;
            }
            prop_assert!(sent <= size, "{sent} bytes of a {size}-byte file");
        }

        /// Well-formed headers get what RFC 9110 says they select, unless that would be more
        /// than `MAX_RANGES` pieces or send a byte twice: then the whole file, once.
        #[test]
        fn well_formed_headers_get_the_bytes_they_select(
            (size, specs) in size().prop_flat_map(|size| {
                (Just(size), specs(size))
            }),
        ) {
            let selected: Vec<(u64, u64)> = specs.iter().filter_map(|s| s.selects(size)).collect();
            let mut sorted = selected.clone();
            sorted.sort_unstable();
            let overlapping = sorted.windows(2).any(|w| w[1].0 < w[0].0 + w[0].1);
            let expected = match selected.len() {
                0 => ("unsatisfiable", vec![]),
                n if n > MAX_RANGES || overlapping => ("whole", vec![]),
                _ => ("partial", selected),
            };
            prop_assert_eq!(shape(parse_ranges(header(&specs).as_bytes(), size)), expected);
        }

        /// Finding 8: the same range asked for again and again is served once, as a 200.
        #[test]
        fn a_repeated_range_is_answered_with_the_file_once(
            (size, spec) in size().prop_flat_map(|size| {
                let satisfiable = spec(size).prop_filter("selects no byte", move |s| {
                    s.selects(size).is_some()
                });
                (Just(size), satisfiable)
            }),
            times in 2..40usize,
        ) {
            let value = header(&vec![spec; times]);
            prop_assert_eq!(shape(parse_ranges(value.as_bytes(), size)), ("whole", vec![]));
        }
    }
}
