//! The Huawei OSM document, `/v2/servicerequest/openapi.json`: what `api::huawei` answers,
//! with `{error_code, error_msg}` errors. The structs mirror the JSON the handlers build.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat};
use utoipa::openapi::{Object, OpenApi as Document, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{add_errors, header_key, secure};

mod case_records;
mod cases;
use case_records::*;
use cases::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "attache: Huawei Cloud OSM dialect",
        description = "Huawei Cloud OSM's accessories and cases over attache; errors are `{error_code, error_msg}`, in the language `X-Language` asks for."),
    paths(upload_form, upload_json, limits, access_urls, access_url, download, image, delete,
        create_case, list_cases, show_case, case_status, case_counts, update_case, create_message,
        list_messages, case_limits, list_operate_logs, update_contact_info, withdraw_message,
        cc_emails, case_quotas),
    components(schemas(
        UploadForm, JsonUpload, AccessoryId, Limits, Limit, AccessUrl, AccessUrls, AccessoryUrl,
        NewCase, CaseId, Case, CaseInfo, CaseSummary, CaseList, CaseMessage, CaseAccessory,
        OsmError, OsmResult, CaseStatus, StatusCount, StatusCounts, NewMessage, NewMessageBody,
        Messages, ListedMessage, CaseLimits, CaseLimitsConfig, Label,
        AccessoryOrError, CaseIdOrError, CaseOrError, StatusOrError, MessagesOrError,
        OperateLog, OperateLogs, OperateLogsOrError, ContactInfo, CaseExtInfo, CcEmailInfo,
        CcEmails, CaseQuotas,
    )),
    modifiers(&Huawei),
)]
struct HuaweiDoc;

pub fn document() -> Document {
    HuaweiDoc::openapi()
}

struct Huawei;

impl Modify for Huawei {
    fn modify(&self, doc: &mut Document) {
        secure(
            doc,
            vec![
                ("xAuthToken", header_key("X-Auth-Token", "An API key (`atk_…`), as IAM's token would be sent.")),
                ("akSk", header_key("Authorization", "The SDK's AK/SK signature: `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>`, with `X-Sdk-Date` among the signed headers.")),
            ],
        );
        let language = ParameterBuilder::new()
            .name("X-Language")
            .parameter_in(ParameterIn::Header)
            .description(Some(
                "`zh-cn` (default) or `en-us`: the language of `error_msg`",
            ))
            .schema(Some(Object::with_type(Type::String)))
            .build();
        let ids = ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .min_items(Some(1))
            .build();
        for item in doc.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                // utoipa's tuple parameters cannot say what each item of a list must be.
                for parameter in parameters.iter_mut() {
                    if parameter.name == "accessory_ids" {
                        parameter.schema = Some(Schema::Array(ids.clone()).into());
                    }
                }
                parameters.push(language.clone());
            }
        }
        add_errors(doc, "application/json", "OsmError", &[]);
    }
}

/// The error body of every failure, and of OSM's business errors, which come with HTTP 200.
#[derive(Serialize, ToSchema)]
struct OsmError {
    /// `APIGW.xxxx` from the gateway (credentials, throttling, unknown routes), `OSM.0001`-`0004`
    /// by HTTP status, `OSM.0101xxxx` for business errors.
    error_code: String,
    error_msg: String,
    encoded_authorization_message: Option<String>,
}

/// `file`, and `form_data`: a JSON string such as `{"fileName": "a.png"}`.
#[derive(Serialize, ToSchema)]
struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(nullable = false)]
    form_data: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct JsonUpload {
    accessory_name: String,
    /// The file, base64.
    accessory_data: String,
}

#[derive(Serialize, ToSchema)]
struct AccessoryId {
    accessory_id: String,
}

/// A business answer: empty on success, a code and a message otherwise.
#[derive(Serialize, ToSchema)]
struct OsmResult {
    error_code: Option<String>,
    error_msg: Option<String>,
}

/// An accessory id, or a business error (a quota) in a 200.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum AccessoryOrError {
    Accessory(AccessoryId),
    Error(OsmError),
}

#[derive(Serialize, ToSchema)]
struct Limit {
    limit_count: String,
    /// Megabytes.
    limit_size: String,
    /// File name extensions, comma-separated.
    limit_file_type: String,
}

#[derive(Serialize, ToSchema)]
struct Limits {
    accessory_limit: Limit,
}

#[derive(Serialize, ToSchema)]
struct AccessUrl {
    accessory_url: String,
}

#[derive(Serialize, ToSchema)]
struct AccessoryUrl {
    accessory_id: String,
    accessory_name: String,
    accessory_url: String,
}

#[derive(Serialize, ToSchema)]
struct AccessUrls {
    accessory_urls: Vec<AccessoryUrl>,
}

const ID: &str = "An accessory id (a UUID)";

/// Uploads an accessory, pending until a case or a message names it.
#[utoipa::path(post, path = "/v2/servicerequest/accessorys", tag = "accessories",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = AccessoryOrError)))]
fn upload_form() {}

/// Uploads an accessory sent as base64 JSON.
#[utoipa::path(post, path = "/v2/servicerequest/accessorys/json-format-content", tag = "accessories",
    request_body = JsonUpload, responses((status = 200, body = AccessoryOrError)))]
fn upload_json() {}

#[utoipa::path(get, path = "/v2/servicerequest/accessorys/limits", tag = "accessories",
    responses((status = 200, body = Limits)))]
fn limits() {}

/// Signed download URLs for several accessories.
#[utoipa::path(get, path = "/v2/servicerequest/accessorys/access-urls", tag = "accessories",
    params(("accessory_ids" = Vec<String>, Query, explode, min_items = 1,
        description = "Accessory ids (UUIDs), repeated or comma-separated")),
    responses((status = 200, body = AccessUrls)))]
fn access_urls() {}

#[utoipa::path(get, path = "/v2/servicerequest/accessorys/{id}/access-url", tag = "accessories",
    params(("id" = String, Path, description = ID)), responses((status = 200, body = AccessUrl)))]
fn access_url() {}

/// The accessory's bytes (ranges and conditional requests as RFC 9110 says).
#[utoipa::path(get, path = "/v2/servicerequest/accessorys/{id}", tag = "accessories",
    params(("id" = String, Path, description = ID)),
    responses(
        (status = 200, description = "The file", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested ranges", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 416, description = "No requested range is within the file"),
    ))]
fn download() {}

/// The same bytes, for showing an image (OSM's `download_images`).
#[utoipa::path(get, path = "/v2/servicerequest/accessorys/{id}/image", tag = "accessories",
    params(("id" = String, Path, description = ID)),
    responses(
        (status = 200, description = "The file", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The requested ranges", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 416, description = "No requested range is within the file"),
    ))]
fn image() {}

#[utoipa::path(delete, path = "/v2/servicerequest/accessorys/{id}", tag = "accessories",
    params(("id" = String, Path, description = ID)), responses((status = 200, body = OsmResult)))]
fn delete() {}
