//! What each caller may see and do, as the core works it out once (SPEC §3): the same answer in
//! `/v1/me`, in the UI's session and in every dialect's listings.

mod common;

use attache::core::users;
use attache::domain::{Role, Scopes};
use common::{png, spawn_app, TestApp};
use serde_json::{json, Value};

fn key(app: &TestApp, name: &str, role: Role, scopes: &[&str]) -> String {
    let scopes = Scopes::parse(scopes.iter().copied()).unwrap();
    users::create_key(&app.core.db, name, role, Some(scopes), "")
        .unwrap()
        .secret
}

async fn access(app: &TestApp, key: &str) -> Value {
    let res = app.get(key, "/v1/me").await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["access"].clone()
}

#[actix_web::test]
async fn me_reports_exactly_what_a_scoped_key_may_do_and_admin_implies_no_other_scope() {
    let app = spawn_app().await;
    let admin_only = key(&app, "ada", Role::Admin, &["admin"]);
    assert_eq!(
        access(&app, &admin_only).await,
        json!({"tickets": "all", "may": {
            "admin": true, "attachments:delete": false, "attachments:read": false,
            "attachments:write": false, "tickets:delete": false, "tickets:read": false,
            "tickets:write": false,
        }})
    );
    // What it reports is what the server then does.
    assert_eq!(app.get(&admin_only, "/metrics").await.status(), 200);
    assert_eq!(app.get(&admin_only, "/v1/tickets").await.status(), 403);

    let reader = key(&app, "casey", Role::Customer, &["read:support"]);
    assert_eq!(
        access(&app, &reader).await,
        json!({"tickets": "own", "may": {
            "admin": false, "attachments:delete": false, "attachments:read": true,
            "attachments:write": false, "tickets:delete": false, "tickets:read": true,
            "tickets:write": false,
        }})
    );
    assert_eq!(app.get(&reader, "/v1/tickets").await.status(), 200);
    let res = app
        .post_json(&reader, "/v1/tickets", json!({"subject": "No"}))
        .await;
    assert_eq!(res.status(), 403);

    let agent = access(&app, &app.agent).await;
    assert_eq!(agent["tickets"], "all");
    assert_eq!(agent["may"]["attachments:delete"], true);
    assert_eq!(agent["may"]["admin"], false);
}

#[actix_web::test]
async fn the_ui_session_reports_the_same_access_as_me() {
    let app = spawn_app().await;
    let reader = key(&app, "casey", Role::Customer, &["tickets:read"]);
    for key in [&reader, &app.admin, &app.customer] {
        let session: Value = app
            .client
            .post(app.url("/ui/session"))
            .json(&json!({"key": key}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(session["access"], access(&app, key).await);
    }
}

#[actix_web::test]
async fn a_customers_lists_hold_only_their_own_tickets_in_every_dialect() {
    let app = spawn_app().await;
    let theirs = app.ticket(&app.other, "Sam's").await;
    app.upload_ok(&app.other, &theirs, "sam.png", png("sam"))
        .await;
    let mine = app.ticket(&app.customer, "Casey's").await;
    app.upload_ok(&app.customer, &mine, "casey.png", png("casey"))
        .await;
    let field = |list: &Value, name: &str| -> Vec<String> {
        let items = list.as_array().unwrap_or_else(|| panic!("{list}"));
        items
            .iter()
            .map(|i| i[name].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |path: &'static str| {
        let request = app
            .client
            .get(app.url(path))
            .header("Authorization", format!("Token {}", app.customer));
        async move {
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            let count = res.headers().get("x-result-count").cloned();
            let body: Value = res.json().await.unwrap();
            (body, count.map(|c| c.to_str().unwrap().to_owned()))
        }
    };

    let (native, _) = get("/v1/tickets").await;
    assert_eq!(field(&native, "subject"), ["Casey's"]);
    let (hostup, _) = get("/api/v2/support/tickets").await;
    assert_eq!(field(&hostup["data"], "subject"), ["Casey's"]);
    assert_eq!(
        (&hostup["hasMore"], &hostup["nextCursor"]),
        (&json!(false), &Value::Null)
    );
    let (issues, count) = get("/api/support-issues/").await;
    assert_eq!(field(&issues, "summary"), ["Casey's"]);
    assert_eq!(count.as_deref(), Some("1"));
    let (files, count) = get("/api/support-attachments/").await;
    assert_eq!(field(&files, "file_name"), ["casey.png"]);
    assert_eq!(count.as_deref(), Some("1"));

    // An agent's lists hold both.
    let agents: Vec<Value> = app
        .get(&app.agent, "/v1/tickets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(agents.len(), 2);
}

#[actix_web::test]
async fn waldur_says_what_a_read_only_key_may_do_to_an_issue() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "Printer").await;
    app.upload_ok(&app.customer, &ticket, "a.png", png("a"))
        .await;
    let reader = key(&app, "casey", Role::Customer, &["read:support"]);
    let flags = |key: String| {
        let app = &app;
        async move {
            let auth = format!("Token {key}");
            let issue: Value = app
                .client
                .get(app.url("/api/support-issues/"))
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let file: Value = app
                .client
                .get(app.url("/api/support-attachments/"))
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let issue = &issue[0];
            // As with Waldur's basic helpdesk backend, no one updates or destroys an issue.
            assert_eq!(issue["update_is_available"], false);
            assert_eq!(issue["destroy_is_available"], false);
            [
                issue["add_comment_is_available"].clone(),
                issue["add_attachment_is_available"].clone(),
                file[0]["destroy_is_available"].clone(),
            ]
        }
    };
    assert_eq!(flags(app.customer.clone()).await, [true, true, true]);
    assert_eq!(flags(reader).await, [false, false, false]);
}
