//! Issue 12, finding 6: one customer left 200 MiB of unbound HostUp uploads in 1.7 s and
//! opened 500 tickets. Customers now have quotas (pending uploads, stored bytes, tickets per
//! hour), refused as `quota_exceeded` in every dialect; staff have none.

mod common;

use attache::store::sql::params;
use common::{png, spawn_with, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const HOSTUP: &str = "/api/v2/support";

async fn hostup_upload(app: &TestApp, key: &str, ticket: &str, tag: &str) -> reqwest::Response {
    let form = Form::new()
        .part(
            "file",
            Part::bytes(png(tag)).file_name(format!("{tag}.png")),
        )
        .text("ticketId", ticket.to_owned());
    app.client
        .post(app.url(&format!("{HOSTUP}/attachments")))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn hostup_ticket(app: &TestApp, key: &str) -> String {
    let body = json!({"subject": "Quota", "message": "Hi.", "priority": "low", "departmentSlug": "billing"});
    let res = app.post_json(key, &format!("{HOSTUP}/tickets"), body).await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    ticket["id"].as_str().unwrap().to_owned()
}

async fn huawei_upload(app: &TestApp, key: &str, tag: &str) -> (u16, Value) {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(png(tag));
    let res = app
        .client
        .post(app.url("/v2/servicerequest/accessorys/json-format-content"))
        .header("X-Auth-Token", key)
        .json(&json!({"accessory_name": format!("{tag}.png"), "accessory_data": data}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// A problem document (native, HostUp) for `quota_exceeded` whose detail names the flag.
async fn is_quota_problem(res: reqwest::Response, flag: &str) -> Value {
    assert_eq!(res.status(), 429);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["code"], "quota_exceeded", "{doc}");
    assert!(doc["detail"].as_str().unwrap().contains(flag), "{doc}");
    doc
}

async fn attachment_rows(app: &TestApp) -> i64 {
    let db = app.core.db.clone();
    db.run(|conn| {
        let sql = "SELECT count(*) FROM attachments";
        Ok(conn.query_row(sql, params![], |r| r.get(0))?)
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn pending_uploads_are_bounded_per_customer_until_a_message_carries_them() {
    let app = spawn_with(|c| c.quotas.pending_uploads = 3).await;
    let ticket = hostup_ticket(&app, &app.customer).await;
    for i in 0..3 {
        let res = hostup_upload(&app, &app.customer, &ticket, &format!("p{i}")).await;
        assert_eq!(res.status(), 201);
    }
    let rows = attachment_rows(&app).await;
    let refused = hostup_upload(&app, &app.customer, &ticket, "p3").await;
    is_quota_problem(refused, "--quota-pending-uploads").await;
    // Huawei's accessories are pending uploads too, refused with OSM's quota code, a business
    // error that OSM answers with HTTP 200.
    let (status, body) = huawei_upload(&app, &app.customer, "hw").await;
    assert_eq!(body.get("accessory_id"), None, "{body}");
    assert_eq!(
        (status, body["error_code"].as_str()),
        (200, Some("OSM.01010005")),
        "{body}"
    );
    assert_eq!(
        attachment_rows(&app).await,
        rows,
        "nothing stored by a refusal"
    );
    assert_eq!(app.tmp_files(), 0);

    // Another customer and the staff are not held by Casey's quota.
    let theirs = hostup_ticket(&app, &app.other).await;
    assert_eq!(
        hostup_upload(&app, &app.other, &theirs, "o").await.status(),
        201
    );
    for i in 0..4 {
        let res = hostup_upload(&app, &app.agent, &ticket, &format!("a{i}")).await;
        assert_eq!(res.status(), 201);
    }

    // The reply carries Casey's three uploads; the quota is free again.
    let res = app
        .post_json(
            &app.customer,
            &format!("{HOSTUP}/tickets/{ticket}/messages"),
            json!({"message": "Files.", "encrypted": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        hostup_upload(&app, &app.customer, &ticket, "p4")
            .await
            .status(),
        201
    );
}

#[actix_web::test]
async fn stored_bytes_are_bounded_per_customer_counting_every_upload() {
    let size = png("s0").len() as u64;
    let app = spawn_with(|c| c.quotas.stored_bytes = 3 * size).await;
    let ticket = app.ticket(&app.customer, "Bytes").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        // Duplicates count too: the quota is what the customer uploaded, not what the
        // store keeps, so it reveals nothing about other users' files.
        let up = app
            .upload_ok(&app.customer, &ticket, "same.png", png("s0"))
            .await;
        ids.push(up["id"].as_str().unwrap().to_owned());
    }
    let refused = app
        .upload(&app.customer, &ticket, "more.png", png("s1"))
        .await;
    is_quota_problem(refused, "--quota-stored-bytes").await;
    assert_eq!(app.tmp_files(), 0);
    // The agent uploads to the same ticket without a quota.
    assert_eq!(
        app.upload(&app.agent, &ticket, "a.png", png("s1"))
            .await
            .status(),
        201
    );

    // Deleting one of the customer's files frees its bytes.
    let res = app
        .delete(
            &app.customer,
            &format!("/v1/tickets/{ticket}/attachments/{}", ids[0]),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.upload(&app.customer, &ticket, "more.png", png("s1"))
            .await
            .status(),
        201
    );
}

/// The commit checks the quota inside its write transaction: uploads that race past the
/// early check cannot together exceed it.
#[actix_web::test]
async fn concurrent_uploads_cannot_race_past_the_bytes_quota() {
    let size = png("r00").len() as u64;
    let app = spawn_with(|c| {
        c.quotas.stored_bytes = 3 * size;
        c.max_uploads_in_flight = 16;
    })
    .await;
    let ticket = app.ticket(&app.customer, "Race").await;
    let uploads =
        (0..12).map(|i| app.upload(&app.customer, &ticket, "r.png", png(&format!("r{i:02}"))));
    let answers = futures::future::join_all(uploads).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [[201; 3].as_slice(), &[429; 9]].concat());
    assert_eq!(attachment_rows(&app).await, 3);
}

#[actix_web::test]
async fn tickets_per_hour_are_bounded_per_customer_with_retry_after() {
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 2).await;
    app.ticket(&app.customer, "One").await;
    app.ticket(&app.customer, "Two").await;
    let res = app
        .post_json(&app.customer, "/v1/tickets", json!({"subject": "Three"}))
        .await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&retry), "{retry}");
    is_quota_problem(res, "--quota-tickets-per-hour").await;

    // Through HostUp and Waldur the same quota holds, in their shapes.
    let body =
        json!({"subject": "Four", "message": "x", "priority": "low", "departmentSlug": "billing"});
    let res = app
        .post_json(&app.customer, &format!("{HOSTUP}/tickets"), body)
        .await;
    is_quota_problem(res, "--quota-tickets-per-hour").await;
    let res = app
        .client
        .post(app.url("/api/support-issues/"))
        .header("Authorization", format!("Token {}", app.customer))
        .json(&json!({"summary": "Five", "type": "Incident"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let drf: Value = res.json().await.unwrap();
    assert!(
        drf["detail"]
            .as_str()
            .unwrap()
            .contains("tickets in the last hour"),
        "{drf}"
    );

    // Other callers are not held by Casey's quota; staff have none.
    for (key, count) in [(&app.other, 2), (&app.agent, 3), (&app.admin, 3)] {
        for i in 0..count {
            app.ticket(key, &format!("t{i}")).await;
        }
    }
    let count = app.get(&app.agent, "/v1/tickets?limit=100").await;
    let page: Value = count.json().await.unwrap();
    assert_eq!(page.as_array().map(Vec::len), Some(10), "{page}");
}
