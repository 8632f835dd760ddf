//! The actions on an issue that Waldur allows to staff and support users only (403 for
//! attache's customers, before any lookup), and the read-only lookups around issues.

use serde::Serialize;
use utoipa::ToSchema;

use super::comments::drf_text;
use super::{Issue, Page, UUID};

#[derive(Serialize, ToSchema)]
pub(super) struct SetIssueStatusRequest {
    /// One of the issue's `available_statuses`.
    #[schema(schema_with = drf_text)]
    status: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct BulkUpdateIssueRequest {
    #[schema(value_type = Vec<String>, format = Uuid)]
    issue_uuids: Vec<String>,
    /// A status every issue named may move to; none changes otherwise.
    #[schema(schema_with = drf_text)]
    status: Option<String>,
    /// At most 100 characters.
    #[schema(schema_with = drf_text)]
    priority: Option<String>,
    /// Only null: attache has no assignees.
    #[schema(value_type = Option<String>, format = Uuid)]
    assignee: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct BulkUpdated {
    /// How many of the issues named exist.
    updated_count: u64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct EscalateIssueRequest {
    /// Why the issue is escalated; not blank, at most attache's bound on a message.
    #[schema(schema_with = drf_text)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct AttachResourceRequest {
    /// A marketplace resource's URL; attache has none.
    resource: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct RouteToProviderRequest {
    /// A provider helpdesk's uuid; attache has none.
    #[schema(format = Uuid)]
    provider_helpdesk: String,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
pub(super) struct IssueStatus {
    url: String,
    uuid: String,
    /// A core status that finishes an issue: `closed` or `resolved`.
    name: String,
    /// 0: resolved (attache does not tell canceled issues apart).
    #[serde(rename = "type")]
    kind: u8,
    type_display: String,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
pub(super) struct Priority {
    url: String,
    uuid: String,
    name: String,
    description: String,
    icon_url: String,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
pub(super) struct RequestType {
    url: String,
    uuid: String,
    name: String,
    issue_type_name: String,
    order: u32,
}

/// Moves the issue to one of its `available_statuses` (400 `{"status": […]}` for any other).
#[utoipa::path(post, path = "/api/support-issues/{uuid}/set_status/", tag = "issues",
    request_body = SetIssueStatusRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Issue)))]
pub(super) fn set_status() {}

/// Nothing to fetch: attache owns its issues, as Waldur's basic backend does.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/sync/", tag = "issues",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "Synchronised; no body")))]
pub(super) fn sync() {}

/// Escalates the issue, once: its `is_escalated`, `escalated_at` and `escalation_reason` say
/// when and why. A second time is 400 `{"detail": "Issue is already escalated."}`.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/escalate/", tag = "issues",
    request_body = EscalateIssueRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "Escalated; no body"),
        (status = 400, description = "`{\"detail\": \"Issue is already escalated.\"}`, or `{\"reason\": [...]}`")))]
pub(super) fn escalate() {}

/// Refused: attache has no marketplace resources, so the one named does not exist.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/attach_resource/", tag = "issues",
    request_body = AttachResourceRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`{\"resource\": [\"Invalid hyperlink - Object does not exist.\"]}`")))]
pub(super) fn attach_resource() {}

/// Refused: attache has no provider helpdesks, so the one named does not exist.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/route_to_provider/", tag = "issues",
    request_body = RouteToProviderRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`{\"provider_helpdesk\": [\"Object with uuid=… does not exist.\"]}`")))]
pub(super) fn route_to_provider() {}

/// Refused: no issue is routed to a provider.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/reroute/", tag = "issues",
    request_body = RouteToProviderRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 400, description = "`{\"detail\": \"Issue is not routed to a provider yet.\"}`")))]
pub(super) fn reroute() {}

/// Sets the status and the priority of the issues named (400 when none exists, or when one
/// cannot take the status; then none changes).
#[utoipa::path(post, path = "/api/support-issues/bulk_update/", tag = "issues",
    request_body = BulkUpdateIssueRequest,
    responses((status = 200, body = BulkUpdated)))]
pub(super) fn bulk_update() {}

/// Staff only: the statuses that finish an issue, by name.
#[utoipa::path(get, path = "/api/support-issue-statuses/", tag = "lookups", params(Page),
    responses((status = 200, body = [IssueStatus], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
pub(super) fn list_issue_statuses() {}

#[utoipa::path(head, path = "/api/support-issue-statuses/", tag = "lookups", params(Page),
    responses((status = 200, description = "The list's headers, without the list")))]
pub(super) fn head_issue_statuses() {}

#[utoipa::path(get, path = "/api/support-issue-statuses/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = IssueStatus)))]
pub(super) fn retrieve_issue_status() {}

#[utoipa::path(head, path = "/api/support-issue-statuses/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The status's headers, without the status")))]
pub(super) fn head_issue_status() {}

/// attache's priorities, by name. `name` matches part of a name (any case), `name_exact` all
/// of it.
#[utoipa::path(get, path = "/api/support-priorities/", tag = "lookups",
    params(("name" = Option<String>, Query), ("name_exact" = Option<String>, Query), Page),
    responses((status = 200, body = [Priority], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
pub(super) fn list_priorities() {}

#[utoipa::path(head, path = "/api/support-priorities/", tag = "lookups",
    params(("name" = Option<String>, Query), ("name_exact" = Option<String>, Query), Page),
    responses((status = 200, description = "The list's headers, without the list")))]
pub(super) fn head_priorities() {}

#[utoipa::path(get, path = "/api/support-priorities/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Priority)))]
pub(super) fn retrieve_priority() {}

#[utoipa::path(head, path = "/api/support-priorities/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The priority's headers, without the priority")))]
pub(super) fn head_priority() {}

/// Waldur's default issue types, in order (the first is the default).
#[utoipa::path(get, path = "/api/support-request-types/", tag = "lookups", params(Page),
    responses((status = 200, body = [RequestType], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
pub(super) fn list_request_types() {}

#[utoipa::path(head, path = "/api/support-request-types/", tag = "lookups", params(Page),
    responses((status = 200, description = "The list's headers, without the list")))]
pub(super) fn head_request_types() {}

#[utoipa::path(get, path = "/api/support-request-types/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = RequestType)))]
pub(super) fn retrieve_request_type() {}

#[utoipa::path(head, path = "/api/support-request-types/{uuid}/", tag = "lookups",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The request type's headers, without it")))]
pub(super) fn head_request_type() {}
