//! Waldur calls for tests/waldur*.rs: `Authorization: Token <key>` and the answer.

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

use super::TestApp;

/// A Waldur call with `Authorization: Token <key>` (none when `key` is empty): status,
/// headers, and the JSON body (or `null` when there is none).
pub async fn call(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, HeaderMap, Value) {
    let mut req = app.client.request(method, app.url(path));
    if !key.is_empty() {
        req = req.header("Authorization", format!("Token {key}"));
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, headers, body)
}

/// Opens an issue as `key`'s user; returns it as Waldur shows it.
pub async fn issue(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, _, issue) = call(app, key, Method::POST, "/api/support-issues/", Some(body)).await;
    assert_eq!(status, 201, "{issue}");
    issue
}
