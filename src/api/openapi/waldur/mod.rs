//! The Waldur document, `/api/openapi.json`: what `api::waldur` answers, with Django REST
//! framework errors. Lists are bare arrays paged by `page`/`page_size` with `X-Result-Count`
//! and `Link`; `field` keeps only the named fields, so no field of an item is required.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::{Object, OpenApi as Document, Type};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use super::{add_errors, header_key, secure};

#[derive(OpenApi)]
#[openapi(
    info(title = "attache: Waldur dialect",
        description = "Waldur's support issues and attachments over attache; errors are Django REST framework bodies."),
    paths(list_attachments, head_attachments, create_attachment, retrieve_attachment,
        destroy_attachment, list_issues, head_issues, create_issue, retrieve_issue),
    components(schemas(AttachmentForm, Attachment, Issue, NewIssue)),
    modifiers(&Waldur),
)]
struct WaldurDoc;

pub fn document() -> Document {
    WaldurDoc::openapi()
}

struct Waldur;

impl Modify for Waldur {
    fn modify(&self, doc: &mut Document) {
        let token = header_key(
            "Authorization",
            "An API key as Waldur's token: `Token atk_…`.",
        );
        secure(doc, vec![("token", token)]);
        let components = doc.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("DrfError".to_owned(), drf_error().into());
        add_errors(doc, "application/json", "DrfError");
    }
}

/// `{"detail": "…"}`, or each field that failed with its messages.
fn drf_error() -> Schema {
    let messages = ArrayBuilder::new().items(Object::with_type(Type::String));
    ObjectBuilder::new()
        .description(Some(
            "`{\"detail\": \"…\"}`, or each field that failed with its messages",
        ))
        .property("detail", Object::with_type(Type::String))
        .additional_properties(Some(messages))
        .into()
}

/// A page of a list, and the fields to keep.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// From 1; a page past the last is 404.
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// 1 to 300 (default 10); anything else means the default, as Django REST framework does.
    page_size: Option<String>,
    /// Keep only these fields of each item (repeated).
    #[param(explode)]
    field: Option<Vec<String>>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct AttachmentFilter {
    /// The issue's URL, `…/api/support-issues/<uuid>/`.
    #[param(pattern = "/support-issues/[0-9a-f]{32}/$")]
    issue: Option<String>,
    /// The issue's uuid.
    #[param(format = Uuid)]
    issue_uuid: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct AttachmentForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The issue's URL, `…/api/support-issues/<uuid>/`.
    issue: String,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
struct Attachment {
    url: String,
    uuid: String,
    issue: String,
    issue_key: String,
    created: String,
    /// A signed download URL.
    file: String,
    mime_type: String,
    file_size: i64,
    file_name: String,
    backend_id: String,
    destroy_is_available: bool,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
struct Issue {
    url: String,
    uuid: String,
    #[serde(rename = "type")]
    kind: String,
    key: String,
    summary: String,
    /// On the issue itself, not in lists.
    description: String,
    status: String,
    resolution: String,
    resolved: bool,
    reporter: String,
    reporter_uuid: String,
    caller_uuid: String,
    resource_type: String,
    resource_name: String,
    created: String,
    modified: String,
    priority: Option<String>,
    update_is_available: bool,
    destroy_is_available: bool,
    add_comment_is_available: bool,
    add_attachment_is_available: bool,
    sla_breached: bool,
    is_escalated: bool,
    is_routed: bool,
    available_statuses: Vec<String>,
    sla_status: String,
    parent_issue: String,
    provider_helpdesk: String,
    escalation_reason: String,
    #[serde(flatten)]
    unset: Unset,
}

/// Fields of Waldur's issues that attache has no value for: always null.
#[derive(Serialize, ToSchema, Default)]
struct Unset {
    reporter_name: Option<String>,
    caller_full_name: Option<String>,
    backend_id: Option<String>,
    backend_name: Option<String>,
    assignee_name: Option<String>,
    customer_name: Option<String>,
    project_name: Option<String>,
    order_uuid: Option<String>,
    order_project_uuid: Option<String>,
    order_customer_uuid: Option<String>,
    order_resource_name: Option<String>,
    assignee_uuid: Option<String>,
    customer_uuid: Option<String>,
    project_uuid: Option<String>,
    #[schema(value_type = Option<Object>)]
    feedback: Option<()>,
    #[schema(value_type = Option<Object>)]
    provider_ticket_info: Option<()>,
    first_response_deadline: Option<String>,
    resolution_deadline: Option<String>,
    first_response_at: Option<String>,
    escalated_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct NewIssue {
    /// 1 to 500 characters, not all spaces.
    #[schema(pattern = r"\S", max_length = 500)]
    summary: String,
    #[schema(nullable = false)]
    description: Option<String>,
    #[serde(rename = "type")]
    #[schema(max_length = 100)]
    kind: Option<String>,
    #[schema(max_length = 100)]
    priority: Option<String>,
}

/// The uuid of an attachment or issue: 32 hex digits, or the dashed spelling.
const UUID: &str = "32 hex digits (the dashed spelling is accepted too)";

#[utoipa::path(get, path = "/api/support-attachments/", tag = "attachments",
    params(AttachmentFilter, Page),
    responses((status = 200, body = [Attachment], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
fn list_attachments() {}

#[utoipa::path(head, path = "/api/support-attachments/", tag = "attachments",
    params(AttachmentFilter, Page),
    responses((status = 200, description = "The list's headers, without the list")))]
fn head_attachments() {}

/// Uploads a file onto an issue.
#[utoipa::path(post, path = "/api/support-attachments/", tag = "attachments",
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment)))]
fn create_attachment() {}

#[utoipa::path(get, path = "/api/support-attachments/{uuid}/", tag = "attachments",
    params(("uuid" = String, Path, description = UUID), Page),
    responses((status = 200, body = Attachment)))]
fn retrieve_attachment() {}

#[utoipa::path(delete, path = "/api/support-attachments/{uuid}/", tag = "attachments",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 204, description = "Deleted")))]
fn destroy_attachment() {}

#[utoipa::path(get, path = "/api/support-issues/", tag = "issues", params(Page),
    responses((status = 200, body = [Issue], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
fn list_issues() {}

#[utoipa::path(head, path = "/api/support-issues/", tag = "issues", params(Page),
    responses((status = 200, description = "The list's headers, without the list")))]
fn head_issues() {}

#[utoipa::path(post, path = "/api/support-issues/", tag = "issues", request_body = NewIssue,
    responses((status = 201, body = Issue)))]
fn create_issue() {}

#[utoipa::path(get, path = "/api/support-issues/{uuid}/", tag = "issues",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Issue)))]
fn retrieve_issue() {}
