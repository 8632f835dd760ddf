//! Every error code renders in every dialect: the status the code declares, the dialect's body
//! shape, and (for problem documents) a `type` page the real server explains. Each code is
//! raised by a route behind the same render middleware the server wraps each dialect in.

mod common;

use actix_web::body::MessageBody;
use actix_web::dev::{HttpServiceFactory, Service, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{test, web, App, HttpResponse};
use attache::api::problem::{self, ErrorShape};
use attache::api::{huawei, waldur};
use attache::error::{Error, ErrorCode};
use attache::unreadable::Refusal;
use common::spawn_app;
use serde_json::Value;

/// An error a route could return for `code`.
fn example(code: ErrorCode) -> Error {
    match code {
        ErrorCode::Unauthorized => Error::Unauthenticated,
        ErrorCode::InvalidCredentials => Error::InvalidCredentials,
        ErrorCode::InsufficientScope => Error::InsufficientScope("tickets:write"),
        ErrorCode::Forbidden => Error::Forbidden("Only the uploader may delete this file."),
        ErrorCode::NotFound => Error::NotFound("ticket"),
        ErrorCode::InvalidRequest => {
            Error::invalid("/subject", "missing_required", "`subject` is required.")
        }
        ErrorCode::FileTooLarge => Error::FileTooLarge { limit: 1024 },
        ErrorCode::UnsupportedFileType => Error::UnsupportedFileType {
            detected: "application/x-msdownload".to_owned(),
            allowed: "text/plain".to_owned(),
        },
        ErrorCode::EmptyFile => Error::EmptyFile,
        ErrorCode::MissingFile => Error::MissingFile,
        ErrorCode::TooManyAttachments => Error::TooManyAttachments { limit: 2 },
        ErrorCode::UrlExpired => Error::UrlExpired,
        ErrorCode::SignatureInvalid => Error::SignatureInvalid,
        ErrorCode::RateLimited => Error::RateLimited { retry_after: 7 },
        ErrorCode::InsufficientStorage => Error::InsufficientStorage,
        ErrorCode::MethodNotAllowed => Error::MethodNotAllowed,
        ErrorCode::TooManyUploads => Error::TooManyUploads { limit: 8 },
        ErrorCode::UploadTimeout => Error::UploadTimeout { seconds: 600 },
        ErrorCode::Busy => Error::Busy { retry_after: 7 },
        ErrorCode::StorageUnavailable => Error::StorageUnavailable,
        ErrorCode::QuotaExceeded => Error::QuotaExceeded {
            quota: attache::core::quota::Quota::TicketsPerHour,
            limit: 30,
            retry_after: Some(7),
        },
        ErrorCode::InvalidCursor => Error::InvalidCursor,
        ErrorCode::AttachmentNotFound => Error::AttachmentNotFound,
        ErrorCode::TicketClosed => Error::TicketClosed,
        ErrorCode::MalformedRequest => Error::Unreadable(Refusal::Malformed),
        ErrorCode::UriTooLong => Error::Unreadable(Refusal::UriTooLong),
        ErrorCode::HeadersTooLarge => Error::Unreadable(Refusal::HeadersTooLarge),
        ErrorCode::Internal => Error::Internal(anyhow::anyhow!("the disk caught fire")),
    }
}

async fn raise(code: web::Path<String>) -> Result<HttpResponse, Error> {
    Err(example(ErrorCode::parse(&code).expect("a known code")))
}

/// `/<dialect>/<code>` answers that code's error, rendered in the dialect's shape.
fn dialect<S: ErrorShape + 'static>(name: &str) -> impl HttpServiceFactory {
    web::scope(name)
        .wrap(from_fn(problem::render::<S>))
        .route("/{code}", web::get().to(raise))
}

fn header<'a, B>(res: &'a ServiceResponse<B>, name: &str) -> &'a str {
    res.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

/// The status, the headers every dialect keeps, and the JSON body.
async fn check_common(code: ErrorCode, res: ServiceResponse<impl MessageBody>) -> Value {
    check_status(code, code.status().as_u16(), res).await
}

/// The same, for a dialect that answers `code` with its own `status`.
async fn check_status(
    code: ErrorCode,
    status: u16,
    res: ServiceResponse<impl MessageBody>,
) -> Value {
    assert_eq!(res.status().as_u16(), status, "{code}");
    let challenge = res.headers().get("www-authenticate");
    let wants_challenge = matches!(
        code,
        ErrorCode::Unauthorized | ErrorCode::InvalidCredentials | ErrorCode::InsufficientScope
    );
    assert_eq!(challenge.is_some(), wants_challenge, "{code}");
    if matches!(
        code,
        ErrorCode::RateLimited | ErrorCode::Busy | ErrorCode::QuotaExceeded
    ) {
        assert_eq!(header(&res, "retry-after"), "7");
    }
    if matches!(
        code,
        ErrorCode::Busy
            | ErrorCode::TooManyUploads
            | ErrorCode::RateLimited
            | ErrorCode::StorageUnavailable
    ) {
        assert!(!header(&res, "retry-after").is_empty(), "{code}");
    }
    let bytes = test::read_body(res).await;
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{code}: {e}"))
}

