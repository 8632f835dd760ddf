//! Every dialect's OpenAPI document, checked against the server that serves it: each declares
//! what its paths need, is a valid OpenAPI document (`openapi-spec-validator`), and schemathesis,
//! fuzzing every operation with it, finds no server error and no answer it does not describe.
//! Both tools are pinned in tests/clients/requirements.txt (see tests/common/python.rs).

mod common;

use std::process::Command;

use common::python::{output, python_with, shown};
use common::{png, spawn_app, TestApp};
use serde_json::{json, Value};

/// Each document, and how its dialect's own credential is sent (before the key).
const DOCUMENTS: [(&str, &str); 4] = [
    ("/openapi.json", "Authorization: Bearer "),
    ("/api/v2/support/openapi.json", "Authorization: Bearer "),
    ("/v2/servicerequest/openapi.json", "X-Auth-Token: "),
    ("/api/openapi.json", "Authorization: Token "),
];

/// Fetches a document as a client without a credential would.
async fn document(app: &TestApp, path: &str) -> Value {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

#[actix_web::test]
async fn every_operation_declares_its_path_parameters_errors_and_security() {
    let app = spawn_app().await;
    for (path, _) in DOCUMENTS {
        let doc = document(&app, path).await;
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{path}"
        );
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert!(!schemes.is_empty(), "{path} declares no security scheme");
        for (route, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                let templated = route.split('/').filter_map(|s| s.strip_prefix('{'));
                for name in templated.map(|s| s.trim_end_matches('}')) {
                    assert!(declared.contains(&name), "{method} {route}: no `{name}`");
                }
                for status in ["400", "401", "404", "500"] {
                    let content = &operation["responses"][status]["content"];
                    assert!(content.is_object(), "{method} {route}: no {status} body");
                }
            }
        }
    }
}

#[actix_web::test]
async fn every_document_is_valid_openapi() {
    let Some(python) = python_with("openapi_spec_validator") else {
        return;
    };
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(python);
    command.args(["-m", "openapi_spec_validator", "--validation-errors", "all"]);
    for (i, (path, _)) in DOCUMENTS.iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, document(&app, path).await.to_string()).unwrap();
        command.arg(file);
    }
    let out = output(command).await;
    assert!(out.status.success(), "{}", shown(&out));
}

/// A ticket with a message that carries an attachment, so that lists and views have
/// something to show in each dialect (the fuzzer adds its own).
async fn seed(app: &TestApp) {
    let ticket = app.ticket(&app.admin, "Seeded for the fuzzer").await;
    let upload = app
        .upload_ok(&app.admin, &ticket, "seed.png", png("seed"))
        .await;
    let path = format!("/v1/tickets/{ticket}/messages");
    let body = json!({ "body": "See the picture.", "attachment_ids": [upload["id"]] });
    assert_eq!(app.post_json(&app.admin, &path, body).await.status(), 201);
}

fn on_postgres_no_nul() -> &'static [&'static str] {
    match std::env::var("ATTACHE_TEST_DATABASE").as_deref() {
        Ok("postgres") => &["--generation-allow-x00", "false"],
        _ => &[],
    }
}

#[actix_web::test]
async fn schemathesis_finds_no_failure_in_any_dialect() {
    let Some(python) = python_with("schemathesis") else {
        return;
    };
    let app = spawn_app().await;
    seed(&app).await;
    let config = format!("{}/tests/schemathesis.toml", env!("CARGO_MANIFEST_DIR"));
    let mut failed = Vec::new();
    for (path, credential) in DOCUMENTS {
        let mut command = Command::new(&python);
        command
            .args(["-m", "schemathesis.cli", "--config-file", &config, "run"])
            .arg(app.url(path))
            .args(["--header", &format!("{credential}{}", app.admin)])
            // PostgreSQL's text cannot hold U+0000: there attache refuses such text with 400
            // (README, "Running several nodes"), which no document's schema says; SQLite keeps it.
            .args(on_postgres_no_nul())
            // Its caches and reports go to the test's directory, not the work tree.
            .current_dir(app.data_dir())
            .env("HOME", app.data_dir())
            .env("NO_COLOR", "1");
        let out = output(command).await;
        eprintln!(
            "== schemathesis {path}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        if !out.status.success() {
            failed.push(format!("{path}\n{}", shown(&out)));
        }
    }
    assert!(
        failed.is_empty(),
        "schemathesis failed:\n{}",
        failed.join("\n")
    );
}
