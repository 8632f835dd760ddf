//! The query parameters of Waldur's lists. A filter naming something attache does not have
//! answers an empty list; an empty value filters nothing; uuids are 32 hex digits or the
//! dashed spelling; a boolean is `true`/`false` (any case) or `1`/`0`, and any other value
//! filters nothing (so they are declared as strings); `o` takes the names below,
//! comma-separated.

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AttachmentFilter {
    /// The issue's URL, `…/api/support-issues/<uuid>/`; any other value gives an empty list.
    issue: Option<String>,
    /// The issue's uuid.
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    issue_uuid: Option<String>,
}

/// Ways to order issues; `-` before a name reverses it. With `key` or `-key`, issues are
/// ordered by the number in their key alone. Fields attache does not record order nothing.
#[derive(Serialize, ToSchema)]
pub(super) enum IssueOrder {
    #[serde(rename = "created")]
    Created,
    #[serde(rename = "-created")]
    CreatedDesc,
    #[serde(rename = "modified")]
    Modified,
    #[serde(rename = "-modified")]
    ModifiedDesc,
    #[serde(rename = "type")]
    Type,
    #[serde(rename = "-type")]
    TypeDesc,
    #[serde(rename = "key")]
    Key,
    #[serde(rename = "-key")]
    KeyDesc,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "-status")]
    StatusDesc,
    #[serde(rename = "priority")]
    Priority,
    #[serde(rename = "-priority")]
    PriorityDesc,
    #[serde(rename = "summary")]
    Summary,
    #[serde(rename = "-summary")]
    SummaryDesc,
    #[serde(rename = "customer_name")]
    CustomerName,
    #[serde(rename = "-customer_name")]
    CustomerNameDesc,
    #[serde(rename = "project_name")]
    ProjectName,
    #[serde(rename = "-project_name")]
    ProjectNameDesc,
    #[serde(rename = "caller_first_name")]
    CallerFirstName,
    #[serde(rename = "-caller_first_name")]
    CallerFirstNameDesc,
    #[serde(rename = "caller_last_name")]
    CallerLastName,
    #[serde(rename = "-caller_last_name")]
    CallerLastNameDesc,
    #[serde(rename = "reporter_name")]
    ReporterName,
    #[serde(rename = "-reporter_name")]
    ReporterNameDesc,
    #[serde(rename = "assignee_name")]
    AssigneeName,
    #[serde(rename = "-assignee_name")]
    AssigneeNameDesc,
    #[serde(rename = "remote_id")]
    RemoteId,
    #[serde(rename = "-remote_id")]
    RemoteIdDesc,
}

/// Ways to order comments; newest first by default.
#[derive(Serialize, ToSchema)]
pub(super) enum CommentOrder {
    #[serde(rename = "created")]
    Created,
    #[serde(rename = "-created")]
    CreatedDesc,
    #[serde(rename = "modified")]
    Modified,
    #[serde(rename = "-modified")]
    ModifiedDesc,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct IssueFilter {
    /// Case-insensitive part of the summary.
    summary: Option<String>,
    /// Case-insensitive part of the summary or of the key.
    query: Option<String>,
    /// The key, exactly (`SUP-<number>`).
    key: Option<String>,
    /// The type, exactly.
    #[param(rename = "type")]
    kind: Option<String>,
    /// The status, exactly: `open`, `pending` or `closed`.
    status: Option<String>,
    /// The requester's URL, `…/api/users/<uuid>/`.
    caller: Option<String>,
    /// Case-insensitive part of the requester's name.
    caller_full_name: Option<String>,
    /// The requester as a support user, `…/api/support-users/<uuid>/`.
    reporter: Option<String>,
    /// Case-insensitive part of the requester's name.
    reporter_name: Option<String>,
    /// Open (not closed) issues, or closed ones.
    is_open: Option<String>,
    /// attache has no customers: any value gives an empty list.
    customer: Option<String>,
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    customer_uuid: Option<String>,
    /// attache has no projects: any value gives an empty list.
    project: Option<String>,
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    project_uuid: Option<String>,
    /// attache has no assignees: any value gives an empty list.
    assignee: Option<String>,
    assignee_name: Option<String>,
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    resource_uuid: Option<String>,
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    provider_uuid: Option<String>,
    resource_external_ip: Option<String>,
    resource_internal_ip: Option<String>,
    remote_id: Option<String>,
    resolution_year_month: Option<String>,
    /// attache's issues have no sub-issues, routes, escalations or SLAs: `true` gives an
    /// empty list.
    is_parent: Option<String>,
    is_routed: Option<String>,
    is_escalated: Option<String>,
    sla_breached: Option<String>,
    /// A resource's URL: attache has no resources, so any value is Waldur's 400
    /// `["Can't restore object from url: …"]`.
    #[param(max_length = 0)]
    resource: Option<String>,
    #[param(style = Form, explode = false)]
    o: Option<Vec<IssueOrder>>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CommentFilter {
    /// The issue's URL, `…/api/support-issues/<uuid>/`.
    issue: Option<String>,
    #[param(
        pattern = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    issue_uuid: Option<String>,
    /// Case-insensitive part of the text.
    description: Option<String>,
    /// Case-insensitive part of the author's name.
    author_name: Option<String>,
    /// The author's URL, `…/api/users/<uuid>/`.
    author_user: Option<String>,
    is_public: Option<String>,
    /// attache records no remote ids: `true` gives an empty list.
    remote_id_is_set: Option<String>,
    /// A resource's URL: any value is a 400 (see the issues' `resource`).
    #[param(max_length = 0)]
    resource: Option<String>,
    #[param(style = Form, explode = false)]
    o: Option<Vec<CommentOrder>>,
}
