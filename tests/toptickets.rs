//! The native `/v1` API as TopTickets' dialect, driven with plain HTTP as the TopTickets
//! documents show it (../shared/vendors/toptickets.md): every field in its JSON type, offset
//! paging on bare arrays, the list filters, deletion, comments and the error statuses and
//! `detail` strings.

mod common;

use attache::core::users;
use attache::domain::{Role, Scopes};
use attache::store::sql::params;
use common::{png, spawn_app, spawn_with, TestApp};
use serde_json::{json, Value};

/// The JSON type of each documented ticket field (`?` after a type: or null).
const TICKET_FIELDS: [(&str, &str); 17] = [
    ("id", "uuid"),
    ("ticket_number", "integer"),
    ("ticket_display_id", "string"),
    ("customer_id", "uuid"),
    ("subject", "string"),
    ("description", "string"),
    ("status", "string"),
    ("priority", "string"),
    ("category", "string"),
    ("assigned_user_id", "uuid?"),
    ("assigned_team_id", "uuid?"),
    ("due_date", "datetime?"),
    ("created_at", "datetime"),
    ("updated_at", "datetime"),
    ("resolved_at", "datetime?"),
    ("closed_at", "datetime?"),
    // tracking_token is left out: see docs/dialects.md.
    ("number", "integer"),
];

const COMMENT_FIELDS: [(&str, &str); 9] = [
    ("id", "uuid"),
    ("ticket_id", "uuid"),
    ("author_type", "string"),
    ("author_user_id", "uuid?"),
    ("author_customer_id", "uuid?"),
    ("content", "string"),
    ("is_internal", "boolean"),
    ("created_at", "datetime"),
    ("updated_at", "datetime"),
];

