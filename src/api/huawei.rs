//! The Huawei Cloud OSM dialect under `/v2/servicerequest`: accessories (uploads that wait
//! for a case), their limits, access URLs and bytes, and cases that bind them. Credentials are
//! `X-Auth-Token` or the official SDK's AK/SK signature; errors are
//! `{"error_code", "error_msg"}` in the language `X-Language` asks for (`zh-cn` by default).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::files;
use crate::api::problem::{ErrorInfo, ErrorShape};
use crate::auth::{huawei_auth, huawei_caller};
use crate::core::ingest::{self, Received};
use crate::core::{attachments, messages, tickets, Caller, Core};
use crate::domain::{Message, Status, Ticket, Timestamp};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::Id;
use crate::upload::{self, json::JsonFile};

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

/// `error_code` and the Chinese message per code; the English message is attache's own.
/// Gateway failures take the API gateway's codes, the rest OSM codes numbered by status.
fn osm_error(code: ErrorCode) -> (&'static str, &'static str) {
    match code {
        ErrorCode::Unauthorized => ("APIGW.0301", "IAM认证信息错误：请求未携带凭证。"),
        ErrorCode::InvalidCredentials => ("APIGW.0301", "IAM认证信息错误：凭证或签名无效。"),
        ErrorCode::InsufficientScope => ("APIGW.0302", "IAM用户无权访问该API。"),
        ErrorCode::Forbidden => ("OSM.0403", "您无权操作该资源。"),
        ErrorCode::NotFound => ("OSM.0404", "资源不存在或不可见。"),
        ErrorCode::InvalidRequest => ("OSM.0400", "请求参数错误。"),
        ErrorCode::FileTooLarge => ("OSM.0411", "附件大小超过限制。"),
        ErrorCode::UnsupportedFileType => ("OSM.0412", "不支持的附件类型。"),
        ErrorCode::EmptyFile => ("OSM.0413", "附件内容为空。"),
        ErrorCode::MissingFile => ("OSM.0414", "未上传附件。"),
        ErrorCode::TooManyAttachments => ("OSM.0415", "附件数量超过限制。"),
        ErrorCode::UrlExpired => ("OSM.0416", "附件访问链接已过期，请重新获取。"),
        ErrorCode::SignatureInvalid => ("OSM.0417", "附件访问链接签名无效。"),
        ErrorCode::RateLimited => ("APIGW.0308", "请求超过流控阈值。"),
        ErrorCode::InsufficientStorage => ("OSM.0507", "存储空间不足。"),
        ErrorCode::MethodNotAllowed => ("OSM.0405", "不支持该请求方法。"),
        ErrorCode::TooManyUploads => ("OSM.0429", "进行中的上传数量超过限制，请稍后重试。"),
        ErrorCode::UploadTimeout => ("OSM.0408", "附件上传超时。"),
        // OSM's own code for its daily upload cap, the nearest of its quotas.
        ErrorCode::QuotaExceeded => ("OSM.01010005", "超出配额限制。"),
        ErrorCode::Busy => ("OSM.0503", "系统繁忙，请稍后重试。"),
        ErrorCode::Internal => ("OSM.0500", "系统内部错误。"),
    }
}

pub struct HuaweiShape;

impl ErrorShape for HuaweiShape {
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let (code, chinese) = osm_error(info.code);
        let english = req
            .headers()
            .get("x-language")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("en"));
        let message = if english {
            info.detail.clone()
        } else {
            chinese.to_owned()
        };
        let body = json!({ "error_code": code, "error_msg": message, "encoded_authorization_message": null });
        ("application/json", body.to_string())
    }
}

/// Accessory and case ids are the UUID spelling; either UUID form is accepted.
fn id(text: &str, what: &'static str) -> Result<Id> {
    Id::parse_uuid(text.trim()).ok_or(Error::NotFound(what))
}

/// `form_data`: `{"fileName", "accessoryFrom", "uploadType"}`; the file name wins over the part's.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FormData {
    file_name: Option<String>,
}