#[actix_web::test]
async fn every_code_renders_in_every_dialect() {
    let server = spawn_app().await;
    let app = test::init_service(
        App::new()
            .app_data(web::Data::from(server.core.clone()))
            .service(dialect::<problem::Problem>("/native"))
            .service(dialect::<huawei::HuaweiShape>("/huawei"))
            .service(dialect::<waldur::Drf>("/waldur")),
    )
    .await;
    for &code in ErrorCode::ALL {
        let detail = example(code).public_detail();

        // Native and HostUp: RFC 9457, and the `type` page explains the code.
        let req = test::TestRequest::get().uri(&format!("/native/{code}"));
        let res = app.call(req.to_request()).await.unwrap();
        assert_eq!(header(&res, "content-type"), "application/problem+json");
        let doc = check_common(code, res).await;
        assert_eq!(doc["code"], code.as_str());
        assert_eq!(doc["title"], code.title());
        assert_eq!(doc["status"], code.status().as_u16());
        assert_eq!(doc["detail"], detail.as_str(), "{code}");
        assert_eq!(doc["type"], format!("{}/errors/{code}", server.base));
        let page = server
            .client
            .get(doc["type"].as_str().unwrap())
            .send()
            .await;
        let page = page.unwrap();
        assert_eq!(page.status(), 200, "{code}");
        let text = page.text().await.unwrap();
        assert!(text.contains(code.explanation()), "{code}: {text}");

        // Huawei OSM: `error_code`/`error_msg`, Chinese unless English is asked for, with the
        // codes OSM documents: `OSM.0001`-`0004` by HTTP status, the gateway's `APIGW.*`, and
        // business codes, which OSM answers with HTTP 200.
        let osm_status = match code {
            ErrorCode::Forbidden | ErrorCode::QuotaExceeded => 200,
            _ => code.status().as_u16(),
        };
        let req = test::TestRequest::get().uri(&format!("/huawei/{code}"));
        let res = app.call(req.to_request()).await.unwrap();
        assert_eq!(header(&res, "content-type"), "application/json", "{code}");
        let body = check_status(code, osm_status, res).await;
        let osm = body["error_code"].as_str().unwrap();
        let documented = [
            "OSM.0001",
            "OSM.0003",
            "OSM.0004",
            "APIGW.0101",
            "APIGW.0301",
            "APIGW.0302",
            "APIGW.0308",
            "OSM.01010002",
            "OSM.01010005",
        ];
        assert!(documented.contains(&osm), "{code}: {osm}");
        if code == ErrorCode::Internal {
            assert_eq!(osm, "OSM.0004");
        }
        let message = body["error_msg"].as_str().unwrap();
        assert!(!message.is_ascii(), "{code}: Chinese by default: {message}");
        let req = test::TestRequest::get()
            .uri(&format!("/huawei/{code}"))
            .insert_header(("x-language", "en-us"));
        let body = check_status(code, osm_status, app.call(req.to_request()).await.unwrap()).await;
        assert_eq!(body["error_code"], osm);
        assert_eq!(body["error_msg"], detail.as_str(), "{code}");

        // Waldur: Django REST framework's `{"detail"}`, or `{"field": [messages]}`.
        let req = test::TestRequest::get().uri(&format!("/waldur/{code}"));
        let res = app.call(req.to_request()).await.unwrap();
        assert_eq!(header(&res, "content-type"), "application/json", "{code}");
        let body = check_common(code, res).await;
        let fields = example(code).field_errors();
        if fields.is_empty() {
            let said = body["detail"].as_str().unwrap_or_default();
            assert!(!said.is_empty(), "{code}: {body}");
            assert_eq!(body.as_object().unwrap().len(), 1, "{code}: {body}");
        } else {
            let field = fields[0].pointer.trim_start_matches('/');
            assert_eq!(body[field][0], fields[0].detail.as_str(), "{code}: {body}");
        }
    }
}

#[actix_web::test]
async fn internal_causes_stay_out_of_every_dialect() {
    let app = test::init_service(
        App::new()
            .service(dialect::<problem::Problem>("/native"))
            .service(dialect::<huawei::HuaweiShape>("/huawei"))
            .service(dialect::<waldur::Drf>("/waldur")),
    )
    .await;
    for path in ["/native", "/huawei", "/waldur"] {
        let req = test::TestRequest::get()
            .uri(&format!("{path}/internal_error"))
            .insert_header(("x-language", "en"));
        let res = app.call(req.to_request()).await.unwrap();
        assert_eq!(res.status(), 500);
        let body = test::read_body(res).await;
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("fire"), "{path}: {body}");
    }
}
