//! Accessories: uploads that wait for a case or a message (multipart, or base64 in JSON),
//! their limits, access URLs, bytes, and deletion.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{id, Data, OsmCaller};
use crate::api::files;
use crate::auth::huawei_auth;
use crate::core::attachments;
use crate::core::ingest::{self, Received};
use crate::error::{Error, Result};
use crate::upload::{self, json::JsonFile};

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
        Ok(Received {
            file,
            ticket: None,
            id: None,
        })
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
        auth.verify(&req, Some(&json.body_sha256())).await?;
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
    // OSM answers 200 with `{error_code, error_msg}` (empty on success, as far as its
    // documents show), which its SDK's `DeleteAccessoriesResponse` reads.
    Ok(HttpResponse::Ok().json(json!({})))
}
