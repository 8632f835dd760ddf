//! The Huawei Cloud OSM dialect under `/v2/servicerequest`: accessories (uploads that wait
//! for a case or a message), their limits, access URLs and bytes; cases (attache's tickets),
//! their status, counts, actions, operate logs (the core's ticket events), contact info and
//! quota; and their messages, which their authors may withdraw. Credentials are `X-Auth-Token` or the
//! official SDK's AK/SK signature. Errors are `{"error_code", "error_msg"}` in the language
//! `X-Language` asks for (`zh-cn` by default), with OSM's codes: `OSM.0001`-`OSM.0004` by HTTP
//! status, the API gateway's `APIGW.*` for credentials, throttling and unknown routes, and the
//! business codes `OSM.0101xxxx`, which OSM answers with HTTP 200.

mod accessories;
mod case_log;
mod cases;
mod contacts;
mod messages;

pub use accessories::{
    access_url, access_urls, delete, download, limits, upload_form, upload_json,
};
pub use case_log::list_operate_logs;
pub use cases::{
    case_counts, case_limits, case_quotas, case_status, create_case, list_cases, show_case,
    update_case,
};
pub use contacts::{cc_emails, update_contact_info};
pub use messages::{create_message, list_messages, withdraw_message};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde_json::json;

use crate::api::problem::{ErrorInfo, ErrorShape};
use crate::auth::huawei_caller;
use crate::core::{Caller, Core};
use crate::domain::Timestamp;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

/// The caller of a route without a JSON body (for those, see `huawei_caller` with the body).
pub struct OsmCaller(Caller);

impl FromRequest for OsmCaller {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<OsmCaller>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { huawei_caller(&req, None).await.map(OsmCaller) })
    }
}

/// How OSM answers an error: its code, its Chinese message, and whether it is one of the
/// business errors OSM sends with HTTP 200.
struct OsmError {
    code: &'static str,
    chinese: &'static str,
    business: bool,
}

const fn osm(code: &'static str, chinese: &'static str) -> OsmError {
    OsmError {
        code,
        chinese,
        business: false,
    }
}

const fn business(code: &'static str, chinese: &'static str) -> OsmError {
    OsmError {
        code,
        chinese,
        business: true,
    }
}

/// The code for `code` on a request to `path`. Where OSM documents a code it is used
/// (docs/dialects.md lists them); elsewhere the HTTP-level code of the status.
fn osm_error(code: ErrorCode, path: &str) -> OsmError {
    let on_case = path.contains("/cases");
    match code {
        ErrorCode::Unauthorized => osm("APIGW.0301", "IAM认证信息错误：请求未携带凭证。"),
        ErrorCode::InvalidCredentials => osm("APIGW.0301", "IAM认证信息错误：凭证或签名无效。"),
        ErrorCode::InsufficientScope => osm("APIGW.0302", "IAM用户无权访问该API。"),
        ErrorCode::Forbidden => business("OSM.01010002", "无操作权限。"),
        ErrorCode::NotFound if on_case => business("OSM.01010015", "工单不存在。"),
        ErrorCode::NotFound => osm("APIGW.0101", "API不存在或资源不存在。"),
        ErrorCode::InvalidRequest => osm("OSM.0001", "参数校验失败。"),
        ErrorCode::FileTooLarge => osm("OSM.0001", "附件大小超过限制。"),
        ErrorCode::UnsupportedFileType => osm("OSM.0001", "不支持的附件类型。"),
        ErrorCode::EmptyFile => osm("OSM.0001", "附件内容为空。"),
        ErrorCode::MissingFile => osm("OSM.0001", "未上传附件。"),
        ErrorCode::TooManyAttachments => osm("OSM.0001", "附件数量超过限制。"),
        ErrorCode::UrlExpired => osm("OSM.0003", "附件访问链接已过期，请重新获取。"),
        ErrorCode::SignatureInvalid => osm("OSM.0003", "附件访问链接签名无效。"),
        ErrorCode::MethodNotAllowed => osm("APIGW.0101", "API不存在或请求方法错误。"),
        ErrorCode::RateLimited => osm("APIGW.0308", "请求超过流控阈值。"),
        ErrorCode::TooManyUploads => osm("APIGW.0308", "进行中的上传数量超过限制，请稍后重试。"),
        ErrorCode::UploadTimeout => osm("OSM.0001", "附件上传超时。"),
        // OSM's own code for its daily upload cap, the nearest of its quotas.
        ErrorCode::QuotaExceeded => business("OSM.01010005", "超出配额限制。"),
        ErrorCode::InsufficientStorage => osm("OSM.0004", "存储空间不足。"),
        ErrorCode::Busy => osm("OSM.0004", "系统繁忙，请稍后重试。"),
        ErrorCode::InvalidCursor => osm("OSM.0001", "参数校验失败。"),
        ErrorCode::AttachmentNotFound => osm("APIGW.0101", "API不存在或资源不存在。"),
        ErrorCode::TicketClosed => osm("OSM.0001", "工单已关闭，请先重新打开。"),
        ErrorCode::StorageUnavailable => osm("OSM.0004", "存储服务暂时不可用，请稍后重试。"),
        ErrorCode::MalformedRequest => osm("OSM.0001", "请求格式错误。"),
        ErrorCode::UriTooLong => osm("OSM.0001", "请求URI过长。"),
        ErrorCode::HeadersTooLarge => osm("OSM.0001", "请求头过大。"),
        ErrorCode::Internal => osm("OSM.0004", "系统内部错误。"),
    }
}

pub struct HuaweiShape;

impl ErrorShape for HuaweiShape {
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let error = osm_error(info.code, req.path());
        let message = if english(req) {
            info.detail.clone()
        } else {
            error.chinese.to_owned()
        };
        let body = json!({ "error_code": error.code, "error_msg": message, "encoded_authorization_message": null });
        ("application/json", body.to_string())
    }

    /// OSM's business errors come with HTTP 200 (its SDK raises nothing; the codes are in
    /// the body).
    fn status(info: &ErrorInfo, req: &HttpRequest) -> Option<StatusCode> {
        osm_error(info.code, req.path())
            .business
            .then_some(StatusCode::OK)
    }
}

/// Whether `X-Language` asks for English (else OSM's default, Chinese).
fn english(req: &HttpRequest) -> bool {
    req.headers()
        .get("x-language")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("en"))
}

/// Accessory and case ids are the UUID spelling; either UUID form is accepted.
fn id(text: &str, what: &'static str) -> Result<Id> {
    Id::parse_uuid(text.trim()).ok_or(Error::NotFound(what))
}

/// Times as OSM's SDK parses them without a warning: UTC, `Z`, seconds. (OSM's documents say
/// times follow `X-Time-Zone`, but the SDK reads any time without a `Z` as UTC and gives up on
/// an offset, so a local time could only be misread.)
fn osm_time(t: Timestamp) -> String {
    let text = t.to_string();
    // `2026-12-06T07:56:18.000Z` without its milliseconds.
    match text.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => text,
    }
}
