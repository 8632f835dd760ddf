//! Probes, error explanations and the OpenAPI document.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use serde_json::json;
use utoipa::OpenApi;

use crate::core::{Caller, Core};
use crate::domain::Scope;
use crate::error::{describe, Error, Result};

/// Alive, with the running version and the schema version of its database.
pub async fn healthz(core: web::Data<Core>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": core.db.schema_version,
    }))
}

/// Ready when the database answers, `tmp/` takes a file, free space is above the floor, and
/// the object store (if one is used) answers.
pub async fn readyz(core: web::Data<Core>) -> HttpResponse {
    let db = core
        .db
        .run(|conn| {
            Ok(
                conn.query_row("SELECT 1", crate::store::sql::params![], |r| {
                    r.get::<i64>(0)
                })?,
            )
        })
        .await
        .is_ok();
    let blobs = core.blobs.clone();
    let floor = core.config.min_free_bytes;
    let data_dir = core.config.data_dir.clone();
    let (disk, blob_store) = core
        .db
        .blocking(move || {
            let disk = blobs.new_temp().and_then(|temp| {
                drop(temp);
                free_bytes(&data_dir)
            });
            Ok((disk.ok(), blobs.check().is_ok()))
        })
        .await
        .unwrap_or((None, false));
    let (writable, free) = match disk {
        Some(free) => (true, free),
        None => (false, 0),
    };
    let ready = db && writable && free >= floor && blob_store;
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": db,
        "data_dir_writable": writable,
        "free_bytes": free,
        "min_free_bytes": floor,
        "blob_store": if blob_store { "ok" } else { "unavailable" },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

fn free_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(path)?;
    Ok(stat.f_bavail * stat.f_frsize)
}

/// `<public-url>/errors/<code>`: what a problem `type` points at.
pub async fn explain(code: web::Path<String>) -> Result<HttpResponse> {
    let (code, status, title, text) = describe(&code).ok_or(Error::NotFound("error code"))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body(format!("{code} ({status} {title})\n\n{text}\n")))
}

/// Prometheus text format. Counts and sizes only, no names or ids: safe to scrape without a key.
/// The Prometheus text, for a key with the `admin` scope: counters such as dedup hits would
/// otherwise let any user learn whether a given file is stored.
pub async fn metrics(core: web::Data<Core>, caller: Caller) -> Result<HttpResponse> {
    caller.require(Scope::Admin)?;
    let (blobs, bytes) = core
        .db
        .run(|conn| Ok(crate::store::sql::attachments::blob_totals(conn)?))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(core.metrics.render(blobs, bytes)))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi::ApiDoc::openapi())
}
