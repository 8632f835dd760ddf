//! The HostUp document, `/api/v2/support/openapi.json`: what `api::hostup` answers, with
//! problem+json errors. The structs mirror the handlers' private views, for the document only.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi, ToSchema};

use super::native::{FieldProblem, Problem};
use super::{add_errors, bearer, secure};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "attache: HostUp dialect",
        description = "HostUp's support API v2 over attache: `tkt_`/`tmsg_`/`satt_`/`tatt_` ids, camelCase JSON, RFC 9457 errors."),
    paths(upload, download, list_tickets, create_ticket, ticket_detail, reply),
    components(schemas(
        UploadForm, Upload, Attachment, Message, Ticket, TicketDetail, TicketPage, Pagination,
        NewTicket, Reply, Problem, FieldProblem,
    )),
    modifiers(&HostUp),
)]
struct HostUpDoc;

pub fn document() -> Document {
    HostUpDoc::openapi()
}

struct HostUp;

impl Modify for HostUp {
    fn modify(&self, doc: &mut Document) {
        let cookie = SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "hostup_session",
            "The dashboard's session cookie; writes must come from the same origin.",
        )));
        secure(doc, vec![("bearer", bearer()), ("hostupSession", cookie)]);
        add_errors(doc, "application/problem+json", "Problem", &[]);
    }
}

/// `file`, and optionally the ticket the upload is for.
#[derive(Serialize, ToSchema)]
struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// A `tkt_` id.
    #[serde(rename = "ticketId")]
    #[schema(nullable = false)]
    ticket_id: Option<String>,
}

/// A pending upload (`satt_`), until a reply carries it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Upload {
    attachment_id: String,
    /// A signed download URL.
    url: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    ticket_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    id: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    download_url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Message {
    id: String,
    body: String,
    author_id: String,
    created_at: String,
    attachments: Vec<Attachment>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Ticket {
    id: String,
    number: i64,
    subject: String,
    status: String,
    priority: Option<String>,
    department_slug: Option<String>,
    created_at: String,
    updated_at: String,
    attachment_count: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TicketDetail {
    id: String,
    number: i64,
    subject: String,
    status: String,
    priority: Option<String>,
    department_slug: Option<String>,
    created_at: String,
    updated_at: String,
    attachment_count: i64,
    /// The first message's body.
    body: String,
    attachments: Vec<Attachment>,
    messages: Vec<Message>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    page: u32,
    per_page: u32,
    total: u64,
    total_pages: u64,
}

#[derive(Serialize, ToSchema)]
struct TicketPage {
    data: Vec<Ticket>,
    pagination: Pagination,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewTicket {
    /// 1 to 500 characters, not all spaces.
    #[schema(pattern = r"\S", max_length = 500)]
    subject: String,
    message: String,
    #[schema(max_length = 100)]
    priority: Option<String>,
    #[schema(max_length = 100)]
    department_slug: Option<String>,
    /// `satt_` ids of uploads the first message carries.
    #[schema(nullable = false)]
    attachment_ids: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Reply {
    message: String,
    /// Accepted as HostUp sends it; attache stores messages as given.
    #[schema(nullable = false)]
    encrypted: Option<bool>,
    /// `satt_` ids of uploads this reply carries.
    #[schema(nullable = false)]
    attachment_ids: Option<Vec<String>>,
}

/// Uploads a file, pending until a reply or a new ticket carries it.
#[utoipa::path(post, path = "/api/v2/support/attachments", tag = "attachments",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Upload)))]
fn upload() {}

/// The bytes of an attachment (ranges and conditional requests as RFC 9110 says).
#[utoipa::path(get, path = "/api/v2/support/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "A `tatt_` or `satt_` id"),
        ("ticketId" = String, Query, description = "The `tkt_` id of its ticket")),
    responses(
        (status = 200, description = "The file", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested ranges", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 416, description = "No requested range is within the file"),
    ))]
fn download() {}

/// The caller's tickets, newest first.
#[utoipa::path(get, path = "/api/v2/support/tickets", tag = "tickets",
    params(("page" = Option<u64>, Query, maximum = 4294967295_u64, description = "From 1"),
        ("perPage" = Option<u64>, Query, maximum = 4294967295_u64,
            description = "1 to 100 (default 25); others are clamped"),
        ("status" = Option<String>, Query, pattern = "^(open|pending|closed)$",
            description = "`open`, `pending` or `closed`")),
    responses((status = 200, body = TicketPage)))]
fn list_tickets() {}

#[utoipa::path(post, path = "/api/v2/support/tickets", tag = "tickets", request_body = NewTicket,
    responses((status = 201, body = TicketDetail)))]
fn create_ticket() {}

#[utoipa::path(get, path = "/api/v2/support/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "A `tkt_` id")),
    responses((status = 200, body = TicketDetail)))]
fn ticket_detail() {}

/// Replies on a ticket; the uploads it names become ticket attachments (`tatt_`).
#[utoipa::path(post, path = "/api/v2/support/tickets/{id}/messages", tag = "messages",
    request_body = Reply, params(("id" = String, Path, description = "A `tkt_` id")),
    responses((status = 201, body = Message)))]
fn reply() {}
