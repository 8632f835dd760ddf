//! The HostUp dialect under `/api/v2/support`: `tkt_`/`tmsg_`/`satt_`/`tatt_` ids, camelCase
//! JSON, problem+json errors. Uploads are pending (`satt_`) until a reply carries them, then
//! they are ticket attachments (`tatt_`): the same id, spelled by state.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::api::files;
use crate::core::ingest::{self, Received};
use crate::core::messages::Carry;
use crate::core::{attachments, messages, tickets, Caller, Core};
use crate::domain::{Attachment, Message, Status, Ticket};
use crate::error::{Error, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

fn ticket_id(text: &str) -> Result<Id> {
    Id::parse_prefixed("tkt", text).ok_or(Error::NotFound("ticket"))
}

/// `satt_` and `tatt_` name the same attachment in its two states; both resolve.
fn attachment_id(text: &str) -> Option<Id> {
    Id::parse_prefixed("tatt", text).or_else(|| Id::parse_prefixed("satt", text))
}

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

pub async fn download(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse> {
    let ticket = query.ticket_id.as_deref().ok_or_else(|| {
        Error::invalid(
            "/ticketId",
            "missing_required",
            "`ticketId` is required to download a ticket attachment.",
        )
    })?;
    let id = attachment_id(&id).ok_or(Error::NotFound("attachment"))?;
    let attachment = attachments::get(&core, &caller, ticket_id(ticket)?, id).await?;
    files::authorized(&core, &req, &attachment).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentView {
    id: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    download_url: String,
}

fn attachment_view(core: &Core, a: Attachment) -> AttachmentView {
    let ticket = a.ticket_id.map(|t| t.prefixed("tkt")).unwrap_or_default();
    let id = a.id.prefixed("tatt");
    AttachmentView {
        download_url: format!(
            "{}/api/v2/support/attachments/{id}?ticketId={ticket}",
            core.public_url
        ),
        id,
        filename: a.filename,
        byte_length: a.size_bytes,
        content_type: a.content_type,
        uploaded_at: a.created_at.to_string(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageView {
    id: String,
    body: String,
    author_id: String,
    created_at: String,
    attachments: Vec<AttachmentView>,
}

fn message_view(core: &Core, m: Message) -> MessageView {
    MessageView {
        id: m.id.prefixed("tmsg"),
        body: m.body,
        author_id: m.author_id.prefixed("usr"),
        created_at: m.created_at.to_string(),
        attachments: m
            .attachments
            .into_iter()
            .map(|a| attachment_view(core, a))
            .collect(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TicketView {
    id: String,
    number: i64,
    subject: String,
    status: &'static str,
    priority: Option<String>,
    department_slug: Option<String>,
    created_at: String,
    updated_at: String,
    attachment_count: i64,
}

/// A core status under its HostUp name (the table in src/domain/status.rs).
fn status_name(status: Status) -> &'static str {
    match status {
        Status::New => "open",
        Status::Resolved => "closed",
        other => other.as_str(),
    }
}

/// The core statuses a HostUp status filter names.
fn statuses_named(name: &str) -> Option<Vec<Status>> {
    Some(match name {
        "open" => vec![Status::New, Status::Open],
        "pending" => vec![Status::Pending],
        "closed" => vec![Status::Resolved, Status::Closed],
        _ => return None,
    })
}

fn ticket_view(t: Ticket) -> TicketView {
    TicketView {
        id: t.id.prefixed("tkt"),
        number: t.number,
        subject: t.subject,
        status: status_name(t.status),
        priority: t.priority,
        department_slug: t.department,
        created_at: t.created_at.to_string(),
        updated_at: t.updated_at.to_string(),
        attachment_count: t.attachment_count,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TicketDetail {
    #[serde(flatten)]
    ticket: TicketView,
    body: String,
    attachments: Vec<AttachmentView>,
    messages: Vec<MessageView>,
}

async fn detail(core: &Core, caller: &Caller, id: Id) -> Result<TicketDetail> {
    let ticket = tickets::get(core, caller, id).await?;
    let thread = messages::list(core, caller, id).await?;
    let body = thread.first().map(|m| m.body.clone()).unwrap_or_default();
    let attachments = thread
        .iter()
        .flat_map(|m| m.attachments.iter().cloned())
        .map(|a| attachment_view(core, a))
        .collect();
    Ok(TicketDetail {
        ticket: ticket_view(ticket),
        body,
        attachments,
        messages: thread.into_iter().map(|m| message_view(core, m)).collect(),
    })
}

pub async fn ticket_detail(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(detail(&core, &caller, ticket_id(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    status: Option<String>,
}

pub async fn list_tickets(
    core: Data,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let per_page = query.per_page.unwrap_or(25).clamp(1, 100);
    let page = query.page.unwrap_or(1).max(1);
    let statuses = match query.status.as_deref() {
        Some(s) => statuses_named(s).ok_or_else(|| {
            Error::invalid(
                "/status",
                "invalid_status",
                "The status is one of open, pending, closed.",
            )
        })?,
        None => Vec::new(),
    };
    let total = tickets::count(&core, &caller, statuses.clone()).await?;
    let list = tickets::ListQuery {
        matches: tickets::TicketMatch {
            statuses,
            ..Default::default()
        },
        limit: Some(per_page),
        offset: Some((page - 1).saturating_mul(per_page)),
        ..Default::default()
    };
    let found = tickets::list(&core, &caller, list).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "data": found.tickets.into_iter().map(ticket_view).collect::<Vec<_>>(),
        "pagination": {
            "page": page,
            "perPage": per_page,
            "total": total,
            "totalPages": total.div_ceil(per_page as u64),
        },
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTicket {
    subject: String,
    message: String,
    priority: Option<String>,
    department_slug: Option<String>,
    #[serde(default)]
    attachment_ids: Vec<String>,
}

fn upload_ids(texts: &[String]) -> Result<Vec<Id>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            attachment_id(text).ok_or_else(|| {
                Error::invalid(
                    &format!("/attachmentIds/{i}"),
                    "invalid_id",
                    "Not a satt_ or tatt_ id.",
                )
            })
        })
        .collect()
}

pub async fn create_ticket(
    core: Data,
    caller: Caller,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let new = tickets::NewTicket {
        subject: body.subject,
        message: Some(body.message),
        priority: body.priority,
        department: body.department_slug,
        attachment_ids: upload_ids(&body.attachment_ids)?,
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Created().json(detail(&core, &caller, ticket.id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    message: String,
    /// Accepted as HostUp sends it; attache stores messages as given.
    #[serde(default)]
    #[allow(dead_code)]
    encrypted: bool,
    #[serde(default)]
    attachment_ids: Vec<String>,
}

pub async fn reply(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Reply>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let ids = upload_ids(&body.attachment_ids)?;
    let message = messages::create(
        &core,
        &caller,
        ticket_id(&id)?,
        body.message,
        ids,
        Carry::NamedAndPinned,
    )
    .await?;
    Ok(HttpResponse::Created().json(message_view(&core, message)))
}
