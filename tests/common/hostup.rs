//! HostUp's documented shapes (the fact sheet, ../shared/vendors/hostup.md), for
//! tests/hostup_conformance.rs and tests/hostup_paging.rs: every field's JSON type.

use serde_json::{json, Value};

use super::TestApp;

pub const BASE: &str = "/api/v2/support";

/// `2026-04-27T11:45:00.000Z`: UTC, milliseconds, `Z`.
pub fn is_hostup_time(v: &Value) -> bool {
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

pub fn is_id(v: &Value, prefix: &str) -> bool {
    v.as_str().is_some_and(|id| {
        id.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == 26
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        })
    })
}

pub const STATUSES: [&str; 7] = [
    "open",
    "answered",
    "customer_reply",
    "in_progress",
    "on_hold",
    "closed",
    "unknown",
];
pub const PRIORITIES: [&str; 5] = ["low", "medium", "high", "urgent", "critical"];

/// The summary table of §4: every field, in its type.
pub fn check_summary(t: &Value) {
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

pub fn check_attachment(a: &Value, ticket: &str) {
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
pub fn check_message(m: &Value, ticket: &str) {
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
pub fn check_detail(t: &Value) {
    check_summary(t);
    let id = t["id"].as_str().unwrap();
    assert!(t["body"].is_string() || t["body"].is_null(), "{t}");
    let reason = &t["criticalReason"];
    assert!(reason.is_string() || reason.is_null(), "attache's own: {t}");
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

pub async fn create(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    let res = app.post_json(key, &format!("{BASE}/tickets"), body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

pub async fn open(app: &TestApp, key: &str, subject: &str, slug: &str) -> Value {
    let body = json!({"departmentSlug": slug, "subject": subject, "message": "Hello."});
    let (status, ticket) = create(app, key, body).await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

pub async fn json_of(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let res = app.get(key, path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// A problem document with `code`, and the pointers of its `errors[]`.
pub fn problem(status: u16, body: &Value, want: u16, code: &str) -> Vec<String> {
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