pub async fn upload_form(
    core: Data,
    caller: OsmCaller,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse> {
    let OsmCaller(caller) = caller;
    let stored = ingest::stage_pending(&core, &caller, |stager| async move {
        let form = stager.read_form(&req, body, &["form_data"]).await?;
        let form_data: FormData = match form.field("form_data") {
            Some(text) => serde_json::from_str(text).map_err(|e| {
                Error::invalid(
                    "/form_data",
                    "invalid_json",
                    format!("`form_data` must be a JSON string: {e}"),
                )
            })?,
            None => FormData::default(),
        };
        let file = form
            .file
            .map(|(staged, part_name)| (staged, form_data.file_name.or(part_name)));
        Ok(Received { file, ticket: None })
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "accessory_id": stored.id.to_string() })))
}

/// `{"accessory_name", "accessory_data"}`, the file in base64: checked as far as the
/// credential allows before any byte is read, then decoded as it streams into staging (never
/// held whole), and its signature, which covers the body, checked before it is committed.
pub async fn upload_json(core: Data, req: HttpRequest, body: web::Payload) -> Result<HttpResponse> {
    let auth = huawei_auth(&req).await?;
    let caller = auth.caller().clone();
    let stored = ingest::stage_pending(&core, &caller, |stager| async move {
        let raw_limit = upload::base64_body_limit(stager.limit());
        if upload::declared_length(&req).is_some_and(|n| n > raw_limit) {
            return Err(Error::FileTooLarge {
                limit: stager.limit(),
            });
        }
        let decoder = JsonFile::new("accessory_data", &["accessory_name"]);
        let mut body = body;
        let (staged, json) = stager.stage_decoded(&mut body, decoder, raw_limit).await?;
        auth.verify(&req, Some(&json.body_sha256()))?;
        let name = json.field("accessory_name").ok_or_else(|| {
            Error::invalid(
                "/accessory_name",
                "invalid_json",
                "The JSON body is not valid: missing field `accessory_name`.",
            )
        })?;
        Ok(Received::file(staged, name))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "accessory_id": stored.id.to_string() })))
}

/// File name extensions of the allowed types, as the vendor reports its limits.
const EXTENSIONS: &str = "txt,html,htm,pdf,png,jpg,jpeg,gif,webp,mp4,webm,ogv,mov,zip,7z,gz";

pub async fn limits(core: Data, caller: OsmCaller) -> Result<HttpResponse> {
    drop(caller);
    let megabytes = core.config.max_upload_bytes as f64 / (1024.0 * 1024.0);
    Ok(HttpResponse::Ok().json(json!({
        "accessory_limit": {
            "limit_count": core.config.max_attachments_per_ticket.to_string(),
            "limit_size": megabytes.to_string(),
            "limit_file_type": EXTENSIONS,
        }
    })))
}

pub async fn access_url(
    core: Data,
    caller: OsmCaller,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let attachment = attachments::find(&core, &caller.0, id(&path, "accessory")?).await?;
    let url = attachments::sign(&core, &attachment, false).url;
    Ok(HttpResponse::Ok().json(json!({ "accessory_url": url })))
}

pub async fn access_urls(core: Data, caller: OsmCaller, req: HttpRequest) -> Result<HttpResponse> {
    // The SDK repeats `accessory_ids`; a comma-separated list is accepted too.
    let ids: Vec<String> = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "accessory_ids")
        .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if ids.is_empty() {
        return Err(Error::invalid(
            "/accessory_ids",
            "missing_required",
            "`accessory_ids` is required.",
        ));
    }
    let mut urls = Vec::new();
    for text in ids {
        let attachment = attachments::find(&core, &caller.0, id(&text, "accessory")?).await?;
        urls.push(json!({
            "accessory_id": attachment.id.to_string(),
            "accessory_name": attachment.filename,
            "accessory_url": attachments::sign(&core, &attachment, false).url,
        }));
    }
    Ok(HttpResponse::Ok().json(json!({ "accessory_urls": urls })))
}

pub async fn download(
    core: Data,
    caller: OsmCaller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let attachment = attachments::find(&core, &caller.0, id(&path, "accessory")?).await?;
    files::authorized(&core, &req, &attachment).await
}

