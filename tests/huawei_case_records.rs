//! Huawei OSM's case records over real HTTP, beyond what the official SDK's run checks
//! (tests/clients/huawei_conformance.py): who may withdraw which message, what the operate
//! logs show of changes made through another dialect, and the contact info's refusals, each
//! in OSM's shape (business errors in a 200, `OSM.0001` for bad input, never a 500).

mod common;

use attache::core::users;
use attache::domain::{Role, Scopes};
use common::{spawn_app, spawn_with, TestApp};
use reqwest::Response;
use serde_json::{json, Value};

const OSM: &str = "/v2/servicerequest";

async fn osm(
    app: &TestApp,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(&format!("{OSM}{path}")))
        .header("X-Auth-Token", key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

async fn answer(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

async fn open_case(app: &TestApp, key: &str, description: &str) -> String {
    let body = json!({"business_type_id": "1", "simple_description": description});
    let res = osm(app, reqwest::Method::POST, key, "/cases", Some(body)).await;
    answer(res, 200).await["incident_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn say(app: &TestApp, key: &str, case: &str, content: &str) {
    let body = json!({"message": {"content": content}});
    let res = osm(
        app,
        reqwest::Method::POST,
        key,
        &format!("/cases/{case}/message"),
        Some(body),
    )
    .await;
    assert_eq!(answer(res, 200).await, json!({}));
}

/// The message ids of a case's detail, by content.
async fn message_id(app: &TestApp, key: &str, case: &str, content: &str) -> String {
    let res = osm(
        app,
        reqwest::Method::GET,
        key,
        &format!("/cases/{case}"),
        None,
    )
    .await;
    let detail = answer(res, 200).await;
    let found = detail["incident_detail_info"]["message_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"] == content)
        .cloned();
    found.unwrap()["message_id"].as_str().unwrap().to_owned()
}

async fn withdraw(app: &TestApp, key: &str, case: &str, message: &str) -> Response {
    let path = format!("/cases/{case}/instant-messages/{message}/withdraw");
    osm(app, reqwest::Method::POST, key, &path, None).await
}

fn read_only(app: &TestApp) -> String {
    let scopes = Scopes::parse(["tickets:read"]).unwrap();
    users::create_key(&app.core.db, "reader", Role::Agent, Some(scopes), "")
        .unwrap()
        .secret
}

#[actix_web::test]
async fn only_its_author_withdraws_a_message_and_every_refusal_is_osms() {
    let app = spawn_app().await;
    let case = open_case(&app, &app.customer, "Disk is full.").await;
    say(&app, &app.customer, &case, "Sent too soon.").await;
    say(&app, &app.agent, &case, "We are looking.").await;
    let mine = message_id(&app, &app.customer, &case, "Sent too soon.").await;
    let agents = message_id(&app, &app.customer, &case, "We are looking.").await;

    // Someone else's message, either way round: no permission, in a 200.
    let refused = answer(withdraw(&app, &app.customer, &case, &agents).await, 200).await;
    assert_eq!(refused["error_code"], "OSM.01010002", "{refused}");
    let refused = answer(withdraw(&app, &app.agent, &case, &mine).await, 200).await;
    assert_eq!(refused["error_code"], "OSM.01010002", "{refused}");
    // A customer who does not see the case: no such case.
    let refused = answer(withdraw(&app, &app.other, &case, &mine).await, 200).await;
    assert_eq!(refused["error_code"], "OSM.01010015", "{refused}");
    // A key that may only read: the gateway's 403.
    let refused = answer(withdraw(&app, &read_only(&app), &case, &mine).await, 403).await;
    assert_eq!(refused["error_code"], "APIGW.0302", "{refused}");
    // Not a message id, or the id of a message on another case.
    let elsewhere = open_case(&app, &app.customer, "Another case.").await;
    for id in ["not-an-id", mine.as_str()] {
        let refused = answer(withdraw(&app, &app.customer, &elsewhere, id).await, 200).await;
        assert_eq!(refused["error_code"], "OSM.01010001", "{id}: {refused}");
    }
    // A body that is not JSON is bad input, not a 500.
    let path = format!("{OSM}/cases/{case}/instant-messages/{mine}/withdraw");
    let res = app
        .client
        .post(app.url(&path))
        .header("X-Auth-Token", &app.customer)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(answer(res, 400).await["error_code"], "OSM.0001");

    assert_eq!(
        answer(withdraw(&app, &app.customer, &case, &mine).await, 200).await,
        json!({})
    );
    let again = answer(withdraw(&app, &app.customer, &case, &mine).await, 200).await;
    assert_eq!(again["error_code"], "OSM.01010014", "{again}");
    // Gone for everyone, in every dialect.
    let thread: Vec<Value> = app
        .get(&app.agent, &format!("/v1/tickets/{case}/messages"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        thread.iter().all(|m| m["body"] != "Sent too soon."),
        "{thread:?}"
    );
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.agent,
        &format!("/cases/{case}/messages"),
        None,
    )
    .await;
    assert_eq!(answer(res, 200).await["count"], 2);
}

#[actix_web::test]
async fn operate_logs_show_changes_made_in_any_dialect_by_whom_in_the_asked_language() {
    let app = spawn_app().await;
    let case = open_case(&app, &app.customer, "VPN drops.").await;
    for status in ["pending", "closed", "open"] {
        let res = app
            .patch_json(
                &app.agent,
                &format!("/v1/tickets/{case}"),
                json!({"status": status}),
            )
            .await;
        assert_eq!(res.status(), 200, "{status}");
    }
    let path = format!("{OSM}/cases/{case}/operate-logs?limit=100");
    let res = app
        .client
        .get(app.url(&path))
        .header("X-Auth-Token", &app.customer)
        .header("X-Language", "en-us")
        .send()
        .await
        .unwrap();
    let logs = answer(res, 200).await;
    assert_eq!(logs["total_count"], 4, "{logs}");
    let list = logs["incident_operate_log_list"].as_array().unwrap();
    let types: Vec<i64> = list
        .iter()
        .map(|l| l["operate_type"].as_i64().unwrap())
        .collect();
    assert_eq!(
        types,
        [1, 3, 4, 5],
        "opened, moved, closed, reopened: {logs}"
    );
    let by: Vec<i64> = list
        .iter()
        .map(|l| l["operator_type"].as_i64().unwrap())
        .collect();
    assert_eq!(
        by,
        [0, 1, 1, 1],
        "the customer opened it, the agent moved it"
    );
    assert_eq!(list[1]["operate_desc"], "Moved the case to status 17");
    assert_eq!(list[3]["operate_desc"], "Reopened the case");
    assert!(list.iter().all(|l| l["incident_id"] == case.as_str()));

    // Chinese by default; paging as the other OSM lists page.
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.agent,
        &format!("/cases/{case}/operate-logs?offset=3&limit=5"),
        None,
    )
    .await;
    let page = answer(res, 200).await;
    assert_eq!(page["total_count"], 4);
    assert_eq!(
        page["incident_operate_log_list"][0]["operate_desc"],
        "重新打开工单"
    );
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.agent,
        &format!("/cases/{case}/operate-logs?limit=101"),
        None,
    )
    .await;
    assert_eq!(answer(res, 400).await["error_code"], "OSM.0001");
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.agent,
        &format!("/cases/{case}/operate-logs?offset=-1"),
        None,
    )
    .await;
    assert_eq!(answer(res, 400).await["error_code"], "OSM.0001");
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.other,
        &format!("/cases/{case}/operate-logs"),
        None,
    )
    .await;
    assert_eq!(answer(res, 200).await["error_code"], "OSM.01010015");
}

