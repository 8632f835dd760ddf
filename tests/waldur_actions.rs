//! Waldur's issue actions over real HTTP: `set_status` and `bulk_update` with their refusals,
//! `sync`, `escalate`, and the refused `attach_resource`, `route_to_provider` and `reroute`, each with
//! Waldur's permissions (staff and support only: 403 for customers, before any lookup). The
//! lookups are in tests/waldur_lookups.rs.

mod common;

use common::waldur::{call, issue};
use common::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const NOBODY: &str = "0123456789abcdef0123456789abcdef";

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = call(app, key, Method::POST, path, Some(body)).await;
    (status, body)
}

fn issue_path(issue: &Value) -> String {
    format!("/api/support-issues/{}/", issue["uuid"].as_str().unwrap())
}

fn action(issue: &Value, name: &str) -> String {
    format!("{}{name}/", issue_path(issue))
}

fn forbidden() -> Value {
    json!({"detail": "You do not have permission to perform this action."})
}

#[actix_web::test]
async fn set_status_moves_an_issue_to_one_of_its_available_statuses() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "Printer on fire"})).await;
    assert_eq!(
        a["available_statuses"],
        json!([]),
        "customers set no status"
    );
    let (_, _, seen) = call(&app, &app.agent, Method::GET, &issue_path(&a), None).await;
    assert_eq!(
        seen["available_statuses"],
        json!([
            "closed",
            "customer_reply",
            "in_progress",
            "new",
            "on_hold",
            "pending",
            "resolved"
        ])
    );

    let (status, moved) = post(
        &app,
        &app.agent,
        &action(&a, "set_status"),
        json!({"status": "in_progress"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (&moved["uuid"], &moved["status"]),
        (&a["uuid"], &json!("in_progress"))
    );
    assert_eq!(moved["resolved"], Value::Null);
    assert!(!moved["available_statuses"]
        .as_array()
        .unwrap()
        .contains(&json!("in_progress")));
    assert!(moved["available_statuses"]
        .as_array()
        .unwrap()
        .contains(&json!("open")));

    let (status, done) = post(
        &app,
        &app.admin,
        &action(&a, "set_status"),
        json!({"status": "resolved"}),
    )
    .await;
    assert_eq!(
        (status, &done["status"], &done["resolved"]),
        (200, &json!("resolved"), &json!(true))
    );
    // The customer reads the new status too.
    let (_, _, theirs) = call(&app, &app.customer, Method::GET, &issue_path(&a), None).await;
    assert_eq!(theirs["status"], "resolved");
}

#[actix_web::test]
async fn set_status_refuses_as_waldur_does() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "x"})).await;
    // Customers: 403 before any lookup, so an issue that does not exist is 403 too.
    for path in [
        action(&a, "set_status"),
        format!("/api/support-issues/{NOBODY}/set_status/"),
    ] {
        let (status, body) = post(&app, &app.customer, &path, json!({"status": "closed"})).await;
        assert_eq!((status, body), (403, forbidden()));
    }
    let (status, body) = post(
        &app,
        &app.agent,
        &format!("/api/support-issues/{NOBODY}/set_status/"),
        json!({"status": "closed"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "No Issue matches the given query."}))
    );
    let path = action(&a, "set_status");
    for (sent, field_error) in [
        (json!({}), "This field is required."),
        (json!({"status": null}), "This field may not be null."),
        (json!({"status": "  "}), "This field may not be blank."),
        (json!({"status": ["open"]}), "Not a valid string."),
    ] {
        let (status, body) = post(&app, &app.agent, &path, sent.clone()).await;
        assert_eq!(
            (status, body),
            (400, json!({"status": [field_error]})),
            "{sent}"
        );
    }
    // A status it has, or one attache does not know, names the ones it can move to.
    for name in ["open", "Done", "OPEN"] {
        let (status, body) = post(&app, &app.agent, &path, json!({"status": name})).await;
        assert_eq!(status, 400, "{name}");
        let message = body["status"][0].as_str().unwrap();
        assert!(
            message
                .contains("closed, customer_reply, in_progress, new, on_hold, pending, resolved"),
            "{message}"
        );
    }
    let (status, body) = post(&app, &app.agent, &path, json!(["closed"])).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["non_field_errors"].is_array(), "{body}");
    let (_, _, still) = call(&app, &app.agent, Method::GET, &issue_path(&a), None).await;
    assert_eq!(still["status"], "open");
}

