//! Problem documents (SPEC §6), probes and the OpenAPI document; junk input never yields 500.

mod common;

use common::spawn_app;
use serde_json::Value;

#[actix_web::test]
async fn a_problem_document_carries_every_member() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Problems").await;
    let res = app
        .upload(&app.agent, &ticket, "empty.txt", Vec::new())
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let header_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("{}/errors/empty_file", app.base));
    assert_eq!(body["title"], "Empty file");
    assert_eq!(body["status"], 400);
    assert_eq!(body["code"], "empty_file");
    assert!(body["detail"].as_str().unwrap().contains("empty"));
    assert_eq!(
        body["instance"],
        format!("/v1/tickets/{ticket}/attachments")
    );
    assert_eq!(body["requestId"], header_id.as_str());
    assert!(
        header_id.starts_with("req_") && header_id.len() == 30,
        "{header_id}"
    );
    let ts = body["timestamp"].as_str().unwrap();
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/file");
    assert_eq!(body["errors"][0]["code"], "empty_file");
    assert!(body["errors"][0]["detail"].is_string());

    // The `type` URL explains the code.
    let explained = app
        .client
        .get(body["type"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(explained.status(), 200);
    assert!(explained.text().await.unwrap().contains("no content"));
    assert_eq!(
        app.client
            .get(app.url("/errors/not_a_code"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[actix_web::test]
async fn every_response_has_a_request_id_even_success_and_404() {
    let app = spawn_app().await;
    for path in ["/healthz", "/v1/me", "/nowhere", "/v1/nowhere"] {
        let res = app.get(&app.agent, path).await;
        assert!(
            res.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .starts_with("req_"),
            "{path}"
        );
    }
    let res = app.get(&app.agent, "/v1/nowhere").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
}

#[actix_web::test]
async fn junk_input_gets_4xx_never_500() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Junk").await;
    let junk_paths = [
        "/v1/tickets/not-a-uuid".to_owned(),
        "/v1/tickets/%00%ff".to_owned(),
        format!("/v1/tickets/{ticket}/attachments/..%2F..%2Fetc%2Fpasswd"),
        format!("/v1/tickets/{ticket}/attachments/{{00000000-0000-0000-0000-000000000000}}"),
        "/files/not-an-id/x?exp=1&disp=attachment&kid=x&sig=x".to_owned(),
        "/files/../../etc/passwd".to_owned(),
        format!(
            "/files/{}/x.png?exp=99999999999999999999999&disp=%FF&sig=",
            attache::ids::Id::new()
        ),
        "/v1/tickets?limit=-1".to_owned(),
    ];
    for path in junk_paths {
        let status = app.get(&app.agent, &path).await.status();
        assert!(status.is_client_error(), "{path}: {status}");
    }
    let bodies = [
        "{",
        "[]",
        "{\"subject\": 5}",
        "{\"subject\": \"\u{0}\u{202e}\"}",
        "null",
        "{\"subject\":\"ok\",\"unknown\":1}",
    ];
    for body in bodies {
        let res = app
            .client
            .post(app.url("/v1/tickets"))
            .bearer_auth(&app.agent)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(res.status().as_u16() < 500, "{body}: {}", res.status());
    }
    let res = app
        .client
        .post(app.url("/v1/tickets"))
        .bearer_auth(&app.agent)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_request"
    );
    // A large header is served; a huge one is refused or cut off, never a 500.
    let large = "x".repeat(64 * 1024);
    let res = app
        .client
        .get(app.url("/v1/me"))
        .bearer_auth(&app.agent)
        .header("x-junk", large)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let huge = "x".repeat(1024 * 1024);
    // (Its own client: the server drops that connection, which must not poison the pool.)
    let alone = reqwest::Client::new();
    if let Ok(res) = alone
        .get(app.url("/v1/me"))
        .bearer_auth(&app.agent)
        .header("x-junk", huge)
        .send()
        .await
    {
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    assert_eq!(
        app.get(&app.agent, "/healthz").await.status(),
        200,
        "still serving"
    );
}

#[actix_web::test]
async fn probes_and_openapi() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");

    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/tickets", "get"),
        ("/v1/tickets", "post"),
        ("/v1/tickets/{id}", "get"),
        ("/v1/tickets/{id}", "patch"),
        ("/v1/tickets/{id}/messages", "get"),
        ("/v1/tickets/{id}/messages", "post"),
        ("/v1/tickets/{ticket_id}/attachments", "get"),
        ("/v1/tickets/{ticket_id}/attachments", "post"),
        ("/v1/tickets/{ticket_id}/attachments/{id}", "get"),
        ("/v1/tickets/{ticket_id}/attachments/{id}", "delete"),
        ("/v1/tickets/{ticket_id}/attachments/{id}/download", "get"),
        ("/v1/attachment-restrictions", "get"),
        ("/v1/me", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
}

#[actix_web::test]
async fn readyz_reports_not_ready_below_the_free_space_floor() {
    let app = common::spawn_with(|c| c.min_free_bytes = u64::MAX).await;
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "not_ready");
}

/// Every database connection busy: a request waits a bounded time for one, then is answered
/// 503 `busy` with `Retry-After` in its dialect's shape, never left hanging (issue 11).
#[actix_web::test]
async fn with_every_connection_busy_a_request_is_answered_503_busy() {
    let app = spawn_app().await;
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Arc::new(std::sync::Mutex::new(held));
    let mut holders = Vec::new();
    for _ in 0..8 {
        let (db, held) = (app.core.db.clone(), held.clone());
        holders.push(actix_web::rt::spawn(async move {
            db.run(move |_conn| {
                let _ = held.lock().unwrap().recv();
                Ok(())
            })
            .await
        }));
    }
    let res = app.get(&app.agent, "/v1/tickets").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "busy");
    for _ in 0..8 {
        release.send(()).unwrap();
    }
    for holder in holders {
        holder.await.unwrap().unwrap();
    }
    assert_eq!(app.get(&app.agent, "/v1/tickets").await.status(), 200);
}
