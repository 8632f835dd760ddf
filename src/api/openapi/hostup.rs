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
    paths(departments, upload, download, list_tickets, create_ticket, ticket_detail, close,
        reopen, reply),
    components(schemas(
        UploadForm, Upload, Attachment, Sender, Message, Status, Priority, Ticket, TicketDetail,
        TicketPage, Department, Departments, NewTicket, CcEmail, Reply, Problem, FieldProblem,
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
    /// A `tatt_` id.
    id: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    /// `<public URL>/api/v2/support/attachments/tatt_…?ticketId=tkt_…`
    download_url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
enum Sender {
    Customer,
    Staff,
}

/// A reply (and each message of a ticket's thread).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Message {
    /// A `tmsg_` id.
    id: String,
    ticket_id: String,
    sent_at: Option<String>,
    body: Option<String>,
    sender: Sender,
    sender_name: Option<String>,
    /// Whether its author marked it sensitive (the reply's `encrypted`).
    encrypted: bool,
    attachments: Vec<Attachment>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Status {
    Open,
    Answered,
    CustomerReply,
    InProgress,
    OnHold,
    Closed,
    Unknown,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Priority {
    Low,
    Medium,
    High,
    Urgent,
    Critical,
}

/// A ticket summary.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Ticket {
    /// A `tkt_` id.
    id: String,
    /// A numeric string, such as `"149943"`.
    #[schema(pattern = "^[0-9]+$")]
    number: String,
    subject: Option<String>,
    status: Status,
    priority: Priority,
    department_slug: String,
    department_name: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    last_message_at: Option<String>,
    /// The addresses it is copied to, as sent on create.
    cc_emails: Vec<String>,
    requester_name: Option<String>,
    /// attache's own.
    attachment_count: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TicketDetail {
    id: String,
    #[schema(pattern = "^[0-9]+$")]
    number: String,
    subject: Option<String>,
    /// The opening message.
    body: Option<String>,
    /// attache's own: the `criticalReason` a critical ticket was opened with; null for others.
    critical_reason: Option<String>,
    status: Status,
    priority: Priority,
    department_slug: String,
    department_name: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    last_message_at: Option<String>,
    cc_emails: Vec<String>,
    requester_name: Option<String>,
    attachment_count: i64,
    message_count: i64,
    /// Always empty: attache links no services.
    linked_services: Vec<serde_json::Value>,
    /// The opening post's; each reply's are on its message.
    attachments: Vec<Attachment>,
    messages: Vec<Message>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TicketPage {
    data: Vec<Ticket>,
    has_more: bool,
    /// `null` on the last page; else send it back as `cursor`.
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Department {
    slug: String,
    display_name: String,
    description: Option<String>,
    email: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Departments {
    departments: Vec<Department>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewTicket {
    /// A slug of `GET /api/v2/support/departments`.
    #[schema(value_type = String, pattern = "^(general-web-hosting|domain-names|vps|billing|support|hardware)$")]
    department_slug: String,
    /// 1 to 500 characters, not all spaces.
    #[schema(pattern = r"\S", max_length = 500)]
    subject: String,
    #[schema(pattern = r"\S", max_length = 65536)]
    message: String,
    /// `null` or absent: none, shown as `medium`.
    priority: Option<Priority>,
    /// Addresses the ticket is copied to; at most 50 (attache's bound).
    #[schema(nullable = false, max_items = 50)]
    cc_emails: Option<Vec<CcEmail>>,
    /// Required when `priority` is `critical`, and kept then: the customer impact. A critical
    /// ticket is an alert, one per requester an hour; a second is 429 `rate_limited`.
    #[schema(max_length = 65536)]
    critical_reason: Option<String>,
    ai_summary: Option<String>,
    ai_helpful: Option<bool>,
    /// attache's own: `satt_` ids of uploads the opening message carries.
    #[schema(nullable = false)]
    attachment_ids: Option<Vec<String>>,
}

/// An e-mail address.
#[derive(Serialize, ToSchema)]
#[schema(value_type = String, format = Email)]
struct CcEmail(String);

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Reply {
    #[schema(max_length = 65536)]
    message: String,
    /// Marks the reply sensitive (default `false`); kept, and shown on the message.
    #[schema(nullable = false)]
    encrypted: Option<bool>,
    /// attache's own: `satt_` ids of uploads this reply carries, besides those uploaded with
    /// this ticket's `ticketId`.
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
        ("ticketId" = String, Query, pattern = "^tkt_[0-7][0-9a-hjkmnp-tv-z]{25}$",
            description = "The `tkt_` id of its ticket; without it, or malformed, 400 `invalid_request`")),
    responses(
        (status = 200, description = "The file", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested ranges", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 404, description = "`attachment_not_found`"),
        (status = 416, description = "No requested range is within the file"),
    ))]
fn download() {}

/// The departments a new ticket may name.
#[utoipa::path(get, path = "/api/v2/support/departments", tag = "departments",
    responses((status = 200, body = Departments)))]
fn departments() {}

/// The caller's tickets, newest first, a cursor page at a time.
#[utoipa::path(get, path = "/api/v2/support/tickets", tag = "tickets",
    params(("limit" = Option<u64>, Query, minimum = 1, maximum = 100,
            description = "1 to 100 (default 20); others are `invalid_request`"),
        ("cursor" = Option<String>, Query, pattern = "^cur_[0-7][0-9a-hjkmnp-tv-z]{25}$",
            description = "Opaque: the previous page's `nextCursor`; anything else is 400 `invalid_cursor`"),
        ("status" = Option<String>, Query,
            pattern = "^(open|answered|customer_reply|in_progress|on_hold|closed)$",
            description = "A HostUp status (not `unknown`)"),
        ("departmentSlug" = Option<String>, Query,
            pattern = "^(general-web-hosting|domain-names|vps|billing|support|hardware)$",
            description = "A slug of `GET /api/v2/support/departments`")),
    responses((status = 200, body = TicketPage)))]
fn list_tickets() {}

/// Opens a ticket; a second critical one within the hour is 429 `rate_limited`.
#[utoipa::path(post, path = "/api/v2/support/tickets", tag = "tickets", request_body = NewTicket,
    responses((status = 201, body = TicketDetail),
        (status = 429, description = "`rate_limited`: one critical alert an hour (see `Retry-After`), or a quota",
            body = Problem, content_type = "application/problem+json")))]
