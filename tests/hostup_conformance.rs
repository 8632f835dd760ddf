//! HostUp's v2 support API as its documents describe it (the fact sheet,
//! ../shared/vendors/hostup.md), over plain HTTP: departments, a ticket and its detail with
//! every field's JSON type, creating, replying, closing and reopening. Paging, filters, error
//! codes and 429s are in tests/hostup_paging.rs.

mod common;

use std::collections::HashSet;

use common::hostup::*;
use common::{png, spawn_app, spawn_with};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

#[actix_web::test]
async fn departments_are_listed_as_documented() {
    let app = spawn_app().await;
    let (status, body) = json_of(&app, &app.customer, &format!("{BASE}/departments")).await;
    assert_eq!(status, 200);
    let departments = body["departments"].as_array().unwrap();
    let slugs: Vec<&str> = departments
        .iter()
        .map(|d| d["slug"].as_str().unwrap())
        .collect();
    for slug in ["general-web-hosting", "domain-names", "vps", "billing"] {
        assert!(slugs.contains(&slug), "{slug}");
    }
    for d in departments {
        assert!(d["displayName"].is_string(), "{d}");
        assert!(d["description"].is_string() || d["description"].is_null());
        assert!(d["email"].is_string() || d["email"].is_null());
    }
    // A new ticket takes only those slugs, and shows the department's name.
    let ticket = open(&app, &app.customer, "DNS", "domain-names").await;
    assert_eq!(ticket["departmentName"], "Domain names");
    let body = json!({"departmentSlug": "nowhere", "subject": "s", "message": "m"});
    let (status, body) = create(&app, &app.customer, body).await;
    let pointers = problem(status, &body, 400, "invalid_request");
    assert_eq!(pointers, ["/departmentSlug"]);
}

