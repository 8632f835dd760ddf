//! Waldur's lookups over real HTTP: the issue statuses (staff only, as Waldur's), priorities
//! and request types, listed, paged, counted and retrieved, with uuids that are the same on
//! every server.

mod common;

use common::waldur::call;
use common::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const NOBODY: &str = "0123456789abcdef0123456789abcdef";

fn forbidden() -> Value {
    json!({"detail": "You do not have permission to perform this action."})
}

/// A lookup list as `key` sees it: status, `X-Result-Count`, `Link`, body.
async fn lookup(app: &TestApp, key: &str, path: &str) -> (u16, String, String, Value) {
    let (status, headers, body) = call(app, key, Method::GET, path, None).await;
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (status, header("x-result-count"), header("link"), body)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn issue_statuses_are_the_finishing_ones_for_staff_only() {
    let app = spawn_app().await;
    let path = "/api/support-issue-statuses/";
    let (status, _, _, body) = lookup(&app, &app.customer, path).await;
    assert_eq!((status, body), (403, forbidden()));
    let (status, count, link, list) = lookup(&app, &app.agent, path).await;
    assert_eq!((status, count.as_str()), (200, "2"));
    assert!(link.contains("rel=\"first\""), "{link}");
    assert_eq!(names(&list), ["closed", "resolved"]);
    for item in list.as_array().unwrap() {
        assert_eq!(
            (&item["type"], &item["type_display"]),
            (&json!(0), &json!("Resolved"))
        );
        let hex = item["uuid"].as_str().unwrap();
        assert!(item["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{path}{hex}/")));
        let dashed = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        let (status, _, _, one) = lookup(&app, &app.admin, &format!("{path}{dashed}/")).await;
        assert_eq!((status, &one), (200, item));
    }
    let (status, _, _, body) = lookup(&app, &app.customer, &format!("{path}{NOBODY}/")).await;
    assert_eq!((status, body), (403, forbidden()));
    let (status, _, _, body) = lookup(&app, &app.agent, &format!("{path}{NOBODY}/")).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"detail": "No IssueStatus matches the given query."})
        )
    );
    // The same uuids on another server.
    let again = spawn_app().await;
    let (_, _, _, theirs) = lookup(&again, &again.agent, path).await;
    let uuids = |l: &Value| {
        l.as_array()
            .unwrap()
            .iter()
            .map(|i| i["uuid"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(uuids(&theirs), uuids(&list));
}

#[actix_web::test]
async fn priorities_and_request_types_are_listed_paged_and_counted_for_everyone() {
    let app = spawn_app().await;
    let path = "/api/support-priorities/";
    let (status, count, _, list) = lookup(&app, &app.customer, path).await;
    assert_eq!((status, count.as_str()), (200, "5"));
    assert_eq!(
        names(&list),
        ["critical", "high", "low", "medium", "urgent"]
    );
    let (_, count, link, page) =
        lookup(&app, &app.customer, &format!("{path}?page_size=2&page=2")).await;
    assert_eq!((count.as_str(), names(&page)), ("5", vec!["low", "medium"]));
    assert!(
        link.contains("page=3>; rel=\"next\"") && link.contains("rel=\"prev\""),
        "{link}"
    );
    let (_, count, _, found) = lookup(&app, &app.customer, &format!("{path}?name=UR")).await;
    assert_eq!((count.as_str(), names(&found)), ("1", vec!["urgent"]));
    let (_, _, _, found) = lookup(&app, &app.customer, &format!("{path}?name_exact=high")).await;
    assert_eq!(names(&found), ["high"]);
    let (_, _, _, found) = lookup(&app, &app.customer, &format!("{path}?name_exact=HIGH")).await;
    assert_eq!(found, json!([]));
    let (status, _, _, body) =
        lookup(&app, &app.customer, &format!("{path}?page=4&page_size=2")).await;
    assert_eq!((status, body), (404, json!({"detail": "Invalid page."})));
    let high = &list[1];
    let (status, _, _, one) = lookup(
        &app,
        &app.customer,
        &format!("{path}{}/", high["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!((status, &one), (200, high));
    assert_eq!(
        (&one["description"], &one["icon_url"]),
        (&json!(""), &json!(""))
    );
    let (status, _, _, body) = lookup(&app, &app.customer, &format!("{path}{NOBODY}/")).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"detail": "No Priority matches the given query."})
        )
    );
    let res = app
        .client
        .head(app.url(path))
        .header("Authorization", format!("Token {}", app.customer))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-result-count"], "5");

    let path = "/api/support-request-types/";
    let (status, count, _, list) = lookup(&app, &app.customer, path).await;
    assert_eq!((status, count.as_str()), (200, "4"));
    assert_eq!(
        names(&list),
        [
            "Informational",
            "Service Request",
            "Change Request",
            "Incident"
        ]
    );
    for (n, item) in list.as_array().unwrap().iter().enumerate() {
        assert_eq!(
            (&item["issue_type_name"], &item["order"]),
            (&item["name"], &json!(n + 1))
        );
    }
    let (status, _, _, body) = lookup(&app, &app.customer, &format!("{path}{NOBODY}/")).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"detail": "No RequestType matches the given query."})
        )
    );
    let (status, _, _, _) = lookup(&app, "", path).await;
    assert_eq!(status, 401);
}
