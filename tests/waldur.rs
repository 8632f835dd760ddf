//! The Waldur dialect as Waldur's documents and its backend say it behaves: list filters that
//! name nothing answer an empty list, the issue list's filters and ordering, comments, the
//! 405s, the trailing-slash redirect and the `Token` challenge. The official client's own
//! run is in tests/clients.rs.

mod common;

use common::waldur::{call, issue};
use common::{png, spawn_app, TestApp};
use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, HeaderMap, Value) {
    call(app, key, Method::GET, path, None).await
}

/// The summaries of a list, in order.
fn summaries(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["summary"].as_str().unwrap())
        .collect()
}

/// Issues whose fields differ in every way the filters and orderings look at.
async fn three_issues(app: &TestApp) -> [Value; 3] {
    let a = issue(
        app,
        &app.customer,
        json!({"summary": "Printer on fire", "type": "Incident", "priority": "high"}),
    )
    .await;
    let b = issue(
        app,
        &app.agent,
        json!({"summary": "VPN down", "description": "since noon", "priority": "low"}),
    )
    .await;
    let c = issue(
        app,
        &app.other,
        json!({"summary": "New laptop", "type": "Service Request"}),
    )
    .await;
    [a, b, c]
}

#[actix_web::test]
async fn the_issue_list_filters_as_waldur_does() {
    let app = spawn_app().await;
    let [a, b, _] = three_issues(&app).await;
    let key_b = b["key"].as_str().unwrap();
    let caller_a = a["caller"].as_str().unwrap();
    for (query, expected) in [
        ("summary=PRINTER", vec!["Printer on fire"]),
        (
            "summary=o",
            vec!["New laptop", "VPN down", "Printer on fire"],
        ),
        (&format!("key={key_b}"), vec!["VPN down"]),
        ("key=SUP-999", vec![]),
        ("key=SUP-01", vec![]),
        ("type=Incident", vec!["Printer on fire"]),
        // An issue opened without a type has Waldur's first one.
        ("type=Informational", vec!["VPN down"]),
        ("type=incident", vec![]),
        (
            "status=open",
            vec!["New laptop", "VPN down", "Printer on fire"],
        ),
        ("status=Open", vec![]),
        ("status=resolved", vec![]),
        (&format!("query={}", key_b.to_lowercase()), vec!["VPN down"]),
        ("query=laptop", vec!["New laptop"]),
        (&format!("caller={caller_a}"), vec!["Printer on fire"]),
        ("reporter_name=ALE", vec!["VPN down"]),
        (
            "caller_full_name=cas&reporter_name=sey",
            vec!["Printer on fire"],
        ),
        (
            "is_open=true",
            vec!["New laptop", "VPN down", "Printer on fire"],
        ),
        ("is_open=false", vec![]),
        (
            "is_routed=false&sla_breached=false&is_parent=false",
            vec!["New laptop", "VPN down", "Printer on fire"],
        ),
        ("is_escalated=true", vec![]),
        (
            "summary=&status=&key=",
            vec!["New laptop", "VPN down", "Printer on fire"],
        ),
    ] {
        let (status, headers, list) =
            get(&app, &app.admin, &format!("/api/support-issues/?{query}")).await;
        assert_eq!(status, 200, "{query}: {list}");
        assert_eq!(summaries(&list), expected, "{query}");
        assert_eq!(
            headers["x-result-count"],
            expected.len().to_string().as_str(),
            "{query}"
        );
    }
    // Filters narrow what a customer sees; they never widen it.
    let (_, _, mine) = get(&app, &app.customer, "/api/support-issues/?summary=o").await;
    assert_eq!(summaries(&mine), ["Printer on fire"]);
}