#[actix_web::test]
async fn a_ticket_and_its_detail_have_every_documented_field() {
    let app = spawn_app().await;
    let body = json!({
        "departmentSlug": "billing", "subject": "Invoice 42", "message": "Charged twice.",
        "priority": "high", "ccEmails": ["someone@example.com", "o'brien+it@mail.example.se"],
        "aiSummary": null, "aiHelpful": true,
    });
    let (status, ticket) = create(&app, &app.customer, body).await;
    assert_eq!(status, 201, "{ticket}");
    check_detail(&ticket);
    let id = ticket["id"].as_str().unwrap();
    assert_eq!(ticket["body"], "Charged twice.");
    assert_eq!(ticket["priority"], "high");
    assert_eq!(
        (&ticket["departmentSlug"], &ticket["departmentName"]),
        (&json!("billing"), &json!("Billing"))
    );
    assert_eq!(ticket["requesterName"], "casey");
    assert_eq!(ticket["messageCount"], 1);
    let cc = json!(["someone@example.com", "o'brien+it@mail.example.se"]);
    assert_eq!(ticket["ccEmails"], cc);
    assert_eq!(ticket["criticalReason"], Value::Null, "not critical");

    // A reply carrying an upload pinned to the ticket, then a staff reply.
    let form = Form::new()
        .part("file", Part::bytes(png("log")).file_name("screen.png"))
        .text("ticketId", id.to_owned());
    let res = app
        .client
        .post(app.url(&format!("{BASE}/attachments")))
        .bearer_auth(&app.customer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let reply_path = format!("{BASE}/tickets/{id}/messages");
    let res = app
        .post_json(
            &app.customer,
            &reply_path,
            json!({"message": "Screenshot.", "encrypted": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let reply: Value = res.json().await.unwrap();
    check_message(&reply, id);
    let keys: HashSet<&str> = reply
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let documented = [
        "id",
        "ticketId",
        "sentAt",
        "body",
        "sender",
        "senderName",
        "encrypted",
        "attachments",
    ];
    assert_eq!(keys, documented.into_iter().collect());
    assert_eq!(
        (&reply["sender"], &reply["senderName"], &reply["encrypted"]),
        (&json!("customer"), &json!("casey"), &json!(true))
    );
    assert_eq!(reply["attachments"][0]["filename"], "screen.png");
    let res = app
        .post_json(&app.agent, &reply_path, json!({"message": "Refunded."}))
        .await;
    let staff: Value = res.json().await.unwrap();
    assert_eq!(
        (&staff["sender"], &staff["senderName"]),
        (&json!("staff"), &json!("alex"))
    );
    assert_eq!(staff["encrypted"], false);
    let res = app
        .post_json(
            &app.agent,
            &reply_path,
            json!({"message": "x", "encrypted": "yes"}),
        )
        .await;
    let status = res.status().as_u16();
    problem(status, &res.json().await.unwrap(), 400, "invalid_request");
    assert_eq!(ticket["messages"][0]["encrypted"], false);

    let (status, detail) = json_of(&app, &app.customer, &format!("{BASE}/tickets/{id}")).await;
    assert_eq!(status, 200);
    check_detail(&detail);
    assert_eq!(detail["messageCount"], 3);
    assert_eq!(detail["body"], "Charged twice.");
    assert_eq!(detail["lastMessageAt"], staff["sentAt"]);
    assert_eq!(detail["messages"][1]["id"], reply["id"]);
    assert_eq!(
        detail["messages"][1]["attachments"][0]["id"],
        reply["attachments"][0]["id"]
    );
    assert_eq!(detail["attachments"], json!([]), "only the opening post's");
    assert_eq!(detail["ccEmails"], cc);
    // Each message keeps the `encrypted` it was sent with.
    let encrypted: Vec<&Value> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["encrypted"])
        .collect();
    assert_eq!(encrypted, [&json!(false), &json!(true), &json!(false)]);
    let download = detail["messages"][1]["attachments"][0]["downloadUrl"]
        .as_str()
        .unwrap();
    let res = app
        .get(&app.customer, download.trim_start_matches(&app.base))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), png("log"));

    // The list's summary of the same ticket.
    let (_, page) = json_of(&app, &app.customer, &format!("{BASE}/tickets")).await;
    let summary = &page["data"][0];
    check_summary(summary);
    assert_eq!(summary["number"], detail["number"]);
    assert_eq!(summary["ccEmails"], cc);
    assert!(summary.get("body").is_none() && summary.get("messages").is_none());
}

#[actix_web::test]
async fn creating_checks_what_hostup_documents() {
    let app = spawn_app().await;
    let (status, body) = create(&app, &app.customer, json!({})).await;
    let pointers = problem(status, &body, 400, "invalid_request");
    assert_eq!(pointers, ["/departmentSlug", "/subject", "/message"]);

    let base = json!({"departmentSlug": "vps", "subject": "Down", "message": "All down."});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, pointer) in [
        (json!({"priority": "critical"}), "/criticalReason"),
        (
            json!({"priority": "critical", "criticalReason": " "}),
            "/criticalReason",
        ),
        (json!({"priority": "P1"}), "/priority"),
        (json!({"accountId": 7}), "/accountId"),
        (json!({"ccEmails": ["not an address"]}), "/ccEmails/0"),
        (
            json!({"ccEmails": ["a@example.com", "b@example"]}),
            "/ccEmails/1",
        ),
        (json!({"ccEmails": vec!["a@example.com"; 51]}), "/ccEmails"),
        (
            json!({"context": {"serviceType": "vps", "serviceId": "vps_1"}}),
            "/context",
        ),
    ] {
        let (status, body) = create(&app, &app.customer, with(extra.clone())).await;
        assert_eq!(
            problem(status, &body, 400, "invalid_request"),
            [pointer],
            "{extra}"
        );
    }
    // Fields of the wrong JSON type are HostUp's 400, never a 500.
    for extra in [
        json!({"ccEmails": "a@example.com"}),
        json!({"ccEmails": [7]}),
        json!({"criticalReason": 7, "priority": "critical"}),
    ] {
        let (status, body) = create(&app, &app.customer, with(extra.clone())).await;
        problem(status, &body, 400, "invalid_request");
    }
    let critical = json!({"priority": "critical", "criticalReason": "Every site is down."});
    let (status, ticket) = create(&app, &app.customer, with(critical)).await;
    assert_eq!(status, 201, "{ticket}");
    check_detail(&ticket);
    assert_eq!(ticket["priority"], "critical");
    assert_eq!(ticket["criticalReason"], "Every site is down.");
    // The core keeps `critical`; TopTickets, which has no such priority, shows `urgent`.
    let native = attache::ids::Id::parse_prefixed("tkt", ticket["id"].as_str().unwrap()).unwrap();
    let (_, v1) = json_of(&app, &app.agent, &format!("/v1/tickets/{native}")).await;
    assert_eq!(v1["priority"], "urgent");
    // Made `high` in TopTickets' dialect, it is no longer critical, nor shows a reason.
    let res = app
        .patch_json(
            &app.agent,
            &format!("/v1/tickets/{native}"),
            json!({"priority": "high"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let path = format!("{BASE}/tickets/{}", ticket["id"].as_str().unwrap());
    let (_, now_high) = json_of(&app, &app.customer, &path).await;
    assert_eq!(
        (&now_high["priority"], &now_high["criticalReason"]),
        (&json!("high"), &Value::Null)
    );
    // No priority reads back as `medium`.
    let (_, plain) = create(&app, &app.customer, base.clone()).await;
    assert_eq!(plain["priority"], "medium");
}

#[actix_web::test]
async fn a_closed_ticket_takes_no_reply_until_it_is_reopened() {
    let app = spawn_app().await;
    let ticket = open(&app, &app.customer, "Close me", "support").await;
    let id = ticket["id"].as_str().unwrap();
    let action = |name: &str| format!("{BASE}/tickets/{id}/actions/{name}");
    let res = app
        .post_json(&app.customer, &action("close"), Value::Null)
        .await;
    assert_eq!(res.status(), 200);
    let closed: Value = res.json().await.unwrap();
    check_detail(&closed);
    assert_eq!(closed["status"], "closed");

    let reply_path = format!("{BASE}/tickets/{id}/messages");
    let res = app
        .post_json(
            &app.customer,
            &reply_path,
            json!({"message": "One more thing"}),
        )
        .await;
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    problem(status, &res.json().await.unwrap(), 409, "ticket_closed");

    // Reopen takes no body, as HostUp's curl example sends none.
    let res = app
        .client
        .post(app.url(&action("reopen")))
        .bearer_auth(&app.customer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let reopened: Value = res.json().await.unwrap();
    check_detail(&reopened);
    assert_eq!(reopened["status"], "open");
    let res = app
        .post_json(
            &app.customer,
            &reply_path,
            json!({"message": "One more thing"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Neither action reaches another customer's ticket.
    let res = app
        .post_json(&app.other, &action("close"), Value::Null)
        .await;
    assert_eq!(res.status(), 404);
}

/// HostUp's error catalogue allows one critical alert an hour, with 429 `rate_limited`. The
/// key's own rate limit is on: the 429's `X-RateLimit-*` still say the alert's.
#[actix_web::test]
async fn one_critical_alert_an_hour() {
    let app = spawn_with(|c| c.rate_limit_per_minute = 600).await;
    let critical = |subject: &str| {
        json!({"departmentSlug": "vps", "subject": subject, "message": "All down.",
               "priority": "critical", "criticalReason": "Nothing answers."})
    };
    let (status, first) = create(&app, &app.customer, critical("Down")).await;
    assert_eq!(status, 201, "{first}");

    let res = app
        .post_json(
            &app.customer,
            &format!("{BASE}/tickets"),
            critical("Still down"),
        )
        .await;
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/problem+json");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    problem(status, &body, 429, "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    assert_eq!(headers["x-ratelimit-limit"], "1");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let reset = Value::from(headers["x-ratelimit-reset"].to_str().unwrap());
    assert!(is_hostup_time(&reset), "an ISO time, as HostUp's: {reset}");

    // Nothing was opened; the same ticket at another priority is, and so is another
    // customer's alert.
    let (_, page) = json_of(&app, &app.customer, &format!("{BASE}/tickets")).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let mut urgent = critical("Still down");
    urgent["priority"] = json!("urgent");
    let (status, second) = create(&app, &app.customer, urgent).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(
        second["criticalReason"],
        Value::Null,
        "only a critical ticket keeps one"
    );
    let (status, theirs) = create(&app, &app.other, critical("Down too")).await;
    assert_eq!(status, 201, "{theirs}");
}
