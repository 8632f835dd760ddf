//! HostUp's v2 support API as its documents describe it (the fact sheet,
//! ../shared/vendors/hostup.md): plain HTTP, every field's JSON type checked, the documented
//! `nextCursor` loop, the error codes clients branch on, and the 429 headers.

mod common;

use std::collections::HashSet;

use common::{png, spawn_app, spawn_with, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const BASE: &str = "/api/v2/support";

/// `2026-04-27T11:45:00.000Z`: UTC, milliseconds, `Z`.
fn is_hostup_time(v: &Value) -> bool {
    let Some(t) = v.as_str() else { return false };
    let b = t.as_bytes();
    t.len() == 24
        && t.ends_with('Z')
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && t[20..23].chars().all(|c| c.is_ascii_digit())
        && attache::domain::Timestamp::parse(t).is_some()
}

fn is_id(v: &Value, prefix: &str) -> bool {
    v.as_str().is_some_and(|id| {
        id.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == 26
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        })
    })
}

const STATUSES: [&str; 7] = [
    "open",
    "answered",
    "customer_reply",
    "in_progress",
    "on_hold",
    "closed",
    "unknown",
];
const PRIORITIES: [&str; 5] = ["low", "medium", "high", "urgent", "critical"];

/// The summary table of §4: every field, in its type.
fn check_summary(t: &Value) {
    assert!(is_id(&t["id"], "tkt_"), "{t}");
    let number = t["number"].as_str().expect("number is a string");
    assert!(
        !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        "{t}"
    );
    assert!(t["subject"].is_string() || t["subject"].is_null(), "{t}");
    assert!(STATUSES.contains(&t["status"].as_str().unwrap()), "{t}");
    assert!(PRIORITIES.contains(&t["priority"].as_str().unwrap()), "{t}");
    assert!(t["departmentSlug"].is_string(), "{t}");
    assert!(
        t["departmentName"].is_string() || t["departmentName"].is_null(),
        "{t}"
    );
    for field in ["createdAt", "updatedAt", "lastMessageAt"] {
        assert!(
            is_hostup_time(&t[field]) || t[field].is_null(),
            "{field}: {t}"
        );
    }
    let cc = t["ccEmails"].as_array().expect("ccEmails is an array");
    assert!(cc.iter().all(Value::is_string), "{t}");
    assert!(
        t["requesterName"].is_string() || t["requesterName"].is_null(),
        "{t}"
    );
}

fn check_attachment(a: &Value, ticket: &str) {
    assert!(is_id(&a["id"], "tatt_"), "{a}");
    let url = a["downloadUrl"].as_str().unwrap();
    let path = format!(
        "/api/v2/support/attachments/{}?ticketId={ticket}",
        a["id"].as_str().unwrap()
    );
    assert!(url.ends_with(&path), "{url}");
    assert!(
        a["filename"].is_string() && a["contentType"].is_string(),
        "{a}"
    );
    assert!(a["byteLength"].is_u64(), "{a}");
}

/// The reply object of §7.
fn check_message(m: &Value, ticket: &str) {
    assert!(is_id(&m["id"], "tmsg_"), "{m}");
    assert_eq!(m["ticketId"], ticket, "{m}");
    assert!(is_hostup_time(&m["sentAt"]), "{m}");
    assert!(m["body"].is_string(), "{m}");
    assert!(["customer", "staff", "automation"].contains(&m["sender"].as_str().unwrap()));
    assert!(
        m["senderName"].is_string() || m["senderName"].is_null(),
        "{m}"
    );
    assert!(m["encrypted"].is_boolean(), "{m}");
    for a in m["attachments"].as_array().unwrap() {
        check_attachment(a, ticket);
    }
}

/// The detail of §6: the summary's fields and its own.
fn check_detail(t: &Value) {
    check_summary(t);
    let id = t["id"].as_str().unwrap();
    assert!(t["body"].is_string() || t["body"].is_null(), "{t}");
    assert!(t["messageCount"].is_u64(), "{t}");
    assert_eq!(t["linkedServices"], json!([]), "{t}");
    for a in t["attachments"].as_array().unwrap() {
        check_attachment(a, id);
    }
    let messages = t["messages"].as_array().unwrap();
    assert_eq!(t["messageCount"], messages.len(), "{t}");
    for m in messages {
        check_message(m, id);
    }
}