fn has_type(value: &Value, kind: &str) -> bool {
    let (kind, nullable) = match kind.strip_suffix('?') {
        Some(kind) => (kind, true),
        None => (kind, false),
    };
    if value.is_null() {
        return nullable;
    }
    match kind {
        "integer" => value.is_i64(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "uuid" => value
            .as_str()
            .is_some_and(|s| s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4),
        "datetime" => value
            .as_str()
            .is_some_and(|s| s.ends_with('Z') && time::OffsetDateTime::parse(s, &Rfc3339).is_ok()),
        _ => unreachable!("{kind}"),
    }
}

use time::format_description::well_known::Rfc3339;

fn assert_fields(object: &Value, fields: &[(&str, &str)]) {
    for (field, kind) in fields {
        assert!(
            object.get(*field).is_some() && has_type(&object[*field], kind),
            "{field} is not {kind} in {object}"
        );
    }
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// A problem document whose `detail` is a string, as TopTickets clients read it.
async fn problem(res: reqwest::Response, status: u16) -> Value {
    let body = json_of(res, status).await;
    assert!(body["detail"].is_string(), "{body}");
    assert_eq!(body["status"], status);
    body
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    json_of(app.post_json(key, "/v1/tickets", body).await, 201).await
}

async fn list(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let body = json_of(app.get(key, &format!("/v1/tickets{query}")).await, 200).await;
    body.as_array().expect("a bare array").clone()
}

fn ids(list: &[Value]) -> Vec<&str> {
    list.iter().map(|t| t["id"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn a_ticket_has_every_documented_field_in_its_type() {
    let app = spawn_app().await;
    let ticket = create(
        &app,
        &app.customer,
        json!({"subject": "VPN down", "description": "Since 9:00.", "priority": "high",
               "category": "Technical", "due_date": "2025-01-15T10:30:00Z"}),
    )
    .await;
    assert_fields(&ticket, &TICKET_FIELDS);
    let number = ticket["ticket_number"].as_i64().unwrap();
    assert_eq!(ticket["ticket_display_id"], format!("TKT-{number}"));
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["priority"], "high");
    assert_eq!(ticket["category"], "Technical");
    assert_eq!(ticket["description"], "Since 9:00.");
    assert_eq!(ticket["due_date"], "2025-01-15T10:30:00.000Z");
    assert!(ticket["resolved_at"].is_null() && ticket["closed_at"].is_null());
    assert!(ticket["assigned_user_id"].is_null() && ticket["assigned_team_id"].is_null());
    let me = json_of(app.get(&app.customer, "/v1/me").await, 200).await;
    assert_eq!(ticket["customer_id"], me["user"]["id"]);

    let id = ticket["id"].as_str().unwrap();
    let read = json_of(app.get(&app.agent, &format!("/v1/tickets/{id}")).await, 200).await;
    assert_eq!(read, ticket);
    let listed = list(&app, &app.agent, "").await;
    assert_eq!(listed, std::slice::from_ref(&ticket));

    // Defaults: no description is an empty one, no priority is `medium`, no category "".
    let bare = create(&app, &app.customer, json!({"subject": "Bare"})).await;
    assert_fields(&bare, &TICKET_FIELDS);
    assert_eq!(
        (&bare["description"], &bare["priority"], &bare["category"]),
        (&json!(""), &json!("medium"), &json!(""))
    );
    assert_eq!(bare["ticket_number"], number + 1);
}

#[actix_web::test]
async fn every_status_reads_back_and_sets_resolved_at_and_closed_at() {
    let app = spawn_app().await;
    let ticket = create(&app, &app.customer, json!({"subject": "Mail"})).await;
    let path = format!("/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let set = |status: &'static str| {
        let (app, path) = (&app, &path);
        async move {
            let res = app
                .patch_json(&app.agent, path, json!({"status": status}))
                .await;
            let changed = json_of(res, 200).await;
            assert_fields(&changed, &TICKET_FIELDS);
            assert_eq!(changed["status"], status);
            changed
        }
    };
    for status in ["open", "pending", "new"] {
        let t = set(status).await;
        assert!(
            t["resolved_at"].is_null() && t["closed_at"].is_null(),
            "{t}"
        );
    }
    let resolved = set("resolved").await;
    assert!(resolved["resolved_at"].is_string() && resolved["closed_at"].is_null());
    let closed = set("closed").await;
    assert_eq!(closed["resolved_at"], resolved["resolved_at"], "kept");
    assert!(closed["closed_at"].is_string());
    let again = set("closed").await;
    assert_eq!(
        again["closed_at"], closed["closed_at"],
        "closing twice keeps the time"
    );
    let reopened = set("open").await;
    assert!(reopened["resolved_at"].is_null() && reopened["closed_at"].is_null());

    // The other writable fields, and null clearing the nullable ones.
    let res = app
        .patch_json(
            &app.agent,
            &path,
            json!({"priority": "urgent", "category": "Billing", "due_date": "2030-01-01T00:00:00Z",
                   "subject": "Mail (MX)"}),
        )
        .await;
    let changed = json_of(res, 200).await;
    assert_eq!(
        (
            &changed["priority"],
            &changed["category"],
            &changed["subject"]
        ),
        (&json!("urgent"), &json!("Billing"), &json!("Mail (MX)"))
    );
    assert_eq!(changed["due_date"], "2030-01-01T00:00:00.000Z");
    let res = app
        .patch_json(
            &app.agent,
            &path,
            json!({"due_date": null, "category": null}),
        )
        .await;
    let cleared = json_of(res, 200).await;
    assert!(cleared["due_date"].is_null());
    assert_eq!(cleared["category"], "");
    assert_eq!(cleared["priority"], "urgent", "untouched");
}

#[actix_web::test]
async fn the_documented_fetch_all_loop_sees_each_of_260_tickets_once() {
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 0).await;
    let mut made = Vec::new();
    for i in 0..260 {
        let t = create(&app, &app.agent, json!({"subject": format!("T{i}")})).await;
        made.push(t["id"].as_str().unwrap().to_owned());
    }
    // The docs' loop: stop on an empty page or one shorter than `limit`.
    let (mut seen, mut offset, mut pages) = (Vec::new(), 0, 0);
    loop {
        let page = list(&app, &app.agent, &format!("?offset={offset}&limit=100")).await;
        pages += 1;
        assert!(page.len() <= 100);
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        if page.len() < 100 {
            break;
        }
        offset += 100;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 260);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 260, "no ticket twice");
    made.sort();
    assert_eq!(unique, made, "every ticket");

    // attache's `Link` (which TopTickets clients ignore) follows the same offsets.
    let res = app
        .get(&app.agent, "/v1/tickets?limit=100&offset=200")
        .await;
    assert!(
        res.headers().get("link").is_none(),
        "the last page has no next"
    );
    let res = app
        .get(&app.agent, "/v1/tickets?search=T&offset=100&limit=100")
        .await;
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.ends_with("/v1/tickets?search=T&limit=100&offset=200>; rel=\"next\""),
        "{link}"
    );

    // Defaults and bounds: 100 per page, at most 500; more is FastAPI's 422.
    assert_eq!(list(&app, &app.agent, "").await.len(), 100);
    assert_eq!(list(&app, &app.agent, "?limit=500").await.len(), 260);
    assert_eq!(list(&app, &app.agent, "?offset=250").await.len(), 10);
    assert!(list(&app, &app.agent, "?offset=260").await.is_empty());
    for bad in ["?limit=501", "?limit=0", "?offset=-1", "?limit=abc"] {
        let res = app.get(&app.agent, &format!("/v1/tickets{bad}")).await;
        problem(res, 422).await;
    }
}

#[actix_web::test]
async fn the_documented_filters_narrow_the_list() {
    let app = spawn_app().await;
    let a = create(
        &app,
        &app.customer,
        json!({"subject": "Printer jam", "priority": "high", "category": "Hardware"}),
    )
    .await;
    let b = create(
        &app,
        &app.customer,
        json!({"subject": "VPN down", "category": "Network"}),
    )
    .await;
    let c = create(
        &app,
        &app.other,
        json!({"subject": "Password reset", "priority": "low"}),
    )
    .await;
    let path = format!("/v1/tickets/{}", b["id"].as_str().unwrap());
    json_of(
        app.patch_json(&app.agent, &path, json!({"status": "resolved"}))
            .await,
        200,
    )
    .await;
    let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
    let customer = a["customer_id"].as_str().unwrap();
    let number = c["ticket_number"].as_i64().unwrap();
    let cases: Vec<(String, Vec<String>)> = vec![
        ("?status=new".into(), vec![id(&c), id(&a)]),
        ("?status=resolved".into(), vec![id(&b)]),
        ("?status=closed".into(), vec![]),
        ("?priority=high".into(), vec![id(&a)]),
        ("?priority=medium".into(), vec![id(&b)]),
        (format!("?customer_id={customer}"), vec![id(&b), id(&a)]),
        ("?category=Network".into(), vec![id(&b)]),
        ("?search=printer".into(), vec![id(&a)]),
        (format!("?search=TKT-{number}"), vec![id(&c)]),
        ("?unassigned=true".into(), vec![id(&c), id(&b), id(&a)]),
        ("?unassigned=false".into(), vec![]),
        (format!("?assigned_user_id={customer}"), vec![]),
        (format!("?assigned_team_id={customer}"), vec![]),
        ("?status=new&priority=low&limit=1".into(), vec![id(&c)]),
    ];
    for (query, expected) in cases {
        let got = list(&app, &app.agent, &query).await;
        assert_eq!(ids(&got), expected, "{query}");
    }
    // A customer sees only their own, whatever the filter names.
    let other = format!("?customer_id={}", c["customer_id"].as_str().unwrap());
    assert!(list(&app, &app.customer, &other).await.is_empty());
    for bad in [
        "?status=archived",
        "?priority=critical",
        "?customer_id=nope",
    ] {
        problem(app.get(&app.agent, &format!("/v1/tickets{bad}")).await, 422).await;
    }
}

#[actix_web::test]
async fn a_body_that_fails_validation_is_422_and_a_bad_priority_400_as_documented() {
    let app = spawn_app().await;
    for (body, pointer) in [
        (json!({"subject": ""}), "/subject"),
        (json!({"description": "no subject"}), "/subject"),
        (json!({"subject": "x", "status": "archived"}), "/status"),
        (json!({"subject": "x", "due_date": "tomorrow"}), "/due_date"),
    ] {
        let res = app
            .post_json(&app.customer, "/v1/tickets", body.clone())
            .await;
        let doc = problem(res, 422).await;
        assert_eq!(doc["errors"][0]["pointer"], pointer, "{body}: {doc}");
    }
    let res = app
        .post_json(
            &app.customer,
            "/v1/tickets",
            json!({"subject": "x", "priority": "critical"}),
        )
        .await;
    let doc = problem(res, 400).await;
    assert_eq!(doc["errors"][0]["pointer"], "/priority");
    assert!(
        doc["detail"].as_str().unwrap().contains(
            "value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'"
        ),
        "{doc}"
    );
    let ticket = create(&app, &app.customer, json!({"subject": "x"})).await;
    let path = format!("/v1/tickets/{}", ticket["id"].as_str().unwrap());
    problem(
        app.patch_json(&app.agent, &path, json!({"priority": "p1"}))
            .await,
        400,
    )
    .await;
    problem(
        app.patch_json(&app.agent, &path, json!({"subject": "  "}))
            .await,
        422,
    )
    .await;
    problem(app.patch_json(&app.agent, &path, json!({})).await, 422).await;
    // Opening a ticket for someone else is not something attache does.
    let other = json_of(app.get(&app.other, "/v1/me").await, 200).await;
    let res = app
        .post_json(
            &app.customer,
            "/v1/tickets",
            json!({"subject": "x", "customer_id": other["user"]["id"]}),
        )
        .await;
    problem(res, 422).await;
}

#[actix_web::test]
async fn errors_say_what_toptickets_says() {
    let app = spawn_app().await;
    let res = app.get("tt_admin_not_a_key", "/v1/tickets").await;
    assert_eq!(problem(res, 401).await["detail"], "Invalid API key");
    let res = app.client.get(app.url("/v1/tickets")).send().await.unwrap();
    assert_eq!(problem(res, 401).await["detail"], "Not authenticated");
    let res = app.get(&app.agent, "/v1/customers").await;
    assert_eq!(problem(res, 404).await["detail"], "Not Found");
    let missing = attache::ids::Id::new().to_string();
    let res = app.get(&app.agent, &format!("/v1/tickets/{missing}")).await;
    assert_eq!(problem(res, 404).await["detail"], "Ticket not found");
    let ticket = create(&app, &app.customer, json!({"subject": "Mine"})).await;
    let id = ticket["id"].as_str().unwrap();
    let res = app.get(&app.other, &format!("/v1/tickets/{id}")).await;
    assert_eq!(
        problem(res, 404).await["detail"],
        "Ticket not found",
        "not visible"
    );
    let res = app
        .get(&app.agent, &format!("/v1/tickets/{id}/comments/{missing}"))
        .await;
    assert_eq!(problem(res, 404).await["detail"], "Comment not found");
    let res = app
        .get(
            &app.agent,
            &format!("/v1/tickets/{id}/attachments/{missing}"),
        )
        .await;
    assert_eq!(problem(res, 404).await["detail"], "Attachment not found");
    let reader = key(&app, "rita", Role::Agent, &["tickets:read"]);
    let res = app
        .post_json(&reader, "/v1/tickets", json!({"subject": "No"}))
        .await;
    assert_eq!(
        problem(res, 403).await["detail"],
        "Insufficient permissions. Required scope: tickets:write"
    );

    let limited = spawn_with(|c| c.rate_limit_per_minute = 1).await;
    let mut last = None;
    for _ in 0..5 {
        let res = limited.get(&limited.agent, "/v1/tickets").await;
        if res.status() == 429 {
            last = Some(res);
            break;
        }
    }
    let res = last.expect("the limit is reached");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let doc = problem(res, 429).await;
    assert_eq!(
        doc["detail"],
        format!("Rate limit exceeded. Try again in {retry} seconds.")
    );
}

fn key(app: &TestApp, name: &str, role: Role, scopes: &[&str]) -> String {
    let scopes = Scopes::parse(scopes.iter().copied()).unwrap();
    users::create_key(&app.core.db, name, role, Some(scopes), "")
        .unwrap()
        .secret
}

#[actix_web::test]
async fn deleting_a_ticket_takes_its_comments_and_files_but_not_files_others_name() {
    let app = spawn_app().await;
    let doomed = create(
        &app,
        &app.customer,
        json!({"subject": "Doomed", "description": "x"}),
    )
    .await;
    let kept = create(&app, &app.customer, json!({"subject": "Kept"})).await;
    let (doomed, kept) = (doomed["id"].as_str().unwrap(), kept["id"].as_str().unwrap());
    app.upload_ok(&app.customer, doomed, "own.png", png("own"))
        .await;
    app.upload_ok(&app.customer, doomed, "shared.png", png("shared"))
        .await;
    app.upload_ok(&app.customer, kept, "shared.png", png("shared"))
        .await;
    let comment = app
        .post_json(
            &app.agent,
            &format!("/v1/tickets/{doomed}/comments"),
            json!({"content": "On it"}),
        )
        .await;
    json_of(comment, 201).await;
    assert_eq!(app.blob_files().len(), 2);

    let path = format!("/v1/tickets/{doomed}");
    let res = app.delete(&app.customer, &path).await;
    let doc = problem(res, 403).await;
    assert_eq!(doc["detail"], "Only agents and admins delete tickets.");
    let writer = key(&app, "wes", Role::Agent, &["tickets:read", "tickets:write"]);
    let doc = problem(app.delete(&writer, &path).await, 403).await;
    assert_eq!(
        doc["detail"],
        "Insufficient permissions. Required scope: tickets:delete"
    );

    let res = app.delete(&app.agent, &path).await;
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.unwrap().is_empty());
    problem(app.get(&app.agent, &path).await, 404).await;
    problem(app.get(&app.agent, &format!("{path}/comments")).await, 404).await;
    problem(app.delete(&app.agent, &path).await, 404).await;
    assert_eq!(
        app.blob_files().len(),
        1,
        "the shared file stays, the other goes"
    );
    let files = json_of(
        app.get(&app.customer, &format!("/v1/tickets/{kept}/attachments"))
            .await,
        200,
    )
    .await;
    let file = &files[0];
    let url = app
        .signed_url(&app.customer, kept, file["id"].as_str().unwrap(), false)
        .await;
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        png("shared").as_slice()
    );
    let (messages, attachments): (i64, i64) = app
        .core
        .db
        .run(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM attachments)",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        (messages, attachments),
        (0, 1),
        "only the kept ticket's file is left"
    );
}

