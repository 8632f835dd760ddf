//! The vendors' own clients against attache: the scripts in tests/clients/ use only the
//! official Python packages (pinned in tests/clients/requirements.txt). `.ci/run` installs
//! them and sets ATTACHE_CLIENTS_PYTHON; without them these tests say they are skipped, unless
//! ATTACHE_REQUIRE_CLIENTS is set, when a missing client is a failure.

mod common;

use std::process::Command;

use common::python::{output, python_with, shown};
use common::{spawn_app, spawn_with, TestApp};

async fn run_script(app: &TestApp, python: String, script: &str, env: Vec<(&str, String)>) {
    let path = format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(python);
    command
        .arg(path)
        .env("ATTACHE_URL", &app.base)
        .env("HOME", app.data_dir());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = output(command).await;
    assert!(out.status.success(), "{script} failed\n{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
}

#[actix_web::test]
async fn the_official_waldur_client_works_unchanged() {
    let Some(python) = python_with("waldur_api_client") else {
        return;
    };
    let app = spawn_app().await;
    run_script(
        &app,
        python,
        "waldur_client.py",
        vec![("ATTACHE_TOKEN", app.agent.clone())],
    )
    .await;
}

/// Every client function attache serves for issues, comments and attachments, their actions
/// (set_status, bulk_update, sync and the refused ones) and the lookups, with warnings as
/// errors, and the client's `sync_all` over 260 issues and 130 comments.
#[actix_web::test]
async fn the_official_waldur_client_finds_waldur_in_every_function_it_calls() {
    let Some(python) = python_with("waldur_api_client") else {
        return;
    };
    // The customer opens many of the 260 issues: no hourly ticket quota here (its own test is
    // tests/quotas.rs).
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 0).await;
    let env = vec![
        ("ATTACHE_TOKEN", app.agent.clone()),
        ("ATTACHE_CUSTOMER_TOKEN", app.customer.clone()),
    ];
    run_script(&app, python, "waldur_conformance.py", env).await;
}

#[actix_web::test]
async fn the_official_huawei_osm_sdk_works_unchanged() {
    let Some(python) = python_with("huaweicloudsdkosm") else {
        return;
    };
    let app = spawn_app().await;
    // The pair comes from the command line, as a user would get it, while the server runs.
    let (ak, sk) = common::binary::aksk_pair(app.data_dir(), "osm-user");
    let env = vec![("ATTACHE_AK", ak), ("ATTACHE_SK", sk)];
    run_script(&app, python, "huawei_osm.py", env).await;
}

/// Every SDK method attache serves for cases, messages and accessories, with warnings as
/// errors, and the offset/limit walk over 260 cases.
#[actix_web::test]
async fn the_official_huawei_sdk_finds_osm_in_every_method_it_calls() {
    let Some(python) = python_with("huaweicloudsdkosm") else {
        return;
    };
    // 260 cases for the paging walk: no hourly ticket quota here (tests/quotas.rs has it).
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 0).await;
    // The pair comes from the command line, as a user would get it, while the server runs.
    let (ak, sk) = common::binary::aksk_pair(app.data_dir(), "osm-user");
    let env = vec![("ATTACHE_AK", ak), ("ATTACHE_SK", sk)];
    run_script(&app, python, "huawei_conformance.py", env).await;
}
