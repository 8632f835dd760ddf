//! What the Huawei OSM document says of a case's records: its operate logs, its contact
//! info, withdrawing a message, the account's carbon-copy addresses and case quota.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::ToSchema;

use super::{OsmError, OsmResult};

const CASE: &str = "A case id (a UUID)";

/// One thing that happened to a case.
#[derive(Serialize, ToSchema)]
pub(super) struct OperateLog {
    incident_log_id: String,
    incident_id: String,
    /// attache's numbering: `1` opened, `2` message added, `3` status moved, `4` closed,
    /// `5` reopened, `6` fields changed, `7` attachment added, `8` attachment removed,
    /// `9` message edited, `10` message deleted, `11` message withdrawn, `12` contact changed.
    #[schema(minimum = 1, maximum = 12)]
    operate_type: i32,
    /// `0` the customer, `1` the support side.
    operator_type: i32,
    operator_id: String,
    operator_name: String,
    /// In the language `X-Language` asks for.
    operate_desc: String,
    /// UTC, `2026-12-06T07:56:18Z`.
    operate_time: String,
    timestamp_operate_time: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct OperateLogs {
    total_count: i64,
    incident_operate_log_list: Vec<OperateLog>,
}

/// The operate logs, or a business error in a 200 (`OSM.01010015`: no such case).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(super) enum OperateLogsOrError {
    Logs(OperateLogs),
    Error(OsmError),
}

/// How to reach the customer about a case; a field sent replaces the one stored (an empty
/// one clears it), one not sent is kept.
#[derive(Serialize, ToSchema)]
pub(super) struct ContactInfo {
    /// The phone's country calling code.
    #[schema(max_length = 128)]
    area_code: Option<String>,
    #[schema(max_length = 128)]
    remind_mobile: Option<String>,
    /// An email address, or empty.
    #[schema(max_length = 128, pattern = r"^(?!.*\n)(|[^@ \t\r\n]+@[^@ \t\r\n]+)$")]
    remind_mail: Option<String>,
    /// When the customer may be called: `0` any time, or a window such as `09:00-18:00`.
    #[schema(max_length = 128)]
    remind_time: Option<String>,
    /// Read and ignored (attache has no IAM groups).
    group_id: Option<String>,
    /// Read and ignored.
    extension_map: Option<std::collections::HashMap<String, serde_json::Value>>,
}

/// A case's `ext_info`: its contact; attache copies no mail, so `cc_email` is empty.
#[derive(Serialize, ToSchema)]
pub(super) struct CaseExtInfo {
    area_code: String,
    remind_mobile: String,
    remind_mail: String,
    remind_time: String,
    cc_email: String,
}

/// The caller's case quota: `--quota-tickets-per-hour` and what the last hour leaves of it;
/// `{}` when no quota applies to the caller.
#[derive(Serialize, ToSchema)]
pub(super) struct CaseQuotas {
    #[schema(nullable = false)]
    total: Option<i64>,
    #[schema(nullable = false)]
    un_used: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CcEmailInfo {
    user_id: String,
    customer_id: String,
    cc_email: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CcEmails {
    cc_email_info: CcEmailInfo,
    /// Always empty: attache sends no mail.
    mc_email_infos: Vec<String>,
}

/// What happened to a case, oldest first, by offset and limit.
#[utoipa::path(get, path = "/v2/servicerequest/cases/{id}/operate-logs", tag = "cases",
    params(("id" = String, Path, description = CASE),
        ("offset" = Option<u32>, Query, maximum = 65535),
        ("limit" = Option<u32>, Query, maximum = 100, description = "Default 10"),
        ("group_id" = Option<String>, Query, description = "Read and ignored")),
    responses((status = 200, body = OperateLogsOrError)))]
pub(super) fn list_operate_logs() {}

/// Sets how to reach the customer about a case (shown in the detail's `ext_info`).
#[utoipa::path(put, path = "/v2/servicerequest/cases/{id}/contact-info", tag = "cases",
    params(("id" = String, Path, description = CASE)), request_body = ContactInfo,
    responses((status = 200, body = OsmResult)))]
pub(super) fn update_contact_info() {}

/// Its author takes a message back: it leaves the case, with its files. Business errors in a
/// 200: `OSM.01010001` no such message on the case, `OSM.01010002` someone else's message or
/// the case's description, `OSM.01010014` already withdrawn.
#[utoipa::path(post, path = "/v2/servicerequest/cases/{id}/instant-messages/{message_id}/withdraw",
    tag = "cases",
    params(("id" = String, Path, description = CASE),
        ("message_id" = String, Path, description = "A message id (a UUID), from the case's detail")),
    responses((status = 200, body = OsmResult)))]
pub(super) fn withdraw_message() {}

/// The account's carbon-copy addresses: none.
#[utoipa::path(get, path = "/v2/servicerequest/carbon-copy-emails", tag = "cases",
    responses((status = 200, body = CcEmails)))]
pub(super) fn cc_emails() {}

/// How many cases the caller may open, and how many are left (product and problem type are
/// read and ignored: attache's quota is per customer).
#[utoipa::path(get, path = "/v2/servicerequest/quotas", tag = "cases",
    params(("product_category_id" = Option<String>, Query), ("business_type_id" = Option<String>, Query)),
    responses((status = 200, body = CaseQuotas)))]
pub(super) fn case_quotas() {}
