//! HostUp's cursor pages as its documents describe them: the `nextCursor` loop over 253
//! tickets, `limit`, `cursor`, `status` and `departmentSlug`, the codes of missing tickets
//! and attachments, and a 429's headers with the ISO `X-RateLimit-Reset`.

mod common;

use std::collections::HashSet;

use common::hostup::*;
use common::{spawn_app, spawn_with};
use serde_json::{json, Value};

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
