//! The native document, `/openapi.json`: the `/v1` routes (annotated on their handlers), the
//! signed downloads under `/files`, and the probes; errors are RFC 9457 problem documents.

#![allow(dead_code)] // the functions below are declarations for the document, never called

use serde::Serialize;
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi, ToSchema};

use super::{add_errors, bearer, secure, FileForm};
use crate::api::native;
use crate::api::native::{comments, tickets};

#[derive(OpenApi)]
#[openapi(
    info(title = "attache", description = "Helpdesk ticket attachments: native API (TopTickets shape)."),
    paths(
        tickets::list_tickets, tickets::create_ticket, tickets::get_ticket,
        tickets::update_ticket, tickets::delete_ticket,
        comments::list_comments, comments::create_comment, comments::get_comment,
        comments::update_comment, comments::delete_comment,
        native::list_messages, native::create_message,
        native::list_attachments, native::upload_attachment, native::get_attachment,
        native::delete_attachment, native::download_url,
        native::restrictions, native::me,
        signed_download, signed_download_head, healthz, readyz, metrics, explain_error,
    ),
    components(schemas(
        native::TicketView, native::AttachmentView, native::MessageView, native::NewTicket,
        native::TicketChange, native::NewMessage, native::DownloadView, native::RestrictionsView,
        native::MeView, native::UserView, Problem, FieldProblem, FileForm,
        native::CommentView, native::NewComment, native::CommentChange,
    )),
    modifiers(&Native),
)]
pub struct ApiDoc;

struct Native;

impl Modify for Native {
    fn modify(&self, doc: &mut Document) {
        secure(doc, vec![("bearer", bearer())]);
        add_errors(doc, "application/problem+json", "Problem", &[422]);
    }
}

/// An RFC 9457 problem document, the error body of the native and HostUp dialects.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// `<public-url>/errors/<code>`, which explains the code.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    /// The stable error code, such as `not_found` or `file_too_large`.
    code: String,
    /// The path of the request.
    instance: String,
    #[serde(rename = "requestId")]
    request_id: String,
    timestamp: String,
    /// One entry per field that failed validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    errors: Option<Vec<FieldProblem>>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    /// A JSON pointer into the request, such as `/subject` or `/file`.
    pointer: String,
    detail: String,
    code: String,
}

/// The query of a signed download URL, as the API signed it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Signed {
    /// Expiry, in Unix seconds.
    exp: Option<String>,
    /// `attachment` or `inline`.
    disp: Option<String>,
    /// The id of the signing key.
    kid: Option<String>,
    /// The signature.
    sig: Option<String>,
}

/// The file behind a signed URL; the URL is the credential. Ranges and conditional requests
/// are answered as RFC 9110 says.
#[utoipa::path(get, path = "/files/{id}/{name}", tag = "downloads", security(()),
    params(("id" = String, Path, description = "The attachment id"),
        ("name" = String, Path, description = "The file name, as signed"), Signed),
    responses(
        (status = 200, description = "The file", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested ranges", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 416, description = "No requested range is within the file"),
    ))]
fn signed_download() {}

#[utoipa::path(head, path = "/files/{id}/{name}", tag = "downloads", security(()),
    params(("id" = String, Path, description = "The attachment id"),
        ("name" = String, Path, description = "The file name, as signed"), Signed),
    responses((status = 200, description = "The file's headers"), (status = 304, description = "Not modified")))]
fn signed_download_head() {}

/// Alive, with the version and the database's schema version.
#[utoipa::path(get, path = "/healthz", tag = "probes", security(()),
    responses((status = 200, description = "Alive", body = Object)))]
fn healthz() {}

/// Ready when the database answers and the disk takes files.
#[utoipa::path(get, path = "/readyz", tag = "probes", security(()),
    responses((status = 200, description = "Ready", body = Object),
        (status = 503, description = "Not ready", body = Object)))]
fn readyz() {}

/// Counters in the OpenMetrics text format, for a key with the `admin` scope.
#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, description = "The metrics",
        content_type = "application/openmetrics-text", body = String)))]
fn metrics() {}

/// What an error code means: the page a problem's `type` points at.
#[utoipa::path(get, path = "/errors/{code}", tag = "probes", security(()),
    params(("code" = String, Path, description = "An error code, such as `not_found`")),
    responses((status = 200, description = "The explanation", content_type = "text/plain", body = String)))]
fn explain_error() {}
