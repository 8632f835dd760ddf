//! The signed download route, `/files/{id}/{name}?exp&disp&kid&sig`, and the bytes behind the
//! dialects' authenticated download routes. A content-addressed store has its own validators:
//! a strong ETag from the SHA-256, conditional requests evaluated against it, and ranges
//! (several in one `multipart/byteranges`) served from the blob by `body::BlobBody`.

mod body;
mod respond;
mod validators;

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

use crate::core::attachments::unix_now;
use crate::core::downloads::{open_signed, Presented, Servable};
use crate::core::Core;
use crate::domain::Attachment;
use crate::error::Error;
use crate::ids::Id;
use crate::signing::Disposition;
use respond::answer;

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

/// What a signed URL presents, from its raw path and query (as `core::attachments::signed_path`
/// wrote them).
fn presented(path: &str, query: &str) -> Presented {
    // The raw path, decoded once here: the name was encoded once when signed. Exactly two
    // non-empty segments follow `/files/`; anything else names no attachment.
    let rest = path.strip_prefix(ROUTE_PREFIX).unwrap_or_default();
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
    let query = web::Query::<SignedQuery>::from_query(query)
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

/// The signed download route (GET and HEAD). The URL is the credential: no key, no session.
pub async fn download(core: web::Data<Core>, req: HttpRequest) -> Result<HttpResponse, Error> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(Error::MethodNotAllowed);
    }
    let (servable, grant) =
        open_signed(&core, presented(req.uri().path(), req.query_string())).await?;
    Ok(answer(
        &core,
        &req,
        &servable,
        grant.disposition,
        grant.expires,
    ))
}

/// The bytes of an attachment for a dialect's authenticated download route, with the same
/// headers as a signed download (always as an attachment, never cached for long).
pub async fn authorized(
    core: &Core,
    req: &HttpRequest,
    attachment: &Attachment,
) -> Result<HttpResponse, Error> {
    let content = crate::core::attachments::open(core, attachment).await?;
    let servable = Servable {
        attachment: attachment.clone(),
        content,
    };
    Ok(answer(
        core,
        req,
        &servable,
        Disposition::Attachment,
        unix_now(),
    ))
}

#[cfg(test)]
mod properties;