fn create_ticket() {}

/// A ticket with its opening message (`body`), attachments and thread.
#[utoipa::path(get, path = "/api/v2/support/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "A `tkt_` id, or the ticket's number")),
    responses((status = 200, body = TicketDetail)))]
fn ticket_detail() {}

/// Closes a ticket; replies are refused until it is reopened.
#[utoipa::path(post, path = "/api/v2/support/tickets/{id}/actions/close", tag = "tickets",
    params(("id" = String, Path, description = "A `tkt_` id, or the ticket's number")),
    responses((status = 200, body = TicketDetail)))]
fn close() {}

/// Reopens a closed ticket (an open one stays as it is).
#[utoipa::path(post, path = "/api/v2/support/tickets/{id}/actions/reopen", tag = "tickets",
    params(("id" = String, Path, description = "A `tkt_` id, or the ticket's number")),
    responses((status = 200, body = TicketDetail)))]
fn reopen() {}

/// Replies on a ticket; the uploads it carries become ticket attachments (`tatt_`).
#[utoipa::path(post, path = "/api/v2/support/tickets/{id}/messages", tag = "messages",
    request_body = Reply, params(("id" = String, Path, description = "A `tkt_` id, or the ticket's number")),
    responses((status = 201, body = Message),
        (status = 409, description = "`ticket_closed`: reopen the ticket first (attache's choice)",
            body = Problem, content_type = "application/problem+json")))]
fn reply() {}
