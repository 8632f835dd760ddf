//! The HostUp dialect, driven as its document's curl examples do.

mod common;

use std::time::{Duration, Instant};

use common::{png, spawn_app, spawn_with, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const BASE: &str = "/api/v2/support";

async fn upload(
    app: &TestApp,
    key: &str,
    ticket: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    if let Some(ticket) = ticket {
        form = form.text("ticketId", ticket.to_owned());
    }
    app.client
        .post(app.url(&format!("{BASE}/attachments")))
        .bearer_auth(key)
        .header("Accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn new_ticket(app: &TestApp, key: &str, subject: &str) -> Value {
    let body = json!({"subject": subject, "message": "It broke.", "priority": "high", "departmentSlug": "billing"});
    let res = app.post_json(key, &format!("{BASE}/tickets"), body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn is_spelled(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 26
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    })
}

#[actix_web::test]
async fn the_documented_flow_ticket_upload_reply_detail_download() {
    let app = spawn_app().await;
    let ticket = new_ticket(&app, &app.customer, "Invoice question").await;
    let ticket_id = ticket["id"].as_str().unwrap();
    assert!(is_spelled(ticket_id, "tkt_"), "{ticket_id}");
    assert_eq!(
        (
            ticket["priority"].as_str(),
            ticket["departmentSlug"].as_str()
        ),
        (Some("high"), Some("billing"))
    );
    assert_eq!(ticket["body"], "It broke.");

    let bytes = b"2026-04-27 error: disk quota exceeded\n".to_vec();
    let res = upload(
        &app,
        &app.customer,
        Some(ticket_id),
        "error-log.txt",
        bytes.clone(),
    )
    .await;
    assert_eq!(res.status(), 201);
    let up: Value = res.json().await.unwrap();
    let satt = up["attachmentId"].as_str().unwrap();
    assert!(is_spelled(satt, "satt_"), "{satt}");
    assert_eq!(up["filename"], "error-log.txt");
    assert_eq!(up["byteLength"], bytes.len());
    assert_eq!(up["contentType"], "text/plain");
    assert_eq!(up["ticketId"], ticket_id);
    assert!(up["uploadedAt"].as_str().unwrap().ends_with('Z'));
    assert!(up["url"].as_str().unwrap().starts_with(&app.base));

    // Before the reply, the upload is not yet a ticket attachment.
    let before: Value = app
        .get(&app.customer, &format!("{BASE}/tickets/{ticket_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["attachments"], json!([]));

    let res = app
        .post_json(
            &app.customer,
            &format!("{BASE}/tickets/{ticket_id}/messages"),
            json!({"message": "Log attached.", "encrypted": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let message: Value = res.json().await.unwrap();
    assert!(is_spelled(message["id"].as_str().unwrap(), "tmsg_"));

    let detail: Value = app
        .get(&app.customer, &format!("{BASE}/tickets/{ticket_id}"))
        .await
        .json()
        .await
        .unwrap();
    // HostUp's `attachments` are the opening post's; the reply's file is on the reply.
    assert_eq!(detail["attachments"], json!([]));
    let attachment = &detail["messages"][1]["attachments"][0];
    let tatt = attachment["id"].as_str().unwrap();
    assert!(is_spelled(tatt, "tatt_"), "{tatt}");
    assert_eq!(tatt[5..], satt[5..], "one id, spelled by state");
    assert_eq!(detail["messages"][1]["attachments"][0]["id"], tatt);
    let res = app
        .get(
            &app.customer,
            attachment["downloadUrl"]
                .as_str()
                .unwrap()
                .trim_start_matches(&app.base),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(res.bytes().await.unwrap(), bytes);

    // The same ticket and file through the native API.
    let native_id = attache::ids::Id::parse_prefixed("tkt", ticket_id)
        .unwrap()
        .to_string();
    let listed: Vec<Value> = app
        .get(&app.agent, &format!("/v1/tickets/{native_id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["filename"], "error-log.txt");
}

#[actix_web::test]
async fn downloads_need_the_ticket_and_check_it() {
    let app = spawn_app().await;
    let ticket = new_ticket(&app, &app.customer, "Download rules").await;
    let other = new_ticket(&app, &app.customer, "Other").await;
    let (t, o) = (
        ticket["id"].as_str().unwrap(),
        other["id"].as_str().unwrap(),
    );
    let up: Value = upload(&app, &app.customer, Some(t), "a.png", png("a"))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .post_json(
            &app.customer,
            &format!("{BASE}/tickets/{t}/messages"),
            json!({"message": "", "attachmentIds": [up["attachmentId"]]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let tatt = up["attachmentId"]
        .as_str()
        .unwrap()
        .replace("satt_", "tatt_");

    let res = app
        .get(&app.customer, &format!("{BASE}/attachments/{tatt}"))
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["pointer"], "?ticketId",
        "HostUp's query pointer"
    );
    let res = app
        .get(
            &app.customer,
            &format!("{BASE}/attachments/{tatt}?ticketId={o}"),
        )
        .await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (&body["code"], &body["title"], &body["detail"]),
        (
            &json!("attachment_not_found"),
            &json!("Attachment not found"),
            &json!("The requested attachment could not be found.")
        )
    );
    assert_eq!(
        app.get(
            &app.other,
            &format!("{BASE}/attachments/{tatt}?ticketId={t}")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(
            &app.customer,
            &format!("{BASE}/attachments/tatt_garbage?ticketId={t}")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(
            &app.customer,
            &format!("{BASE}/attachments/{tatt}?ticketId={t}")
        )
        .await
        .status(),
        200
    );
}

#[actix_web::test]
async fn uploads_to_invisible_tickets_and_foreign_ids_are_refused() {
    let app = spawn_app().await;
    let theirs = new_ticket(&app, &app.other, "Sam's").await;
    let res = upload(
        &app,
        &app.customer,
        theirs["id"].as_str(),
        "a.png",
        png("x"),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
    assert_eq!(
        upload(&app, &app.customer, Some("tkt_nonsense"), "a.png", png("x"))
            .await
            .status(),
        404
    );
    assert!(app.blob_files().is_empty() && app.tmp_files() == 0);

    // Sam's unpinned upload cannot be carried by Casey's reply.
    let sams: Value = upload(&app, &app.other, None, "s.png", png("sam"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sams["ticketId"], Value::Null);
    let mine = new_ticket(&app, &app.customer, "Mine").await;
    let res = app
        .post_json(
            &app.customer,
            &format!("{BASE}/tickets/{}/messages", mine["id"].as_str().unwrap()),
            json!({"message": "steal", "attachmentIds": [sams["attachmentId"]]}),
        )
        .await;
    assert_eq!(res.status(), 400);

    let res = upload(
        &app,
        &app.customer,
        None,
        "bad.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "unsupported_file_type"
    );
    let res = app
        .client
        .get(app.url(&format!("{BASE}/tickets")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
}

#[actix_web::test]
async fn a_ticketless_upload_named_in_a_new_ticket_becomes_its_attachment() {
    let app = spawn_app().await;
    let up: Value = upload(&app, &app.customer, None, "first.png", png("first"))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"subject": "With a file", "message": "See attached", "departmentSlug": "vps", "attachmentIds": [up["attachmentId"]]});
    let res = app
        .post_json(&app.customer, &format!("{BASE}/tickets"), body)
        .await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["attachmentCount"], 1);
    assert_eq!(ticket["attachments"][0]["filename"], "first.png");
}

#[actix_web::test]
async fn the_list_pages_and_the_cookie_works_but_not_cross_site() {
    let app = spawn_app().await;
    for i in 0..3 {
        new_ticket(&app, &app.customer, &format!("Ticket {i}")).await;
    }
    let first: Value = app
        .get(&app.customer, &format!("{BASE}/tickets?limit=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["hasMore"], true);
    let cursor = first["nextCursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &app.customer,
            &format!("{BASE}/tickets?limit=2&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0]["subject"], "Ticket 0");
    assert_eq!(
        (&page["hasMore"], &page["nextCursor"]),
        (&json!(false), &Value::Null)
    );

    let cookie = format!("hostup_session={}", app.customer);
    let res = app
        .client
        .get(app.url(&format!("{BASE}/tickets")))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .post(app.url(&format!("{BASE}/tickets")))
        .header("Cookie", &cookie)
        .json(&json!({"subject": "s", "message": "m", "departmentSlug": "billing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        201,
        "same-origin script or non-browser client"
    );
    let res = app
        .client
        .post(app.url(&format!("{BASE}/tickets")))
        .header("Cookie", &cookie)
        .header("Origin", "https://evil.example")
        .json(&json!({"subject": "s", "message": "m", "departmentSlug": "billing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a cross-site post with the cookie");
    // The cookie means nothing outside the HostUp routes.
    let res = app
        .client
        .get(app.url("/v1/me"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn an_unfinalized_upload_disappears_after_its_ttl() {
    let app = spawn_with(|c| c.pending_ttl = Duration::from_secs(1)).await;
    let ticket = new_ticket(&app, &app.customer, "Short TTL").await;
    let t = ticket["id"].as_str().unwrap();
    // Kept: one finalized file whose content a pending upload shares.
    let kept: Value = upload(&app, &app.customer, Some(t), "kept.png", png("shared"))
        .await
        .json()
        .await
        .unwrap();
    app.post_json(
        &app.customer,
        &format!("{BASE}/tickets/{t}/messages"),
        json!({"message": "keep", "attachmentIds": [kept["attachmentId"]]}),
    )
    .await;
    let lost: Value = upload(
        &app,
        &app.customer,
        Some(t),
        "lost.png",
        png("only pending"),
    )
    .await
    .json()
    .await
    .unwrap();
    let shared: Value = upload(&app, &app.customer, None, "again.png", png("shared"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(app.blob_files().len(), 2);

    let started = Instant::now();
    while app.blob_files().len() > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the pending upload was never swept"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // The swept uploads can no longer be carried; the finalized file is still served.
    for gone in [&lost, &shared] {
        let res = app
            .post_json(
                &app.customer,
                &format!("{BASE}/tickets/{t}/messages"),
                json!({"message": "late", "attachmentIds": [gone["attachmentId"]]}),
            )
            .await;
        assert_eq!(res.status(), 400, "{gone}");
    }
    let detail: Value = app
        .get(&app.customer, &format!("{BASE}/tickets/{t}"))
        .await
        .json()
        .await
        .unwrap();
    let url = detail["messages"][1]["attachments"][0]["downloadUrl"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.base)
        .to_owned();
    assert_eq!(
        app.get(&app.customer, &url).await.bytes().await.unwrap(),
        png("shared")
    );
}
