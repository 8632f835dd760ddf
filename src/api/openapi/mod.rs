//! The OpenAPI documents, one per dialect, generated with utoipa: the native one at
//! `/openapi.json` from the annotations on its handlers, and the vendor dialects' from the
//! declarations in this folder (one file each), which keep the handlers' files as they are.
//! Every operation also gets the error statuses its dialect can answer, in its error shape.

mod hostup;
mod huawei;
mod native;
mod waldur;

use actix_web::HttpResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
use utoipa::openapi::security::{SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

pub use native::ApiDoc;

/// A multipart form whose one required part is the file.
#[derive(ToSchema)]
pub struct FileForm {
    /// The file's bytes; the part's file name names the attachment.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The document of the HostUp dialect, served at `/api/v2/support/openapi.json`.
pub async fn hostup() -> HttpResponse {
    HttpResponse::Ok().json(hostup::document())
}

/// The document of the Huawei OSM dialect, served at `/v2/servicerequest/openapi.json`.
pub async fn huawei() -> HttpResponse {
    HttpResponse::Ok().json(huawei::document())
}

/// The document of the Waldur dialect, served at `/api/openapi.json`.
pub async fn waldur() -> HttpResponse {
    HttpResponse::Ok().json(waldur::document())
}

/// Every document, by the path it is served at (for tests and tools).
pub fn documents() -> Vec<(&'static str, Document)> {
    vec![
        ("/openapi.json", ApiDoc::openapi()),
        ("/api/v2/support/openapi.json", hostup::document()),
        ("/v2/servicerequest/openapi.json", huawei::document()),
        ("/api/openapi.json", waldur::document()),
    ]
}

/// `Authorization: Bearer <key>`.
fn bearer() -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key: `Authorization: Bearer atk_…`."))
            .build(),
    )
}

/// A credential carried whole in the header `name`.
fn header_key(name: &str, description: &str) -> SecurityScheme {
    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
        name,
        description,
    )))
}

/// Declares the security schemes and makes them the document's alternatives.
fn secure(doc: &mut Document, schemes: Vec<(&str, SecurityScheme)>) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut alternatives = Vec::new();
    for (name, scheme) in schemes {
        components.add_security_scheme(name, scheme);
        alternatives.push(SecurityRequirement::new(name, Vec::<String>::new()));
    }
    doc.security = Some(alternatives);
}

/// The error statuses every operation can answer, with the dialect's error body: `schema`
/// (a component already in `doc`) as `content_type`, and the `extra` statuses of the dialect.
/// Operations that take a body may also answer 413 (a body over the server's limit) and 507
/// (no room left on the disk).
fn add_errors(doc: &mut Document, content_type: &str, schema: &str, extra: &[u16]) {
    let error = |status: u16| {
        let description = match status {
            400 => "The request failed validation",
            401 => "No credential, or not a valid one",
            403 => "The credential may not do this",
            404 => "Not found, or not visible to the caller",
            413 => "The body is over the size limit",
            422 => "The request failed validation",
            429 => "Too many requests, too many uploads in flight, or a quota reached; see the code and `Retry-After`",
            500 => "An internal error (the details are in the server's log)",
            503 => "Busy; see `Retry-After`",
            _ => "No room left to store the file",
        };
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .build();
        ResponseBuilder::new()
            .description(description)
            .content(content_type, content)
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
            &mut item.head,
        ];
        for operation in operations.into_iter().flatten() {
            let mut statuses = vec![400, 401, 403, 404, 429, 500, 503];
            statuses.extend(extra);
            if operation.request_body.is_some() {
                statuses.extend([413, 507]);
            }
            let responses = &mut operation.responses.responses;
            for status in statuses {
                match responses.get_mut(&status.to_string()) {
                    // Declared with its own words: keep them, with the error body.
                    Some(RefOr::T(declared)) if declared.content.is_empty() => {
                        declared.content = error(status).content;
                    }
                    Some(_) => {}
                    None => {
                        responses.insert(status.to_string(), error(status).into());
                    }
                }
            }
        }
    }
}