#[actix_web::test]
async fn sync_answers_nothing_to_staff_and_403_to_customers() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "x"})).await;
    let res = app
        .client
        .post(app.url(&action(&a, "sync")))
        .header("Authorization", format!("Token {}", app.agent))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.bytes().await.unwrap().is_empty());
    let (status, body) = post(&app, &app.customer, &action(&a, "sync"), json!({})).await;
    assert_eq!((status, body), (403, forbidden()));
    let (status, _) = post(
        &app,
        &app.agent,
        &format!("/api/support-issues/{NOBODY}/sync/"),
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn escalate_records_when_and_why_once() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "Outage"})).await;
    let b = issue(&app, &app.customer, json!({"summary": "Quiet"})).await;
    let escalation =
        |i: &Value| json!([i["is_escalated"], i["escalated_at"], i["escalation_reason"]]);
    assert_eq!(escalation(&a), json!([false, null, ""]));
    let path = action(&a, "escalate");
    let res = app
        .client
        .post(app.url(&path))
        .header("Authorization", format!("Token {}", app.agent))
        .json(&json!({"reason": "  Every customer is down  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.bytes().await.unwrap().is_empty());
    // Everyone who sees the issue reads when and why; the customer too.
    let (_, _, seen) = call(&app, &app.customer, Method::GET, &issue_path(&a), None).await;
    assert_eq!(seen["is_escalated"], true);
    assert_eq!(seen["escalation_reason"], "Every customer is down");
    let at = seen["escalated_at"].as_str().unwrap();
    assert!(
        at.ends_with('Z')
            && at <= seen["modified"].as_str().unwrap()
            && at >= seen["created"].as_str().unwrap(),
        "{seen}"
    );
    // Once: a second escalation is refused and keeps the first.
    let (status, body) = post(&app, &app.admin, &path, json!({"reason": "again"})).await;
    assert_eq!(
        (status, body),
        (400, json!({"detail": "Issue is already escalated."}))
    );
    let (_, _, again) = call(&app, &app.agent, Method::GET, &issue_path(&a), None).await;
    assert_eq!(escalation(&again), escalation(&seen));
    // The list filters on it.
    for (value, expected) in [("true", &a), ("false", &b)] {
        let list = format!("/api/support-issues/?is_escalated={value}");
        let (status, _, found) = call(&app, &app.agent, Method::GET, &list, None).await;
        assert_eq!(status, 200);
        let uuids: Vec<&Value> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["uuid"])
            .collect();
        assert_eq!(uuids, [&expected["uuid"]], "is_escalated={value}");
    }
}

#[actix_web::test]
async fn escalate_refuses_as_waldur_does() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "x"})).await;
    let reason = json!({"reason": "urgent"});
    // Customers: 403 before any lookup, as every staff action.
    for path in [
        action(&a, "escalate"),
        format!("/api/support-issues/{NOBODY}/escalate/"),
    ] {
        let (status, body) = post(&app, &app.customer, &path, reason.clone()).await;
        assert_eq!((status, body), (403, forbidden()));
    }
    let unknown = format!("/api/support-issues/{NOBODY}/escalate/");
    let (status, body) = post(&app, &app.agent, &unknown, reason.clone()).await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "No Issue matches the given query."}))
    );
    let path = action(&a, "escalate");
    for (sent, field_error) in [
        (json!({}), "This field is required."),
        (json!({"reason": null}), "This field may not be null."),
        (json!({"reason": " "}), "This field may not be blank."),
        (json!({"reason": ["x"]}), "Not a valid string."),
    ] {
        let (status, body) = post(&app, &app.agent, &path, sent.clone()).await;
        assert_eq!(
            (status, body),
            (400, json!({"reason": [field_error]})),
            "{sent}"
        );
    }
    // attache's bound on a message holds for a reason too.
    let too_long = "x".repeat(64 * 1024 + 1);
    let (status, body) = post(&app, &app.agent, &path, json!({"reason": too_long})).await;
    assert_eq!(
        (status, body),
        (400, json!({"reason": ["At most 65536 bytes."]}))
    );
    let (_, _, seen) = call(&app, &app.agent, Method::GET, &issue_path(&a), None).await;
    assert_eq!(seen["is_escalated"], false, "nothing refused escalates");
}