#[actix_web::test]
async fn contact_info_is_checked_kept_field_by_field_and_only_for_those_who_may_write() {
    let app = spawn_app().await;
    let case = open_case(&app, &app.customer, "Billing question.").await;
    let path = format!("/cases/{case}/contact-info");
    let put = |key: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move { osm(app, reqwest::Method::PUT, &key, &path, Some(body)).await }
    };
    let set =
        json!({"area_code": "86", "remind_mobile": "13800000000", "remind_mail": "a@example.com"});
    assert_eq!(
        answer(put(app.customer.clone(), set.clone()).await, 200).await,
        json!({})
    );
    // Only the fields sent change; an empty one clears its field.
    let res = put(
        app.agent.clone(),
        json!({"remind_mobile": "", "remind_time": "0"}),
    )
    .await;
    assert_eq!(answer(res, 200).await, json!({}));
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.customer,
        &format!("/cases/{case}"),
        None,
    )
    .await;
    let ext = answer(res, 200).await["incident_detail_info"]["ext_info"].clone();
    assert_eq!(
        ext,
        json!({"area_code": "86", "remind_mobile": "", "remind_mail": "a@example.com", "remind_time": "0", "cc_email": ""})
    );

    for bad in [
        json!({"remind_mail": "not an address"}),
        json!({"remind_mobile": 13800000000u64}),
        json!({"area_code": "1".repeat(129)}),
        json!([]),
    ] {
        let refused = answer(put(app.customer.clone(), bad.clone()).await, 400).await;
        assert_eq!(refused["error_code"], "OSM.0001", "{bad}: {refused}");
    }
    assert_eq!(
        answer(put(app.other.clone(), set.clone()).await, 200).await["error_code"],
        "OSM.01010015"
    );
    assert_eq!(
        answer(put(read_only(&app), set).await, 403).await["error_code"],
        "APIGW.0302"
    );
    // A case opened with a bad address is not opened at all.
    let body = json!({"simple_description": "x", "remind_mail": "@"});
    let res = osm(
        &app,
        reqwest::Method::POST,
        &app.customer,
        "/cases",
        Some(body),
    )
    .await;
    assert_eq!(answer(res, 400).await["error_code"], "OSM.0001");
}

#[actix_web::test]
async fn case_quotas_are_the_customers_hourly_cases_and_none_for_staff() {
    let app = spawn_with(|c| c.quotas.tickets_per_hour = 3).await;
    open_case(&app, &app.customer, "One.").await;
    let res = osm(
        &app,
        reqwest::Method::GET,
        &app.customer,
        "/quotas?business_type_id=1",
        None,
    )
    .await;
    assert_eq!(answer(res, 200).await, json!({"total": 3, "un_used": 2}));
    let res = osm(&app, reqwest::Method::GET, &app.agent, "/quotas", None).await;
    assert_eq!(answer(res, 200).await, json!({}));
}
