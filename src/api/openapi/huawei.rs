//! The Huawei OSM document, `/v2/servicerequest/openapi.json`: what `api::huawei` answers,
//! with `{error_code, error_msg}` errors. The structs mirror the JSON the handlers build.

#![allow(dead_code)] // declarations for the document, never built or called

use serde::Serialize;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat};
use utoipa::openapi::{Object, OpenApi as Document, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{add_errors, header_key, secure};

#[derive(OpenApi)]
#[openapi(
    info(title = "attache: Huawei Cloud OSM dialect",
        description = "Huawei Cloud OSM's accessories and cases over attache; errors are `{error_code, error_msg}`, in the language `X-Language` asks for."),
    paths(upload_form, upload_json, limits, access_urls, access_url, download, delete, create_case, show_case),
    components(schemas(
        UploadForm, JsonUpload, AccessoryId, Limits, Limit, AccessUrl, AccessUrls, AccessoryUrl,
        NewCase, CaseId, Case, CaseInfo, CaseMessage, CaseAccessory, OsmError,
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
            for operation in [&mut item.get, &mut item.post, &mut item.delete]
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

/// The error body of every failure.
#[derive(Serialize, ToSchema)]
struct OsmError {
    /// `APIGW.xxxx` for credential failures, `OSM.xxxx` for the rest.
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

#[derive(Serialize, ToSchema)]
struct NewCase {
    /// Its first line, not all spaces, is the subject.
    #[schema(pattern = r"^[^\n]*\S")]
    simple_description: String,
    #[schema(max_length = 100)]
    business_type_id: Option<String>,
    #[schema(nullable = false)]
    accessory_ids: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
struct CaseId {
    incident_id: String,
}

#[derive(Serialize, ToSchema)]
struct CaseAccessory {
    accessory_id: String,
    accessory_name: String,
    accessory_size: i64,
}

#[derive(Serialize, ToSchema)]
struct CaseMessage {
    message_id: String,
    content: String,
    replier: String,
    create_time: String,
    accessory_list: Vec<CaseAccessory>,
}

#[derive(Serialize, ToSchema)]
struct CaseInfo {
    incident_id: String,
    simple_description: String,
    /// 0 open, 1 pending, 2 closed.
    status: i32,
    business_type_name: Option<String>,
    customer_id: String,
    create_time: String,
    message_list: Vec<CaseMessage>,
}

#[derive(Serialize, ToSchema)]
struct Case {
    incident_detail_info: CaseInfo,
}

const ID: &str = "An accessory id (a UUID)";

/// Uploads an accessory, pending until a case names it.
#[utoipa::path(post, path = "/v2/servicerequest/accessorys", tag = "accessories",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = AccessoryId)))]
fn upload_form() {}

/// Uploads an accessory sent as base64 JSON.
#[utoipa::path(post, path = "/v2/servicerequest/accessorys/json-format-content", tag = "accessories",
    request_body = JsonUpload, responses((status = 200, body = AccessoryId)))]
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

#[utoipa::path(delete, path = "/v2/servicerequest/accessorys/{id}", tag = "accessories",
    params(("id" = String, Path, description = ID)), responses((status = 204, description = "Deleted")))]
fn delete() {}

/// Opens a case; the accessories it names become its first message's.
#[utoipa::path(post, path = "/v2/servicerequest/cases", tag = "cases", request_body = NewCase,
    responses((status = 200, body = CaseId)))]
fn create_case() {}

#[utoipa::path(get, path = "/v2/servicerequest/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "A case id (a UUID)"),
        ("X-Time-Zone" = Option<String>, Header, description = "Such as `GMT+8` (the default) or `GMT-05:30`")),
    responses((status = 200, body = Case)))]
fn show_case() {}
