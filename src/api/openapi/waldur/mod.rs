//! The Waldur document, `/api/openapi.json`: what `api::waldur` answers, with Django REST
//! framework errors. Lists are bare arrays paged by `page`/`page_size` with `X-Result-Count`
//! and `Link`; `field` keeps only the named fields, so no field of an item is required.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Object, OpenApi as Document, Type};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use super::{add_errors, header_key, secure};

mod actions;
mod comments;
mod filters;

use actions::{AttachResourceRequest, BulkUpdateIssueRequest, BulkUpdated, EscalateIssueRequest};
use actions::{IssueStatus, Priority, RequestType, RouteToProviderRequest, SetIssueStatusRequest};
use comments::{Comment, CommentRequest, PatchedCommentRequest};
use filters::{AttachmentFilter, CommentOrder, IssueFilter, IssueOrder};

#[derive(OpenApi)]
#[openapi(
    info(title = "attache: Waldur dialect",
        description = "Waldur's support issues, comments and attachments over attache, with the lookups around them; errors are Django REST framework bodies. A path without its trailing slash is redirected (301) to the path with it."),
    paths(list_attachments, head_attachments, create_attachment, retrieve_attachment,
        head_attachment, destroy_attachment, list_issues, head_issues, create_issue,
        retrieve_issue, head_issue, update_issue, partial_update_issue, destroy_issue,
        comments::comment_issue, comments::list_comments, comments::head_comments,
        comments::retrieve_comment, comments::head_comment, comments::update_comment,
        comments::partial_update_comment, comments::destroy_comment, actions::set_status,
        actions::sync, actions::escalate, actions::attach_resource, actions::route_to_provider, actions::reroute,
        actions::bulk_update, actions::list_issue_statuses, actions::head_issue_statuses,
        actions::retrieve_issue_status, actions::head_issue_status, actions::list_priorities,
        actions::head_priorities, actions::retrieve_priority, actions::head_priority,
        actions::list_request_types, actions::head_request_types,
        actions::retrieve_request_type, actions::head_request_type),
    components(schemas(AttachmentForm, Attachment, Issue, NewIssue, Comment, CommentRequest,
        PatchedCommentRequest, IssueOrder, CommentOrder, SetIssueStatusRequest,
        BulkUpdateIssueRequest, BulkUpdated, EscalateIssueRequest, AttachResourceRequest, RouteToProviderRequest,
        IssueStatus, Priority, RequestType)),
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
        add_errors(doc, "application/json", "DrfError", &[]);
    }
}

/// `{"detail": "…"}`, each field that failed with its messages, or (for what Waldur raises
/// from a view) a bare list of messages.
fn drf_error() -> Schema {
    let messages = || ArrayBuilder::new().items(Object::with_type(Type::String));
    let object = ObjectBuilder::new()
        .property("detail", Object::with_type(Type::String))
        .additional_properties(Some(messages()));
    OneOfBuilder::new()
        .description(Some(
            "`{\"detail\": \"…\"}`, each field that failed with its messages, or a list of messages",
        ))
        .item(object)
        .item(messages())
        .into()
}

/// A page of a list, and the fields to keep.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Page {
    /// From 1; a page past the last is 404.
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    page: Option<u32>,
    /// 1 to 300 (default 10); anything else means the default, as Django REST framework does.
    page_size: Option<String>,
    /// Keep only these fields of each item (repeated).
    #[param(explode)]
    field: Option<Vec<String>>,
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
pub(super) struct Issue {
    url: String,
    uuid: String,
    /// `Informational` when none was given.
    #[serde(rename = "type")]
    kind: String,
    /// `SUP-<number>`.
    key: String,
    summary: String,
    /// The message the issue was opened with; empty when there was none.
    description: String,
    /// A core status: `new`, `open`, `in_progress`, `customer_reply`, `pending`, `on_hold`,
    /// `resolved` or `closed`.
    status: String,
    resolution: String,
    /// `true` when resolved or closed, else null.
    resolved: Option<bool>,
    priority: String,
    /// The requester: `…/api/users/<uuid>/`.
    caller: String,
    caller_uuid: String,
    caller_full_name: Option<String>,
    /// The requester as a support user: `…/api/support-users/<uuid>/`.
    reporter: String,
    reporter_uuid: String,
    reporter_name: Option<String>,
    created: String,
    modified: String,
    /// Always false: attache's issues are not changed through this dialect.
    update_is_available: bool,
    /// Always false.
    destroy_is_available: bool,
    add_comment_is_available: bool,
    add_attachment_is_available: bool,
    /// What `set_status` takes from this caller: every other core status for staff (agents
    /// and admins), none for customers.
    available_statuses: Vec<String>,
    sla_breached: bool,
    sla_status: String,
    /// Whether `escalate` was called on it (once).
    is_escalated: bool,
    is_routed: bool,
    /// The reason it was escalated for; empty if it is not.
    escalation_reason: String,
    /// When it was escalated; null if it is not.
    #[schema(format = DateTime)]
    escalated_at: Option<String>,
    #[serde(flatten)]
    unset: Unset,
}

/// Fields of Waldur's issues that attache has no value for: always null.
#[derive(Serialize, ToSchema, Default)]
struct Unset {
    resource_type: Option<String>,
    resource_name: Option<String>,
    parent_issue: Option<String>,
    provider_helpdesk: Option<String>,
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
pub(super) const UUID: &str = "32 hex digits (the dashed spelling is accepted too)";

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

#[utoipa::path(get, path = "/api/support-issues/", tag = "issues", params(IssueFilter, Page),
    responses((status = 200, body = [Issue], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
fn list_issues() {}

#[utoipa::path(head, path = "/api/support-issues/", tag = "issues", params(IssueFilter, Page),
    responses((status = 200, description = "The list's headers, without the list")))]
fn head_issues() {}

#[utoipa::path(post, path = "/api/support-issues/", tag = "issues", request_body = NewIssue,
    responses((status = 201, body = Issue)))]
fn create_issue() {}

#[utoipa::path(get, path = "/api/support-issues/{uuid}/", tag = "issues",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Issue)))]
fn retrieve_issue() {}

#[utoipa::path(head, path = "/api/support-issues/{uuid}/", tag = "issues",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The issue's headers, without the issue")))]
fn head_issue() {}

/// Refused as Waldur refuses it when its helpdesk backend does not allow changes: 403 for
/// users who are not staff or support (attache's customers), else 400
/// `["Updating is not available."]`.
#[utoipa::path(put, path = "/api/support-issues/{uuid}/", tag = "issues", request_body = NewIssue,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`[\"Updating is not available.\"]`")))]
fn update_issue() {}

/// Refused: see PUT.
#[utoipa::path(patch, path = "/api/support-issues/{uuid}/", tag = "issues", request_body = NewIssue,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`[\"Updating is not available.\"]`")))]
fn partial_update_issue() {}

/// Refused: 403 for customers, else 400 `["Destroying is not available."]`.
#[utoipa::path(delete, path = "/api/support-issues/{uuid}/", tag = "issues",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`[\"Destroying is not available.\"]`")))]
fn destroy_issue() {}

#[utoipa::path(head, path = "/api/support-attachments/{uuid}/", tag = "attachments",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The attachment's headers, without the attachment")))]
fn head_attachment() {}