#[actix_web::test]
async fn resources_and_provider_routing_are_refused_for_want_of_them() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "x"})).await;
    for name in ["attach_resource", "route_to_provider", "reroute"] {
        let (status, body) = post(&app, &app.customer, &action(&a, name), json!({})).await;
        assert_eq!((status, body), (403, forbidden()), "{name}");
        let (status, _) = post(
            &app,
            &app.agent,
            &format!("/api/support-issues/{NOBODY}/{name}/"),
            json!({}),
        )
        .await;
        assert_eq!(status, 404, "{name}");
    }
    let resource = json!({"resource": "https://waldur.example.com/api/marketplace-resources/0123456789abcdef0123456789abcdef/"});
    let (status, body) = post(&app, &app.agent, &action(&a, "attach_resource"), resource).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"resource": ["Invalid hyperlink - Object does not exist."]})
        )
    );
    let (status, body) = post(&app, &app.agent, &action(&a, "attach_resource"), json!({})).await;
    assert_eq!(
        (status, body),
        (400, json!({"resource": ["This field is required."]}))
    );
    let helpdesk = json!({"provider_helpdesk": NOBODY});
    let (status, body) = post(
        &app,
        &app.agent,
        &action(&a, "route_to_provider"),
        helpdesk.clone(),
    )
    .await;
    let expected = format!("Object with uuid={NOBODY} does not exist.");
    assert_eq!(
        (status, body),
        (400, json!({"provider_helpdesk": [expected]}))
    );
    let (status, body) = post(&app, &app.agent, &action(&a, "reroute"), helpdesk).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"detail": "Issue is not routed to a provider yet."})
        )
    );
}

#[actix_web::test]
async fn bulk_update_changes_every_issue_named_or_none() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "a"})).await;
    let b = issue(&app, &app.other, json!({"summary": "b"})).await;
    let path = "/api/support-issues/bulk_update/";
    let both = json!([a["uuid"], b["uuid"], a["uuid"], NOBODY]);
    let (status, body) = post(&app, &app.customer, path, json!({"issue_uuids": both})).await;
    assert_eq!((status, body), (403, forbidden()));

    let (status, body) = post(
        &app,
        &app.agent,
        path,
        json!({"issue_uuids": both, "status": "pending", "priority": "high"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"updated_count": 2})));
    for x in [&a, &b] {
        let (_, _, now) = call(&app, &app.agent, Method::GET, &issue_path(x), None).await;
        assert_eq!(
            (&now["status"], &now["priority"]),
            (&json!("pending"), &json!("high"))
        );
    }
    // `a` moves on alone; then `pending` suits `b` but not `a`, and neither changes.
    post(
        &app,
        &app.agent,
        &action(&a, "set_status"),
        json!({"status": "open"}),
    )
    .await;
    let (status, body) = post(
        &app,
        &app.agent,
        path,
        json!({"issue_uuids": both, "status": "pending", "priority": "low"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.as_array().unwrap()[0]
            .as_str()
            .unwrap()
            .contains("\"pending\" to \"pending\""),
        "{body}"
    );
    let (_, _, now) = call(&app, &app.agent, Method::GET, &issue_path(&a), None).await;
    assert_eq!(
        (&now["status"], &now["priority"]),
        (&json!("open"), &json!("high"))
    );

    let (status, body) = post(&app, &app.agent, path, json!({"issue_uuids": [NOBODY]})).await;
    assert_eq!(
        (status, body),
        (400, json!(["No issues found with the given UUIDs."]))
    );
    let (status, body) = post(
        &app,
        &app.agent,
        path,
        json!({"issue_uuids": ["nope"], "assignee": NOBODY}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["issue_uuids"], json!(["Must be a valid UUID."]));
    assert!(body["assignee"].is_array(), "{body}");
    let (status, body) = post(&app, &app.agent, path, json!({})).await;
    assert_eq!(
        (status, body),
        (400, json!({"issue_uuids": ["This field is required."]}))
    );
}
