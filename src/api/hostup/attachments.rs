//! Uploads (`POST /attachments`, pending `satt_` records) and downloads (`GET
//! /attachments/{id}?ticketId=`), the latter answering HostUp's `attachment_not_found`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{attachment_id, ticket_id};
use crate::api::files;
use crate::core::ingest::{self, Received};
use crate::core::{attachments, Caller, Core};
use crate::error::{Error, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadView {
    attachment_id: String,
    url: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    ticket_id: Option<String>,
}

pub async fn upload(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse> {
    let stored = ingest::stage_pending(&core, &caller, |stager| async move {
        let form = stager.read_form(&req, body, &["ticketId"]).await?;
        let ticket = form
            .field("ticketId")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(ticket_id)
            .transpose()?;
        Ok(Received::of_form(form, ticket))
    })
    .await?;
    let url = attachments::sign(&core, &stored, false).url;
    Ok(HttpResponse::Created().json(UploadView {
        attachment_id: stored.id.prefixed("satt"),
        url,
        filename: stored.filename,
        byte_length: stored.size_bytes,
        content_type: stored.content_type,
        uploaded_at: stored.created_at.to_string(),
        ticket_id: stored.ticket_id.map(|t| t.prefixed("tkt")),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadQuery {
    ticket_id: Option<String>,
}

/// The `tkt_` id of `?ticketId`, required (query pointers start with `?`, as HostUp's do).
fn required_ticket(text: Option<&str>) -> Result<Id> {
    let text = text.ok_or_else(|| {
        Error::invalid(
            "?ticketId",
            "missing_required",
            "`ticketId` is required to download a ticket attachment.",
        )
    })?;
    Id::parse_prefixed("tkt", text.trim()).ok_or_else(|| {
        Error::invalid(
            "?ticketId",
            "invalid_id",
            "`ticketId` is a ticket id such as tkt_01hxa3b4c5d6e7f8g9h0j1k2m3.",
        )
    })
}

pub async fn download(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse> {
    let ticket = required_ticket(query.ticket_id.as_deref())?;
    let id = attachment_id(&id).ok_or(Error::AttachmentNotFound)?;
    let attachment = attachments::get(&core, &caller, ticket, id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::AttachmentNotFound,
            other => other,
        })?;
    files::authorized(&core, &req, &attachment).await
}
