//! The signed download route, `/files/{id}/{name}?exp&disp&kid&sig`. actix-files streams the
//! body and answers single ranges; we add the parts it cannot do for a content-addressed store:
//! a strong ETag from the SHA-256 and the conditional requests evaluated against it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_files::NamedFile;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, EntityTag, ExtendedValue,
    HeaderValue, HttpDate,
};
use actix_web::{web, HttpMessage, HttpResponse};
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
                if SystemTime::from(since) >= modified {
                    return Precondition::NotModified;
                }
            }
        }
    }
    let honour_range = match req.get_header::<header::IfRange>() {
        None => true,
        Some(header::IfRange::EntityTag(tag)) => tag.strong_eq(etag),
        Some(header::IfRange::Date(date)) => {
            SystemTime::from(date)
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .ok()
                == modified
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .ok()
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
    let mut res = match precondition {
        Precondition::NotModified => HttpResponse::NotModified().finish(),
        Precondition::Failed => HttpResponse::PreconditionFailed().finish(),
        Precondition::Proceed { honour_range } => {
            if !honour_range {
                req.headers_mut().remove(header::RANGE);
            }
            let mime = attachment
                .content_type
                .parse()
                .unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
            let named = NamedFile::from_file(file, &attachment.filename)?
                .set_content_type(mime)
                .set_content_disposition(content_disposition(
                    grant.disposition,
                    &attachment.filename,
                ))
                .use_etag(false)
                .use_last_modified(false)
                .prefer_utf8(true);
            named.into_response(req.request())
        }
    };
    security_headers(&mut res, &etag, modified, grant.expires);
    Ok(res)
}
