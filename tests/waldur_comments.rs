//! Waldur's comments over attache's messages: written with `POST …/comment/`, listed, read,
//! changed and deleted under `/api/support-comments/`, with Waldur's fields, filters, paging
//! and permissions (customers see public comments and their own; only staff change them).

mod common;

use common::waldur::call;
use common::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    let (status, _, body) = call(app, key, Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Comments `key` writes on `issue`; returns the comment.
async fn comment(app: &TestApp, key: &str, issue: &Value, body: Value) -> Value {
    let path = format!(
        "/api/support-issues/{}/comment/",
        issue["uuid"].as_str().unwrap()
    );
    let (status, _, comment) = call(app, key, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{comment}");
    comment
}

fn descriptions(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect()
}

/// A customer's issue (with a description) and three comments on it: the customer's, an
/// agent's public one, and an agent's internal note.
async fn thread(app: &TestApp) -> (Value, [Value; 3]) {
    let (status, _, issue) = call(
        app,
        &app.customer,
        Method::POST,
        "/api/support-issues/",
        Some(json!({"summary": "Printer", "description": "It is on fire."})),
    )
    .await;
    assert_eq!(status, 201);
    let mine = comment(
        app,
        &app.customer,
        &issue,
        json!({"description": "  Still burning.  "}),
    )
    .await;
    let public = comment(
        app,
        &app.agent,
        &issue,
        json!({"description": "On my way.", "is_public": true}),
    )
    .await;
    let note = comment(
        app,
        &app.agent,
        &issue,
        json!({"description": "Call the fire brigade", "is_public": "false"}),
    )
    .await;
    (issue, [mine, public, note])
}

#[actix_web::test]
async fn a_comment_has_every_field_the_client_requires_in_its_type() {
    let app = spawn_app().await;
    let (issue, [mine, public, note]) = thread(&app).await;
    assert_eq!(
        mine["description"], "Still burning.",
        "trimmed, as DRF's CharField does"
    );
    assert_eq!(mine["is_public"], true);
    assert_eq!(note["is_public"], false);
    let hex = public["uuid"].as_str().unwrap();
    assert!(
        hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hex}"
    );
    assert_eq!(
        public["url"],
        app.url(&format!("/api/support-comments/{hex}/"))
    );
    assert_eq!(public["issue"], issue["url"]);
    assert_eq!(public["issue_key"], issue["key"]);
    assert_eq!(public["author_name"], "alex");
    let author = public["author_uuid"].as_str().unwrap();
    assert_eq!(
        public["author_user"],
        app.url(&format!("/api/users/{author}/"))
    );
    assert_eq!(mine["author_uuid"], issue["caller_uuid"]);
    for c in [&mine, &public, &note] {
        for field in [
            "author_email",
            "author_image",
            "issue_key",
            "description",
            "author_name",
        ] {
            assert!(c[field].is_string(), "{field}: {c}");
        }
        assert!(c["backend_id"].is_null() && c["remote_id"].is_null());
        assert!(c["created"].as_str().unwrap().ends_with('Z'));
    }
    // Only staff may change or delete comments: the flags say so to each caller.
    assert_eq!(
        (
            mine["update_is_available"].clone(),
            mine["destroy_is_available"].clone()
        ),
        (json!(false), json!(false))
    );
    assert_eq!(
        (
            public["update_is_available"].clone(),
            public["destroy_is_available"].clone()
        ),
        (json!(true), json!(true))
    );
    // The issue's description is not a comment.
    let path = format!(
        "/api/support-comments/?issue_uuid={}&o=created",
        issue["uuid"].as_str().unwrap()
    );
    let list = get(&app, &app.admin, &path).await;
    assert_eq!(
        descriptions(&list),
        ["Still burning.", "On my way.", "Call the fire brigade"]
    );
    assert_eq!(
        get(
            &app,
            &app.admin,
            &format!("/api/support-issues/{}/", issue["uuid"].as_str().unwrap())
        )
        .await["description"],
        "It is on fire."
    );
    let retrieved = get(
        &app,
        &app.customer,
        &format!("/api/support-comments/{hex}/"),
    )
    .await;
    assert_eq!(retrieved["description"], "On my way.");
    assert_eq!(retrieved["update_is_available"], false);
}

#[actix_web::test]
async fn customers_see_public_comments_and_their_own_and_nothing_else() {
    let app = spawn_app().await;
    let (issue, [_, _, note]) = thread(&app).await;
    let ticket = issue["uuid"].as_str().unwrap();
    let own_note = comment(
        &app,
        &app.customer,
        &issue,
        json!({"description": "psst", "is_public": false}),
    )
    .await;
    let list = get(&app, &app.customer, "/api/support-comments/").await;
    assert_eq!(
        descriptions(&list),
        ["psst", "On my way.", "Still burning."]
    );
    let list = get(
        &app,
        &app.customer,
        "/api/support-comments/?is_public=false",
    )
    .await;
    assert_eq!(descriptions(&list), ["psst"]);
    let list = get(&app, &app.agent, "/api/support-comments/?is_public=False").await;
    assert_eq!(descriptions(&list), ["psst", "Call the fire brigade"]);
    assert_eq!(
        get(&app, &app.other, "/api/support-comments/").await,
        json!([])
    );
    let path = format!("/api/support-comments/{}/", note["uuid"].as_str().unwrap());
    let (status, _, body) = call(&app, &app.customer, Method::GET, &path, None).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"detail": "No Comment matches the given query."})
        )
    );
    assert_eq!(
        get(
            &app,
            &app.customer,
            &format!(
                "/api/support-comments/{}/",
                own_note["uuid"].as_str().unwrap()
            )
        )
        .await["is_public"],
        false
    );
    // The same rule in the other dialects: an internal note is not in the customer's thread.
    let thread = |key: String| {
        let app = &app;
        async move {
            let list: Value = app
                .get(&key, &format!("/v1/tickets/{ticket}/messages"))
                .await
                .json()
                .await
                .unwrap();
            list.as_array()
                .unwrap()
                .iter()
                .map(|m| m["body"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        thread(app.customer.clone()).await,
        ["It is on fire.", "Still burning.", "On my way.", "psst"]
    );
    assert_eq!(thread(app.agent.clone()).await.len(), 5);
}

#[actix_web::test]
async fn comments_filter_order_and_page_as_waldur_lists_do() {
    let app = spawn_app().await;
    let (issue, [mine, public, _]) = thread(&app).await;
    let (_, _, other) = call(
        &app,
        &app.other,
        Method::POST,
        "/api/support-issues/",
        Some(json!({"summary": "Other"})),
    )
    .await;
    comment(
        &app,
        &app.other,
        &other,
        json!({"description": "Elsewhere"}),
    )
    .await;
    let alex = public["author_user"].as_str().unwrap();
    for (query, expected) in [
        (
            "",
            vec![
                "Elsewhere",
                "Call the fire brigade",
                "On my way.",
                "Still burning.",
            ],
        ),
        (
            "o=created",
            vec![
                "Still burning.",
                "On my way.",
                "Call the fire brigade",
                "Elsewhere",
            ],
        ),
        (
            &format!("issue={}", issue["url"].as_str().unwrap()),
            vec!["Call the fire brigade", "On my way.", "Still burning."],
        ),
        ("description=FIRE", vec!["Call the fire brigade"]),
        (
            "author_name=ALE",
            vec!["Call the fire brigade", "On my way."],
        ),
        (
            &format!("author_user={alex}"),
            vec!["Call the fire brigade", "On my way."],
        ),
        (
            "is_public=true&o=-created",
            vec!["Elsewhere", "On my way.", "Still burning."],
        ),
        (
            "remote_id_is_set=false&is_public=maybe",
            vec![
                "Elsewhere",
                "Call the fire brigade",
                "On my way.",
                "Still burning.",
            ],
        ),
    ] {
        let list = get(&app, &app.admin, &format!("/api/support-comments/?{query}")).await;
        assert_eq!(descriptions(&list), expected, "{query}");
    }
    // An edit moves a comment to the end of `o=modified`.
    let path = format!("/api/support-comments/{}/", mine["uuid"].as_str().unwrap());
    let (status, _, _) = call(
        &app,
        &app.agent,
        Method::PATCH,
        &path,
        Some(json!({"description": "Edited"})),
    )
    .await;
    assert_eq!(status, 200);
    let list = get(&app, &app.admin, "/api/support-comments/?o=modified").await;
    assert_eq!(descriptions(&list).last(), Some(&"Edited"));
    // Pages of two, with X-Result-Count and Link; HEAD counts the same.
    let (status, headers, list) = call(
        &app,
        &app.admin,
        Method::GET,
        "/api/support-comments/?page_size=2&page=2&o=created",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(descriptions(&list), ["Call the fire brigade", "Elsewhere"]);
    assert_eq!(headers["x-result-count"], "4");
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("rel=\"prev\"")
            && !link.contains("rel=\"next\"")
            && link.contains("o=created"),
        "{link}"
    );
    let (status, headers, body) = call(
        &app,
        &app.customer,
        Method::HEAD,
        "/api/support-comments/",
        None,
    )
    .await;
    assert_eq!((status, body), (200, Value::Null));
    assert_eq!(
        headers["x-result-count"], "2",
        "the customer's own and the public one"
    );
}

#[actix_web::test]
async fn only_staff_change_or_delete_comments() {
    let app = spawn_app().await;
    let (issue, [mine, public, _]) = thread(&app).await;
    let path = |c: &Value| format!("/api/support-comments/{}/", c["uuid"].as_str().unwrap());
    let nobody = "/api/support-comments/0123456789abcdef0123456789abcdef/";
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let body = Some(json!({"description": "mine now"}));
        let (status, _, said) = call(
            &app,
            &app.customer,
            method.clone(),
            &path(&mine),
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, said),
            (
                403,
                json!({"detail": "You do not have permission to perform this action."})
            ),
            "{method}"
        );
        let (status, _, _) = call(&app, &app.customer, method.clone(), nobody, body.clone()).await;
        assert_eq!(status, 403, "{method}: staff only, before any lookup");
        let (status, _, _) = call(&app, &app.agent, method.clone(), nobody, body).await;
        assert_eq!(status, 404, "{method}");
    }
    let (status, _, changed) = call(
        &app,
        &app.agent,
        Method::PUT,
        &path(&mine),
        Some(json!({"description": "Put", "is_public": false})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["description"].clone(), changed["is_public"].clone()),
        (json!("Put"), json!(false))
    );
    assert_eq!(changed["created"], mine["created"]);
    let (status, _, changed) = call(
        &app,
        &app.admin,
        Method::PATCH,
        &path(&mine),
        Some(json!({"is_public": "yes"})),
    )
    .await;
    assert_eq!(
        (
            status,
            changed["description"].clone(),
            changed["is_public"].clone()
        ),
        (200, json!("Put"), json!(true))
    );
    for (method, body, expected) in [
        (
            Method::PUT,
            json!({"is_public": true}),
            json!({"description": ["This field is required."]}),
        ),
        (
            Method::PATCH,
            json!({"description": "   "}),
            json!({"description": ["This field may not be blank."]}),
        ),
        (
            Method::PATCH,
            json!({"description": null, "is_public": "maybe"}),
            json!({"description": ["This field may not be null."], "is_public": ["Must be a valid boolean."]}),
        ),
    ] {
        let (status, _, said) =
            call(&app, &app.agent, method.clone(), &path(&public), Some(body)).await;
        assert_eq!((status, said), (400, expected), "{method}");
    }
    let (status, _, _) = call(&app, &app.agent, Method::DELETE, &path(&public), None).await;
    assert_eq!(status, 204);
    let (status, _, _) = call(&app, &app.agent, Method::GET, &path(&public), None).await;
    assert_eq!(status, 404);
    let ticket = issue["uuid"].as_str().unwrap();
    let list = get(
        &app,
        &app.admin,
        &format!("/api/support-comments/?issue_uuid={ticket}"),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn commenting_is_validated_and_allowed_to_those_who_see_the_issue() {
    let app = spawn_app().await;
    let (issue, _) = thread(&app).await;
    let on = |uuid: &str| format!("/api/support-issues/{uuid}/comment/");
    let ticket = issue["uuid"].as_str().unwrap();
    for (key, path, body, status, said) in [
        (
            &app.customer,
            on(ticket),
            json!({}),
            400,
            json!({"description": ["This field is required."]}),
        ),
        (
            &app.customer,
            on(ticket),
            json!({"description": ""}),
            400,
            json!({"description": ["This field may not be blank."]}),
        ),
        (
            &app.customer,
            on(ticket),
            json!({"description": "x", "is_public": []}),
            400,
            json!({"is_public": ["Must be a valid boolean."]}),
        ),
        (
            &app.other,
            on(ticket),
            json!({"description": "x"}),
            404,
            json!({"detail": "No Issue matches the given query."}),
        ),
        (
            &app.agent,
            on("0123456789abcdef0123456789abcdef"),
            json!({"description": "x"}),
            404,
            json!({"detail": "No Issue matches the given query."}),
        ),
    ] {
        let (got, _, body) = call(&app, key, Method::POST, &path, Some(body)).await;
        assert_eq!((got, body), (status, said), "{path}");
    }
    // The message a ticket opened with is its description, never a comment.
    let list: Value = app
        .get(&app.admin, &format!("/v1/tickets/{ticket}/messages"))
        .await
        .json()
        .await
        .unwrap();
    let opening = list[0]["id"].as_str().unwrap();
    let (status, _, _) = call(
        &app,
        &app.admin,
        Method::GET,
        &format!("/api/support-comments/{opening}/"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = call(
        &app,
        &app.admin,
        Method::DELETE,
        &format!("/api/support-comments/{opening}/"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}
