//! Tickets and messages under /v1.

mod common;

use common::{png, spawn_app};
use serde_json::{json, Value};

#[actix_web::test]
async fn create_read_and_change_a_ticket() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            &app.customer,
            "/v1/tickets",
            json!({"subject": "  Mail bounces  ", "body": "Since Monday."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    for field in [
        "id",
        "number",
        "subject",
        "status",
        "requester_id",
        "created_at",
        "updated_at",
        "attachment_count",
    ] {
        assert!(!ticket[field].is_null(), "{field} missing in {ticket}");
    }
    assert_eq!(ticket["subject"], "Mail bounces");
    assert_eq!(
        ticket["status"], "new",
        "TopTickets' status of a ticket nobody opened yet"
    );
    assert_eq!(ticket["attachment_count"], 0);
    let me: Value = app.get(&app.customer, "/v1/me").await.json().await.unwrap();
    assert_eq!(ticket["requester_id"], me["user"]["id"]);
    let id = ticket["id"].as_str().unwrap();

    let messages: Vec<Value> = app
        .get(&app.customer, &format!("/v1/tickets/{id}/messages"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages.len(), 1, "the body became the first message");
    assert_eq!(messages[0]["body"], "Since Monday.");

    let res = app
        .patch_json(
            &app.agent,
            &format!("/v1/tickets/{id}"),
            json!({"status": "pending", "subject": "Mail bounces (MX)"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(
        (changed["status"].as_str(), changed["subject"].as_str()),
        (Some("pending"), Some("Mail bounces (MX)"))
    );
    assert!(changed["updated_at"].as_str() >= ticket["updated_at"].as_str());
    assert_eq!(
        app.get(&app.customer, &format!("/v1/tickets/{id}"))
            .await
            .json::<Value>()
            .await
            .unwrap()["status"],
        "pending"
    );

    for bad in [
        json!({"status": "archived"}),
        json!({}),
        json!({"subject": ""}),
    ] {
        let res = app
            .patch_json(&app.agent, &format!("/v1/tickets/{id}"), bad.clone())
            .await;
        assert_eq!(res.status(), 422, "{bad}: TopTickets' validation status");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "invalid_request"
        );
    }
    let res = app
        .post_json(
            &app.customer,
            "/v1/tickets",
            json!({"subject": "x".repeat(501)}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/subject");
    let res = app
        .post_json(&app.customer, "/v1/tickets", json!({"body": "no subject"}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["errors"][0]["pointer"].as_str()),
        (Some("invalid_request"), Some("/subject"))
    );
}

#[actix_web::test]
async fn the_list_is_newest_first_with_search_status_and_cursor_paging() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for subject in [
        "Printer jam",
        "VPN down",
        "printer toner",
        "Password reset",
        "Printer offline",
    ] {
        ids.push(app.ticket(&app.agent, subject).await);
    }
    app.patch_json(
        &app.agent,
        &format!("/v1/tickets/{}", ids[1]),
        json!({"status": "closed"}),
    )
    .await;

    let all: Vec<Value> = app
        .get(&app.agent, "/v1/tickets")
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = all.iter().map(|t| t["id"].as_str().unwrap()).collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);

    let printers: Vec<Value> = app
        .get(&app.agent, "/v1/tickets?q=PRINTER")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(printers.len(), 3);
    let closed: Vec<Value> = app
        .get(&app.agent, "/v1/tickets?status=closed")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["id"], ids[1].as_str());

    // Follow Link: rel="next" page by page.
    let mut seen = Vec::new();
    let mut url = app.url("/v1/tickets?limit=2&q=printer");
    loop {
        let res = app
            .client
            .get(&url)
            .bearer_auth(&app.agent)
            .send()
            .await
            .unwrap();
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page: Vec<Value> = res.json().await.unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.into_iter()
                .map(|t| t["subject"].as_str().unwrap().to_owned()),
        );
        match link {
            Some(link) => {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                url = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen, ["Printer offline", "printer toner", "Printer jam"]);

    for bad in [
        "/v1/tickets?status=nope",
        "/v1/tickets?cursor=garbage",
        "/v1/tickets?limit=abc",
    ] {
        assert_eq!(app.get(&app.agent, bad).await.status(), 422, "{bad}");
    }
}

#[actix_web::test]
async fn a_message_binds_earlier_uploads_of_its_ticket() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "With files").await;
    let other_ticket = app.ticket(&app.customer, "Elsewhere").await;
    let a = app
        .upload_ok(&app.customer, &ticket, "a.png", png("a"))
        .await;
    let b = app
        .upload_ok(&app.customer, &ticket, "b.png", png("b"))
        .await;
    let elsewhere = app
        .upload_ok(&app.customer, &other_ticket, "c.png", png("c"))
        .await;
    assert!(a["message_id"].is_null());

    let path = format!("/v1/tickets/{ticket}/messages");
    let res = app
        .post_json(
            &app.customer,
            &path,
            json!({"body": "Both files", "attachment_ids": [a["id"], b["id"]]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let message: Value = res.json().await.unwrap();
    assert_eq!(message["attachments"].as_array().unwrap().len(), 2);

    let listed: Vec<Value> = app.get(&app.agent, &path).await.json().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["attachments"][0]["id"], a["id"]);
    assert_eq!(listed[0]["attachments"][1]["message_id"], message["id"]);
    let a_now: Value = app
        .get(
            &app.agent,
            &format!(
                "/v1/tickets/{ticket}/attachments/{}",
                a["id"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a_now["message_id"], message["id"]);

    // Already bound, on another ticket, or unknown: refused, and nothing is stored.
    let res = app
        .post_json(&app.customer, &path, json!({"body": "again", "attachment_ids": [a["id"], elsewhere["id"], attache::ids::Id::new().to_string()]}))
        .await;
    assert_eq!(
        res.status(),
        422,
        "a business-rule error, in TopTickets' status"
    );
    let body: Value = res.json().await.unwrap();
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/attachment_ids/0",
            "/attachment_ids/1",
            "/attachment_ids/2"
        ]
    );
    let listed: Vec<Value> = app.get(&app.agent, &path).await.json().await.unwrap();
    assert_eq!(listed.len(), 1, "the refused message was not stored");

    let res = app
        .post_json(
            &app.customer,
            &path,
            json!({"body": "", "attachment_ids": []}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_json(
            &app.customer,
            &path,
            json!({"body": "ok", "attachment_ids": ["not-an-id"]}),
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[actix_web::test]
async fn a_customer_cannot_bind_someone_elses_upload() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "Mine").await;
    let agents = app
        .upload_ok(&app.agent, &ticket, "agent.png", png("agent"))
        .await;
    let res = app
        .post_json(
            &app.customer,
            &format!("/v1/tickets/{ticket}/messages"),
            json!({"body": "take it", "attachment_ids": [agents["id"]]}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_json(
            &app.agent,
            &format!("/v1/tickets/{ticket}/messages"),
            json!({"body": "here", "attachment_ids": [agents["id"]]}),
        )
        .await;
    assert_eq!(res.status(), 201);
}