#[actix_web::test]
async fn the_issue_list_orders_by_o_and_refuses_an_unknown_ordering() {
    let app = spawn_app().await;
    three_issues(&app).await;
    for (o, expected) in [
        ("created", ["Printer on fire", "VPN down", "New laptop"]),
        ("-created", ["New laptop", "VPN down", "Printer on fire"]),
        ("summary", ["New laptop", "Printer on fire", "VPN down"]),
        ("-summary", ["VPN down", "Printer on fire", "New laptop"]),
        ("key", ["Printer on fire", "VPN down", "New laptop"]),
        ("-key", ["New laptop", "VPN down", "Printer on fire"]),
        // With `key` asked for, Waldur sorts by the key alone.
        (
            "summary,-key",
            ["New laptop", "VPN down", "Printer on fire"],
        ),
        (
            "type,summary",
            ["Printer on fire", "VPN down", "New laptop"],
        ),
        (
            "priority,-created",
            ["New laptop", "Printer on fire", "VPN down"],
        ),
        (
            "reporter_name",
            ["VPN down", "Printer on fire", "New laptop"],
        ),
        (
            "-caller_last_name",
            ["New laptop", "Printer on fire", "VPN down"],
        ),
        // Fields attache never records leave the default order.
        (
            "customer_name",
            ["New laptop", "VPN down", "Printer on fire"],
        ),
        ("modified", ["Printer on fire", "VPN down", "New laptop"]),
        (
            "status,summary",
            ["New laptop", "Printer on fire", "VPN down"],
        ),
    ] {
        let (status, _, list) = get(&app, &app.admin, &format!("/api/support-issues/?o={o}")).await;
        assert_eq!(status, 200, "{o}: {list}");
        assert_eq!(summaries(&list), expected, "o={o}");
    }
    // Repeated `o`: the last one counts, as Django's QueryDict reads it.
    let (_, _, list) = get(
        &app,
        &app.admin,
        "/api/support-issues/?o=summary&o=-created",
    )
    .await;
    assert_eq!(
        summaries(&list),
        ["New laptop", "VPN down", "Printer on fire"]
    );
    let (status, _, body) = get(&app, &app.admin, "/api/support-issues/?o=summary,bogus").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"o": ["Select a valid choice. bogus is not one of the available choices."]})
    );
}

#[actix_web::test]
async fn issues_carry_waldurs_fields_in_waldurs_types() {
    let app = spawn_app().await;
    let [a, b, _] = three_issues(&app).await;
    assert_eq!(a["description"], "");
    assert_eq!(b["description"], "since noon");
    assert_eq!(b["type"], "Informational");
    assert_eq!(b["reporter_name"], "alex");
    assert_eq!(b["caller_full_name"], "alex");
    assert_eq!(a["priority"], "high");
    let alex = b["caller_uuid"].as_str().unwrap();
    assert_eq!(b["reporter_uuid"], alex);
    assert_eq!(
        b["reporter"],
        app.url(&format!("/api/support-users/{alex}/"))
    );
    assert_eq!(b["caller"], app.url(&format!("/api/users/{alex}/")));
    // HEAD on an issue: its headers, no body.
    let path = format!("/api/support-issues/{}/", b["uuid"].as_str().unwrap());
    let (status, headers, body) = call(&app, &app.agent, Method::HEAD, &path, None).await;
    assert_eq!((status, body), (200, Value::Null));
    assert_eq!(headers["content-type"], "application/json");
    // What `set_status` takes: nothing from a customer (who opened `a`), every other core
    // status from staff (tests/waldur_actions.rs sets them).
    assert_eq!(a["available_statuses"], json!([]));
    let others = [
        "closed",
        "customer_reply",
        "in_progress",
        "new",
        "on_hold",
        "pending",
        "resolved",
    ];
    assert_eq!(b["available_statuses"], json!(others));
    // The list shows each issue's description too.
    let (_, _, list) = get(&app, &app.admin, "/api/support-issues/?summary=VPN").await;
    assert_eq!(list[0]["description"], "since noon");
    for issue in [&a, &b, &list[0]] {
        assert!(
            issue["resolved"].is_null(),
            "an open issue is neither resolved nor canceled"
        );
        assert!(issue["resource_type"].is_null() && issue["parent_issue"].is_null());
        for field in ["created", "modified"] {
            let at = issue[field].as_str().unwrap();
            let (_, fraction) = at.split_once('.').unwrap_or((at, "Z"));
            assert!(
                at.ends_with('Z') && (fraction == "Z" || fraction.len() == 7),
                "{field} {at}: microseconds or none, then Z"
            );
        }
    }
}

