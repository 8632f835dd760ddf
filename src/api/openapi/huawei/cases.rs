//! The cases and messages of the Huawei OSM document.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::ToSchema;

use super::{CaseExtInfo, OsmError, OsmResult};

const CASE: &str = "A case id (a UUID)";

#[derive(Serialize, ToSchema)]
pub(super) struct NewCase {
    /// The description; its first line, not all spaces, is the subject.
    #[schema(pattern = r"^[^\n]*\S")]
    simple_description: String,
    #[schema(max_length = 100)]
    business_type_id: Option<String>,
    #[schema(nullable = false)]
    accessory_ids: Option<Vec<String>>,
    /// The case's contact, as `PUT /cases/{id}/contact-info` sets it.
    #[schema(max_length = 128)]
    area_code: Option<String>,
    #[schema(max_length = 128)]
    remind_mobile: Option<String>,
    #[schema(max_length = 128, pattern = r"^(?!.*\n)(|[^@ \t\r\n]+@[^@ \t\r\n]+)$")]
    remind_mail: Option<String>,
    #[schema(max_length = 128)]
    remind_time: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseId {
    incident_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(super) enum CaseIdOrError {
    Case(CaseId),
    Error(OsmError),
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseAccessory {
    accessory_id: String,
    file_actual_name: String,
}

/// A message in a case's detail.
#[derive(Serialize, ToSchema)]
pub(super) struct CaseMessage {
    message_id: String,
    /// `0` from the customer, `1` from the support side.
    #[serde(rename = "type")]
    kind: i32,
    replier_type: i32,
    replier: String,
    replier_name: String,
    content: String,
    /// UTC, `2026-12-06T07:56:18Z`.
    create_time: String,
    /// `1` for the description the case was opened with.
    is_first_message: i32,
    iam_user_type: i32,
    accessory_list: Vec<CaseAccessory>,
}

/// A message in `GET /cases/{id}/messages` (no `message_id`, as OSM's).
#[derive(Serialize, ToSchema)]
pub(super) struct ListedMessage {
    #[serde(rename = "type")]
    kind: i32,
    replier_type: i32,
    replier: String,
    replier_name: String,
    content: String,
    create_time: String,
    is_first_message: i32,
    iam_user_type: i32,
    accessory_list: Vec<CaseAccessory>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct Label {
    label_id: i32,
    name: String,
    color: String,
}

/// A case in a list.
#[derive(Serialize, ToSchema)]
pub(super) struct CaseSummary {
    incident_id: String,
    simple_description: String,
    /// `0` to be processed, `17` pending feedback, `3` completed.
    status: i32,
    business_type_name: String,
    incident_type_name: String,
    product_category_name: String,
    customer_id: String,
    xcustomer_id: String,
    xcustomer_name: String,
    dc_name: String,
    create_time: String,
    confirmed_time: Option<String>,
    label_list: Vec<Label>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseList {
    total_count: i64,
    incident_info_list: Vec<CaseSummary>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseInfo {
    incident_id: String,
    simple_description: String,
    status: i32,
    business_type_name: String,
    incident_type_name: String,
    product_category_name: String,
    customer_id: String,
    xcustomer_id: String,
    xcustomer_name: String,
    dc_name: String,
    create_time: String,
    confirmed_time: Option<String>,
    business_ownership: i32,
    message_list: Vec<CaseMessage>,
    incident_satisfaction: Vec<Label>,
    ext_info: CaseExtInfo,
}

#[derive(Serialize, ToSchema)]
pub(super) struct Case {
    incident_detail_info: CaseInfo,
}

/// A case, or a business error in a 200 (`OSM.01010015`: no such case).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(super) enum CaseOrError {
    Case(Box<Case>),
    Error(OsmError),
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseStatus {
    status: i32,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(super) enum StatusOrError {
    Status(CaseStatus),
    Error(OsmError),
}

#[derive(Serialize, ToSchema)]
pub(super) struct StatusCount {
    status: i32,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct StatusCounts {
    incident_status_counts: Vec<StatusCount>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct NewMessageBody {
    content: String,
    #[schema(nullable = false)]
    accessory_ids: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct NewMessage {
    message: NewMessageBody,
    group_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct Messages {
    count: i64,
    message_list: Vec<ListedMessage>,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(super) enum MessagesOrError {
    Messages(Messages),
    Error(OsmError),
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseLimitsConfig {
    create_case_ccemail_max_count: i32,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseLimits {
    config: CaseLimitsConfig,
}

/// Opens a case; the accessories it names become its first message's.
#[utoipa::path(post, path = "/v2/servicerequest/cases", tag = "cases", request_body = NewCase,
    responses((status = 200, body = CaseIdOrError)))]
pub(super) fn create_case() {}

/// Cases, newest first, by offset and limit.
#[utoipa::path(get, path = "/v2/servicerequest/cases", tag = "cases",
    params(("offset" = Option<u32>, Query, maximum = 65535),
        ("limit" = Option<u32>, Query, maximum = 100, description = "Default 10"),
        ("status" = Option<i64>, Query, description = "OSM's status number"),
        ("search_key" = Option<Vec<String>>, Query, explode, description = "Searched in the subject (the first is used)"),
        ("app_key" = Option<String>, Query), ("incident_id" = Option<String>, Query)),
    responses((status = 200, body = CaseList)))]
pub(super) fn list_cases() {}

#[utoipa::path(get, path = "/v2/servicerequest/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = CASE)), responses((status = 200, body = CaseOrError)))]
pub(super) fn show_case() {}

#[utoipa::path(get, path = "/v2/servicerequest/cases/{id}/status", tag = "cases",
    params(("id" = String, Path, description = CASE)), responses((status = 200, body = StatusOrError)))]
pub(super) fn case_status() {}

#[utoipa::path(get, path = "/v2/servicerequest/cases/count", tag = "cases",
    params(("status" = Option<i64>, Query)), responses((status = 200, body = StatusCounts)))]
pub(super) fn case_counts() {}

/// `cancel` and `close` close the case, `press` urges it; `delete` and any other action are
/// business errors in a 200. The body (`judgement`, `operate_desc`, …) is optional and unread.
#[utoipa::path(post, path = "/v2/servicerequest/cases/{id}/action", tag = "cases",
    params(("id" = String, Path, description = CASE),
        ("action_id" = Option<String>, Query, description = "`cancel`, `close`, `press` or `delete`")),
    responses((status = 200, body = OsmResult)))]
pub(super) fn update_case() {}

/// Adds a message to a case; the accessories it names become its attachments.
#[utoipa::path(post, path = "/v2/servicerequest/cases/{id}/message", tag = "cases",
    params(("id" = String, Path, description = CASE)), request_body = NewMessage,
    responses((status = 200, body = OsmResult)))]
pub(super) fn create_message() {}

#[utoipa::path(get, path = "/v2/servicerequest/cases/{id}/messages", tag = "cases",
    params(("id" = String, Path, description = CASE),
        ("offset" = Option<u32>, Query, maximum = 65535), ("limit" = Option<u32>, Query, maximum = 100)),
    responses((status = 200, body = MessagesOrError)))]
pub(super) fn list_messages() {}

#[utoipa::path(get, path = "/v2/servicerequest/config/limits", tag = "cases",
    responses((status = 200, body = CaseLimits)))]
pub(super) fn case_limits() {}