#[actix_web::test]
async fn comments_are_toptickets_comments_and_internal_notes_stay_internal() {
    let app = spawn_app().await;
    let ticket = create(
        &app,
        &app.customer,
        json!({"subject": "Help", "description": "Opening"}),
    )
    .await;
    let path = format!("/v1/tickets/{}/comments", ticket["id"].as_str().unwrap());
    let public = json_of(
        app.post_json(&app.agent, &path, json!({"content": "Looking"}))
            .await,
        201,
    )
    .await;
    assert_fields(&public, &COMMENT_FIELDS);
    assert_eq!(
        (
            &public["author_type"],
            &public["is_internal"],
            &public["content"]
        ),
        (&json!("AGENT"), &json!(false), &json!("Looking"))
    );
    assert!(public["author_user_id"].is_string() && public["author_customer_id"].is_null());
    let note = json_of(
        app.post_json(
            &app.agent,
            &path,
            json!({"content": "Flaky user", "is_internal": true}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(note["is_internal"], true);
    let reply = json_of(
        app.post_json(&app.customer, &path, json!({"content": "Thanks"}))
            .await,
        201,
    )
    .await;
    assert_fields(&reply, &COMMENT_FIELDS);
    assert_eq!(reply["author_type"], "CUSTOMER");
    assert_eq!(reply["author_customer_id"], ticket["customer_id"]);
    assert!(reply["author_user_id"].is_null());

    // The opening message is the description, not a comment; the customer sees no note.
    let all = json_of(app.get(&app.agent, &path).await, 200).await;
    let contents: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["Looking", "Flaky user", "Thanks"]);
    let theirs = json_of(app.get(&app.customer, &path).await, 200).await;
    assert_eq!(
        ids(theirs.as_array().unwrap()),
        [
            public["id"].as_str().unwrap(),
            reply["id"].as_str().unwrap()
        ]
    );
    let page = json_of(
        app.get(&app.agent, &format!("{path}?offset=1&limit=1"))
            .await,
        200,
    )
    .await;
    assert_eq!(page[0]["id"], note["id"]);
    problem(app.get(&app.agent, &format!("{path}?limit=501")).await, 422).await;

    let note_path = format!("{path}/{}", note["id"].as_str().unwrap());
    assert_eq!(
        json_of(app.get(&app.agent, &note_path).await, 200).await,
        note
    );
    let doc = problem(app.get(&app.customer, &note_path).await, 404).await;
    assert_eq!(doc["detail"], "Comment not found");

    let res = app
        .patch_json(
            &app.agent,
            &note_path,
            json!({"content": "Fine user", "is_internal": false}),
        )
        .await;
    let edited = json_of(res, 200).await;
    assert_fields(&edited, &COMMENT_FIELDS);
    assert_eq!(
        (&edited["content"], &edited["is_internal"]),
        (&json!("Fine user"), &json!(false))
    );
    assert!(edited["updated_at"].as_str() >= note["updated_at"].as_str());
    assert_eq!(
        json_of(app.get(&app.customer, &note_path).await, 200).await,
        edited
    );
    let reply_path = format!("{path}/{}", reply["id"].as_str().unwrap());
    problem(
        app.patch_json(&app.customer, &reply_path, json!({"content": "x"}))
            .await,
        403,
    )
    .await;
    problem(
        app.patch_json(&app.agent, &note_path, json!({"content": ""}))
            .await,
        422,
    )
    .await;
    problem(app.post_json(&app.agent, &path, json!({})).await, 422).await;

    problem(app.delete(&app.customer, &note_path).await, 403).await;
    assert_eq!(app.delete(&app.agent, &note_path).await.status(), 204);
    problem(app.get(&app.agent, &note_path).await, 404).await;
    // A comment is found only under its own ticket.
    let elsewhere = create(&app, &app.customer, json!({"subject": "Other"})).await;
    let wrong = format!(
        "/v1/tickets/{}/comments/{}",
        elsewhere["id"].as_str().unwrap(),
        reply["id"].as_str().unwrap()
    );
    problem(app.get(&app.agent, &wrong).await, 404).await;
}

#[actix_web::test]
async fn attachment_lists_are_bare_arrays_paged_by_offset() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "Files").await;
    for i in 0..3 {
        app.upload_ok(
            &app.customer,
            &ticket,
            &format!("{i}.png"),
            png(&i.to_string()),
        )
        .await;
    }
    let path = format!("/v1/tickets/{ticket}/attachments");
    let all = json_of(app.get(&app.customer, &path).await, 200).await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    for item in all.as_array().unwrap() {
        assert_fields(
            item,
            &[
                ("id", "uuid"),
                ("ticket_id", "uuid"),
                ("filename", "string"),
                ("content_type", "string"),
                ("size_bytes", "integer"),
                ("uploaded_by_user_id", "uuid"),
                ("created_at", "datetime"),
            ],
        );
    }
    let page = json_of(
        app.get(&app.customer, &format!("{path}?offset=1&limit=1"))
            .await,
        200,
    )
    .await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["id"], all[1]["id"]);
    problem(
        app.get(&app.customer, &format!("{path}?limit=501")).await,
        422,
    )
    .await;
}