#[actix_web::test]
async fn list_filters_that_name_nothing_answer_an_empty_list() {
    let app = spawn_app().await;
    let [a, ..] = three_issues(&app).await;
    let ticket = a["uuid"].as_str().unwrap();
    let form = Form::new()
        .text("issue", a["url"].as_str().unwrap().to_owned())
        .part("file", Part::bytes(png("n")).file_name("n.png"));
    let res = app
        .client
        .post(app.url("/api/support-attachments/"))
        .header("Authorization", format!("Token {}", app.customer))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let nobody = "0123456789abcdef0123456789abcdef";
    let user_url = a["caller"].as_str().unwrap();
    for path in [
        format!("/api/support-attachments/?issue_uuid={nobody}"),
        format!("/api/support-attachments/?issue=http://x/api/support-issues/{nobody}/"),
        format!("/api/support-attachments/?issue={user_url}"),
        "/api/support-attachments/?issue=not-a-url".to_owned(),
        "/api/support-attachments/?issue=/api/support-issues/zzz/".to_owned(),
        format!(
            "/api/support-attachments/?issue_uuid={ticket}&issue=/api/support-issues/{nobody}/"
        ),
        format!("/api/support-comments/?issue_uuid={nobody}"),
        format!("/api/support-comments/?author_user=/api/users/{nobody}/"),
        "/api/support-comments/?remote_id_is_set=true".to_owned(),
        format!("/api/support-issues/?customer_uuid={nobody}"),
        format!("/api/support-issues/?project=http://x/api/projects/{nobody}/"),
        format!("/api/support-issues/?caller=/api/users/{nobody}/"),
        "/api/support-issues/?assignee_name=x".to_owned(),
        "/api/support-issues/?resolution_year_month=2024-10".to_owned(),
    ] {
        let (status, headers, list) = get(&app, &app.admin, &path).await;
        assert_eq!((status, list.clone()), (200, json!([])), "{path}");
        assert_eq!(headers["x-result-count"], "0", "{path}");
    }
    // An issue the caller does not see is, to its filters, an issue that does not exist.
    let (status, _, list) = get(
        &app,
        &app.other,
        &format!("/api/support-attachments/?issue_uuid={ticket}"),
    )
    .await;
    assert_eq!((status, list), (200, json!([])));
    // The same filters with something that exists find it.
    let (_, _, list) = get(
        &app,
        &app.admin,
        &format!("/api/support-attachments/?issue_uuid={ticket}"),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn malformed_uuids_and_resources_in_filters_are_drfs_400s() {
    let app = spawn_app().await;
    for (path, expected) in [
        (
            "/api/support-attachments/?issue_uuid=zzz",
            json!({"issue_uuid": ["Enter a valid UUID."]}),
        ),
        (
            "/api/support-comments/?issue_uuid=1234",
            json!({"issue_uuid": ["Enter a valid UUID."]}),
        ),
        (
            "/api/support-issues/?customer_uuid=x&project_uuid=y&o=nope",
            json!({
                "customer_uuid": ["Enter a valid UUID."],
                "project_uuid": ["Enter a valid UUID."],
                "o": ["Select a valid choice. nope is not one of the available choices."],
            }),
        ),
        (
            "/api/support-comments/?o=summary",
            json!({"o": ["Select a valid choice. summary is not one of the available choices."]}),
        ),
        (
            "/api/support-issues/?resource=http://x/api/vms/1/",
            json!(["Can't restore object from url: http://x/api/vms/1/"]),
        ),
    ] {
        let (status, _, body) = get(&app, &app.admin, path).await;
        assert_eq!((status, body), (400, expected), "{path}");
    }
}

#[actix_web::test]
async fn a_missing_trailing_slash_redirects_as_django_does() {
    let app = spawn_app().await;
    for (method, path, location) in [
        (Method::GET, "/api/support-issues", "/api/support-issues/"),
        (
            Method::HEAD,
            "/api/support-issues?page=2&o=key",
            "/api/support-issues/?page=2&o=key",
        ),
        (
            Method::POST,
            "/api/support-attachments",
            "/api/support-attachments/",
        ),
        (
            Method::DELETE,
            "/api/support-comments/0123456789abcdef0123456789abcdef",
            "/api/support-comments/0123456789abcdef0123456789abcdef/",
        ),
        (
            Method::POST,
            "/api/support-issues/0123456789abcdef0123456789abcdef/comment",
            "/api/support-issues/0123456789abcdef0123456789abcdef/comment/",
        ),
    ] {
        // No credential: Django's middleware redirects before any view authenticates.
        let (status, headers, _) = call(&app, "", method.clone(), path, None).await;
        assert_eq!(status, 301, "{method} {path}");
        assert_eq!(headers["location"], location, "{method} {path}");
    }
    // A path no route takes, with or without its slash, stays the dialect's 404.
    for path in [
        "/api/nowhere",
        "/api/support-issues/x/y",
        "/api/support-issues/x/nope/",
        "/api/",
        "/api/support-issues/0123456789abcdef0123456789abcdef/no_such_action/",
    ] {
        let (status, _, body) = get(&app, &app.admin, path).await;
        assert_eq!(
            (status, body),
            (404, json!({"detail": "Not found."})),
            "{path}"
        );
    }
    // A served action under another method is Waldur's 405.
    let path = "/api/support-issues/0123456789abcdef0123456789abcdef/escalate/";
    let (status, _, body) = get(&app, &app.admin, path).await;
    assert_eq!(
        (status, body),
        (405, json!({"detail": "Method \"GET\" not allowed."}))
    );
}

#[actix_web::test]
async fn methods_a_waldur_path_does_not_take_are_drfs_405_after_authentication() {
    let app = spawn_app().await;
    let a = issue(
        &app,
        &app.customer,
        json!({"summary": "x", "description": "y"}),
    )
    .await;
    let nobody = "0123456789abcdef0123456789abcdef";
    for (method, path, allow) in [
        (
            Method::PUT,
            format!("/api/support-attachments/{nobody}/"),
            "GET, HEAD, DELETE",
        ),
        (
            Method::PATCH,
            format!("/api/support-attachments/{nobody}/"),
            "GET, HEAD, DELETE",
        ),
        (
            Method::POST,
            "/api/support-comments/".to_owned(),
            "GET, HEAD",
        ),
        (
            Method::DELETE,
            "/api/support-issues/".to_owned(),
            "GET, HEAD, POST",
        ),
        (
            Method::OPTIONS,
            "/api/support-issues/".to_owned(),
            "GET, HEAD, POST",
        ),
        (
            Method::GET,
            format!(
                "/api/support-issues/{}/set_status/",
                a["uuid"].as_str().unwrap()
            ),
            "POST",
        ),
        (
            Method::POST,
            "/api/support-issue-statuses/".to_owned(),
            "GET, HEAD",
        ),
        (
            Method::GET,
            format!(
                "/api/support-issues/{}/comment/",
                a["uuid"].as_str().unwrap()
            ),
            "POST",
        ),
    ] {
        let (status, _, body) = call(&app, "", method.clone(), &path, Some(json!({}))).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        let (status, headers, body) =
            call(&app, &app.agent, method.clone(), &path, Some(json!({}))).await;
        assert_eq!(status, 405, "{method} {path}");
        assert_eq!(
            body,
            json!({"detail": format!("Method \"{method}\" not allowed.")})
        );
        assert_eq!(headers["allow"], allow, "{method} {path}");
    }
}

#[actix_web::test]
async fn issues_are_not_changed_as_with_waldurs_basic_backend() {
    let app = spawn_app().await;
    let a = issue(&app, &app.customer, json!({"summary": "x"})).await;
    let path = format!("/api/support-issues/{}/", a["uuid"].as_str().unwrap());
    let nobody = "/api/support-issues/0123456789abcdef0123456789abcdef/";
    for (method, refusal) in [
        (Method::PUT, "Updating is not available."),
        (Method::PATCH, "Updating is not available."),
        (Method::DELETE, "Destroying is not available."),
    ] {
        let body = Some(json!({"summary": "y", "type": "Incident"}));
        let (status, _, said) =
            call(&app, &app.customer, method.clone(), &path, body.clone()).await;
        assert_eq!(status, 403, "{method}: {said}");
        let (status, _, said) =
            call(&app, &app.customer, method.clone(), nobody, body.clone()).await;
        assert_eq!(status, 403, "{method} of nothing, by a customer: {said}");
        let (status, _, _) = call(&app, &app.agent, method.clone(), nobody, body.clone()).await;
        assert_eq!(status, 404, "{method} of nothing");
        let (status, _, said) = call(&app, &app.agent, method.clone(), &path, body).await;
        assert_eq!((status, said), (400, json!([refusal])), "{method}");
    }
    let (_, _, still) = get(&app, &app.customer, &path).await;
    assert_eq!(still["summary"], "x");
}

#[actix_web::test]
async fn the_401_challenge_is_token_in_waldur_and_bearer_elsewhere() {
    let app = spawn_app().await;
    for (key, detail) in [
        ("", "Authentication credentials were not provided."),
        ("atk_0000000000000000000000000000000", "Invalid token."),
    ] {
        let (status, headers, body) = get(&app, key, "/api/support-issues/").await;
        assert_eq!((status, body), (401, json!({ "detail": detail })));
        assert_eq!(headers["www-authenticate"], "Token");
    }
    let res = app.client.get(app.url("/v1/tickets")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer realm=\"attache\""),
        "{challenge}"
    );
}