pub async fn delete(
    core: Data,
    caller: OsmCaller,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    attachments::delete_by_id(&core, &caller.0, id(&path, "accessory")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct NewCase {
    simple_description: String,
    business_type_id: Option<String>,
    #[serde(default)]
    accessory_ids: Vec<String>,
}

/// A case's JSON is small: read (after the credential is checked) up to this many bytes.
const MAX_CASE_BODY: usize = 1024 * 1024;

pub async fn create_case(
    core: Data,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse> {
    let auth = huawei_auth(&req).await?;
    let deadline = core.config.upload_deadline;
    let body = actix_web::rt::time::timeout(
        deadline,
        upload::read_small_body(&req, &mut body, MAX_CASE_BODY),
    )
    .await
    .map_err(|_| Error::UploadTimeout {
        seconds: deadline.as_secs(),
    })??;
    let caller = auth.verify(&req, Some(&hex::encode(Sha256::digest(&body))))?;
    let case: NewCase = serde_json::from_slice(&body).map_err(|e| {
        Error::invalid(
            "",
            "invalid_json",
            format!("The JSON body is not valid: {e}"),
        )
    })?;
    let mut ids = Vec::new();
    for (i, text) in case.accessory_ids.iter().enumerate() {
        ids.push(Id::parse_uuid(text).ok_or_else(|| {
            Error::invalid(
                &format!("/accessory_ids/{i}"),
                "invalid_id",
                "Not an accessory id.",
            )
        })?);
    }
    let subject: String = case
        .simple_description
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let new = tickets::NewTicket {
        subject,
        message: Some(case.simple_description),
        category: case.business_type_id,
        attachment_ids: ids,
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Ok().json(json!({ "incident_id": ticket.id.to_string() })))
}

/// `X-Time-Zone` such as `GMT+8` or `GMT-05:30` (default GMT+8, as the vendor's).
fn time_zone(req: &HttpRequest) -> time::UtcOffset {
    let text = req
        .headers()
        .get("x-time-zone")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("GMT+8");
    let parsed = text.trim().strip_prefix("GMT").and_then(|rest| {
        let (sign, rest) = match rest.as_bytes().first()? {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return None,
        };
        let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
        let (hours, minutes): (i8, i8) = (hours.parse().ok()?, minutes.parse().ok()?);
        time::UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
    });
    parsed.unwrap_or(time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset"))
}

fn local_time(t: Timestamp, zone: time::UtcOffset) -> String {
    let format = &time::format_description::well_known::Rfc3339;
    let local = t.at_offset(zone);
    local.format(format).unwrap_or_else(|_| t.to_string())
}

fn case_json(ticket: &Ticket, thread: Vec<Message>, zone: time::UtcOffset) -> serde_json::Value {
    // The core statuses as OSM numbers (src/domain/status.rs): 0 to be processed, 1 in
    // processing, 2 result to be confirmed.
    let status = match ticket.status {
        Status::New | Status::Open => 0,
        Status::InProgress | Status::CustomerReply | Status::Pending | Status::OnHold => 1,
        Status::Resolved | Status::Closed => 2,
    };
    let messages: Vec<_> = thread
        .into_iter()
        .map(|m| {
            json!({
                "message_id": m.id.to_string(),
                "content": m.body,
                "replier": m.author_id.hex(),
                "create_time": local_time(m.created_at, zone),
                "accessory_list": m.attachments.iter().map(|a| json!({
                    "accessory_id": a.id.to_string(),
                    "accessory_name": a.filename,
                    "accessory_size": a.size_bytes,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "incident_detail_info": {
            "incident_id": ticket.id.to_string(),
            "simple_description": ticket.subject,
            "status": status,
            "business_type_name": ticket.category,
            "customer_id": ticket.requester_id.hex(),
            "create_time": local_time(ticket.created_at, zone),
            "message_list": messages,
        }
    })
}

pub async fn show_case(
    core: Data,
    caller: OsmCaller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller.0, id(&path, "case")?).await?;
    let thread = messages::list(&core, &caller.0, ticket.id).await?;
    Ok(HttpResponse::Ok().json(case_json(&ticket, thread, time_zone(&req))))
}