/// The table of src/domain/status.rs and docs/dialects.md: each core status, as TopTickets,
/// HostUp, Waldur (with its `resolved`) and Huawei OSM show it.
#[actix_web::test]
async fn each_core_status_reads_in_every_dialect_as_the_table_says() {
    use attache::core::tickets::{self, Change};
    use attache::domain::Status;
    let app = spawn_app().await;
    let ticket = create(&app, &app.customer, json!({"subject": "Everywhere"})).await;
    let id = attache::ids::Id::parse_uuid(ticket["id"].as_str().unwrap()).unwrap();
    let agent = users::authenticate(&app.core, &app.agent).await.unwrap();
    let table = [
        (Status::New, "new", "open", "new", 0),
        (Status::Open, "open", "open", "open", 0),
        (Status::InProgress, "open", "in_progress", "in_progress", 1),
        (
            Status::CustomerReply,
            "open",
            "customer_reply",
            "customer_reply",
            1,
        ),
        (Status::Pending, "pending", "answered", "pending", 17),
        (Status::OnHold, "pending", "on_hold", "on_hold", 5),
        (Status::Resolved, "resolved", "closed", "resolved", 2),
        (Status::Closed, "closed", "closed", "closed", 3),
    ];
    for (core, toptickets, hostup, waldur, osm) in table {
        let change = Change {
            status: Some(core),
            ..Default::default()
        };
        tickets::update(&app.core, &agent, id, change)
            .await
            .unwrap();
        let native = json_of(
            app.get(&app.customer, &format!("/v1/tickets/{id}")).await,
            200,
        )
        .await;
        assert_eq!(native["status"], toptickets, "{core:?}");
        let filtered = list(&app, &app.customer, &format!("?status={toptickets}")).await;
        assert_eq!(
            ids(&filtered),
            [id.to_string()],
            "{core:?}: the filter finds it"
        );
        let path = format!("/api/v2/support/tickets/{}", id.prefixed("tkt"));
        let detail = json_of(app.get(&app.customer, &path).await, 200).await;
        assert_eq!(detail["status"], hostup, "{core:?}");
        let path = format!("/api/v2/support/tickets?status={hostup}");
        let page = json_of(app.get(&app.customer, &path).await, 200).await;
        assert_eq!(
            page["data"][0]["id"],
            id.prefixed("tkt"),
            "{core:?}: HostUp's filter"
        );
        let issue: Value = app
            .client
            .get(app.url(&format!("/api/support-issues/{}/", id.hex())))
            .header("Authorization", format!("Token {}", app.customer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(issue["status"], waldur, "{core:?}");
        let done = matches!(core, Status::Resolved | Status::Closed);
        assert_eq!(
            issue["resolved"],
            if done { json!(true) } else { Value::Null }
        );
        let case: Value = app
            .client
            .get(app.url(&format!("/v2/servicerequest/cases/{id}")))
            .header("X-Auth-Token", &app.customer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(case["incident_detail_info"]["status"], osm, "{core:?}");
    }
}

/// A key that may write tickets but not read them still gets the ticket it opened or
/// changed, description included (the core reads it for the caller who sees it).
#[actix_web::test]
async fn a_write_only_key_gets_what_it_wrote() {
    let app = spawn_app().await;
    let writer = key(&app, "wanda", Role::Customer, &["tickets:write"]);
    let ticket = create(
        &app,
        &writer,
        json!({"subject": "Blind", "description": "Hello"}),
    )
    .await;
    assert_eq!(ticket["description"], "Hello");
    let path = format!("/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let changed = json_of(
        app.patch_json(&writer, &path, json!({"subject": "Still blind"}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (&changed["subject"], &changed["description"]),
        (&json!("Still blind"), &json!("Hello"))
    );
    let doc = problem(app.get(&writer, &path).await, 403).await;
    assert_eq!(
        doc["detail"],
        "Insufficient permissions. Required scope: tickets:read"
    );
}