async fn create(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    let res = app.post_json(key, &format!("{BASE}/tickets"), body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn open(app: &TestApp, key: &str, subject: &str, slug: &str) -> Value {
    let body = json!({"departmentSlug": slug, "subject": subject, "message": "Hello."});
    let (status, ticket) = create(app, key, body).await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

async fn json_of(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let res = app.get(key, path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// A problem document with `code`, and the pointers of its `errors[]`.
fn problem(status: u16, body: &Value, want: u16, code: &str) -> Vec<String> {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], want, "{body}");
    assert!(body["type"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/errors/{code}")));
    for field in ["title", "detail", "instance", "requestId"] {
        assert!(body[field].is_string(), "{field}: {body}");
    }
    assert!(is_hostup_time(&body["timestamp"]), "{body}");
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["pointer"].as_str().unwrap().to_owned())
        .collect()
}

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
async fn the_documented_next_cursor_loop_sees_every_ticket_once() {
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 0).await;
    let mut made = HashSet::new();
    for i in 0..253 {
        let slug = if i % 3 == 0 { "vps" } else { "billing" };
        let ticket = open(&app, &app.customer, &format!("Ticket {i}"), slug).await;
        made.insert(ticket["id"].as_str().unwrap().to_owned());
    }
    // Without `limit`, a page holds 20.
    let (_, first) = json_of(&app, &app.customer, &format!("{BASE}/tickets")).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert_eq!(first["hasMore"], true);
    assert!(first["nextCursor"].is_string());

    for (limit, filter, want) in [(100, "", 253), (7, "&departmentSlug=vps", 85)] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("{BASE}/tickets?limit={limit}{filter}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = json_of(&app, &app.customer, &path).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= limit);
            for t in data {
                check_summary(t);
                if !filter.is_empty() {
                    assert_eq!(t["departmentSlug"], "vps");
                }
                assert!(
                    seen.insert(t["id"].as_str().unwrap().to_owned()),
                    "twice: {t}"
                );
            }
            match page["nextCursor"].as_str() {
                Some(next) => {
                    assert_eq!(page["hasMore"], true);
                    cursor = Some(next.to_owned());
                }
                None => {
                    assert_eq!(page["hasMore"], false);
                    assert!(page["nextCursor"].is_null());
                    break;
                }
            }
            assert!(pages < 100, "the loop never ends");
        }
        assert_eq!(seen.len(), want, "{filter}");
        assert!(seen.is_subset(&made));
    }
    // Another customer's loop sees none of them.
    let (_, page) = json_of(&app, &app.other, &format!("{BASE}/tickets?limit=100")).await;
    assert_eq!(page["data"], json!([]));
    assert!(page["nextCursor"].is_null());
}

#[actix_web::test]
async fn bad_list_parameters_are_named_as_hostup_names_them() {
    let app = spawn_app().await;
    for limit in ["0", "101", "-1", "ten"] {
        let (status, body) = json_of(
            &app,
            &app.customer,
            &format!("{BASE}/tickets?limit={limit}"),
        )
        .await;
        let pointers = problem(status, &body, 400, "invalid_request");
        assert_eq!(pointers, ["?limit"], "{limit}");
    }
    for cursor in ["garbage", "cur_", "tkt_01hxa3b4c5d6e7f8g9h0j1k2m3"] {
        let (status, body) = json_of(
            &app,
            &app.customer,
            &format!("{BASE}/tickets?cursor={cursor}"),
        )
        .await;
        problem(status, &body, 400, "invalid_cursor");
        assert_eq!(body["detail"], "Cursor is invalid or malformed.");
    }
    for status_name in ["unknown", "pending", "new"] {
        let (status, body) = json_of(
            &app,
            &app.customer,
            &format!("{BASE}/tickets?status={status_name}"),
        )
        .await;
        assert_eq!(problem(status, &body, 400, "invalid_request"), ["?status"]);
    }
    let (status, body) = json_of(
        &app,
        &app.customer,
        &format!("{BASE}/tickets?departmentSlug=nowhere"),
    )
    .await;
    assert_eq!(
        problem(status, &body, 400, "invalid_request"),
        ["?departmentSlug"]
    );
    // attache's old page numbers are gone: `page` and `perPage` are ignored.
    let (status, body) = json_of(&app, &app.customer, &format!("{BASE}/tickets?page=2")).await;
    assert_eq!(status, 200);
    assert!(body.get("pagination").is_none(), "{body}");
}

#[actix_web::test]
async fn statuses_are_hostups_and_filter_as_such() {
    let app = spawn_app().await;
    let answered = open(&app, &app.customer, "Waiting on me", "billing").await;
    let done = open(&app, &app.customer, "Solved", "billing").await;
    let fresh = open(&app, &app.customer, "Fresh", "billing").await;
    assert_eq!(fresh["status"], "open");
    // Staff set the core's statuses through the native API (TopTickets' names).
    let native = |t: &Value| {
        attache::ids::Id::parse_prefixed("tkt", t["id"].as_str().unwrap())
            .unwrap()
            .to_string()
    };
    for (t, status) in [(&answered, "pending"), (&done, "resolved")] {
        let path = format!("/v1/tickets/{}", native(t));
        let res = app
            .patch_json(&app.agent, &path, json!({"status": status}))
            .await;
        assert_eq!(res.status(), 200);
    }
    let (_, detail) = json_of(
        &app,
        &app.customer,
        &format!("{BASE}/tickets/{}", answered["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        detail["status"], "answered",
        "the core's pending is HostUp's answered"
    );
    for (name, want) in [
        ("answered", vec!["Waiting on me"]),
        ("closed", vec!["Solved"]),
        ("open", vec!["Fresh"]),
        ("on_hold", vec![]),
    ] {
        let (status, page) = json_of(
            &app,
            &app.customer,
            &format!("{BASE}/tickets?status={name}"),
        )
        .await;
        assert_eq!(status, 200);
        let subjects: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects, want, "{name}");
    }
}

#[actix_web::test]
async fn a_ticket_and_its_detail_have_every_documented_field() {
    let app = spawn_app().await;
    let body = json!({
        "departmentSlug": "billing", "subject": "Invoice 42", "message": "Charged twice.",
        "priority": "high", "ccEmails": ["someone@example.com"],
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
    assert_eq!(ticket["ccEmails"], json!([]), "accepted, not kept");

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

    let (status, detail) = json_of(&app, &app.customer, &format!("{BASE}/tickets/{id}")).await;
    assert_eq!(status, 200);
    check_detail(&detail);
    assert_eq!(detail["messageCount"], 3);
    assert_eq!(detail["body"], "Charged twice.");
    assert_eq!(detail["lastMessageAt"], staff["sentAt"]);
    assert_eq!(detail["messages"][1]["id"], reply["id"]);
    assert_eq!(
        detail["attachments"][0]["id"],
        reply["attachments"][0]["id"]
    );
    let download = detail["attachments"][0]["downloadUrl"].as_str().unwrap();
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
    let critical = json!({"priority": "critical", "criticalReason": "Every site is down."});
    let (status, ticket) = create(&app, &app.customer, with(critical)).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["priority"], "critical");
    // The core keeps `critical`; TopTickets, which has no such priority, shows `urgent`.
    let native = attache::ids::Id::parse_prefixed("tkt", ticket["id"].as_str().unwrap()).unwrap();
    let (_, v1) = json_of(&app, &app.agent, &format!("/v1/tickets/{native}")).await;
    assert_eq!(v1["priority"], "urgent");
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

#[actix_web::test]
async fn missing_tickets_and_attachments_answer_hostups_codes() {
    let app = spawn_app().await;
    for id in [
        "tkt_01hxa3b4c5d6e7f8g9h0j1k2m3",
        "149943",
        "garbage",
        "+1",
        "-1",
    ] {
        let (status, body) = json_of(&app, &app.customer, &format!("{BASE}/tickets/{id}")).await;
        problem(status, &body, 404, "not_found");
    }
    let ticket = open(&app, &app.customer, "Files", "support").await;
    let t = ticket["id"].as_str().unwrap();
    // The path also takes the ticket's number, HostUp's "migration allowance"; not another's.
    let number = ticket["number"].as_str().unwrap();
    let (status, by_number) =
        json_of(&app, &app.customer, &format!("{BASE}/tickets/{number}")).await;
    assert_eq!((status, &by_number["id"]), (200, &ticket["id"]));
    let (status, body) = json_of(&app, &app.other, &format!("{BASE}/tickets/{number}")).await;
    problem(status, &body, 404, "not_found");
    let path = format!("{BASE}/attachments/tatt_01hxa3b4c5d6e7f8g9h0j1k2m3?ticketId={t}");
    let (status, body) = json_of(&app, &app.customer, &path).await;
    problem(status, &body, 404, "attachment_not_found");
    assert_eq!(body["title"], "Attachment not found");
    assert_eq!(
        body["detail"],
        "The requested attachment could not be found."
    );
    let path = format!("{BASE}/attachments/tatt_01hxa3b4c5d6e7f8g9h0j1k2m3");
    let (status, body) = json_of(&app, &app.customer, &path).await;
    assert_eq!(
        problem(status, &body, 400, "invalid_request"),
        ["?ticketId"]
    );
}

#[actix_web::test]
async fn a_429_carries_hostups_headers_with_an_iso_reset() {
    let app = spawn_with(|c| c.rate_limit_per_minute = 3).await;
    let mut limited = None;
    for _ in 0..20 {
        let res = app.get(&app.customer, &format!("{BASE}/tickets")).await;
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        let reset = res.headers()["x-ratelimit-reset"].to_str().unwrap();
        assert!(is_hostup_time(&json!(reset)), "{reset}");
    }
    let res = limited.expect("the limit was reached");
    let headers = res.headers().clone();
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let reset = headers["x-ratelimit-reset"].to_str().unwrap();
    assert!(is_hostup_time(&json!(reset)), "{reset}");
    let reset = attache::domain::Timestamp::parse(reset).unwrap();
    let now = attache::domain::now();
    assert!(reset > now && reset.unix() - now.unix() <= 61, "{reset}");
    let body: Value = res.json().await.unwrap();
    problem(429, &body, 429, "rate_limited");

    // The other dialects keep seconds.
    let mut seconds = None;
    for _ in 0..20 {
        let res = app.get(&app.customer, "/v1/tickets").await;
        if let Some(reset) = res.headers().get("x-ratelimit-reset") {
            seconds = Some(reset.to_str().unwrap().to_owned());
            break;
        }
    }
    assert!(seconds.unwrap().parse::<u64>().is_ok());
}
