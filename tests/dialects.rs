//! One store under four dialects: the same bytes are stored once whichever dialect took them,
//! a ticket made in one is seen in the others, and each dialect answers errors in its shape.

mod common;

use attache::ids::Id;
use common::{png, spawn_app, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

async fn osm_upload(
    app: &TestApp,
    key: &str,
    form_data: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut form = Form::new();
    if let Some(form_data) = form_data {
        form = form.text("form_data", form_data.to_owned());
    }
    form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url("/v2/servicerequest/accessorys"))
        .header("X-Auth-Token", key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_same_bytes_through_every_dialect_are_one_blob_on_one_ticket() {
    let app = spawn_app().await;
    let bytes = png("one content, four dialects");

    // Huawei: an accessory, then a case that carries it.
    let res = osm_upload(
        &app,
        &app.customer,
        Some(r#"{"fileName":"from-huawei.png","accessoryFrom":"incident","uploadType":0}"#),
        "ignored.png",
        bytes.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let accessory = res.json::<Value>().await.unwrap()["accessory_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app.client.post(app.url("/v2/servicerequest/cases")).header("X-Auth-Token", &app.customer)
        .json(&json!({"simple_description": "Printer on fire\nDetails follow.", "business_type_id": "1", "source_id": "x", "accessory_ids": [accessory]}))
        .send().await.unwrap();
    assert_eq!(res.status(), 200);
    let case = res.json::<Value>().await.unwrap()["incident_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = Id::parse_uuid(&case).unwrap();

    // Native: the same ticket, with the accessory as its attachment, named from form_data.
    let native: Vec<Value> = app
        .get(&app.customer, &format!("/v1/tickets/{id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(native.len(), 1);
    assert_eq!(
        native[0]["filename"], "from-huawei.png",
        "form_data's fileName wins"
    );
    let ticket: Value = app
        .get(&app.customer, &format!("/v1/tickets/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["subject"], "Printer on fire");

    // HostUp: upload the same bytes pinned to it, and reply.
    let hostup_ticket = id.prefixed("tkt");
    let form = Form::new()
        .part(
            "file",
            Part::bytes(bytes.clone()).file_name("from-hostup.png"),
        )
        .text("ticketId", hostup_ticket.clone());
    let res = app
        .client
        .post(app.url("/api/v2/support/attachments"))
        .bearer_auth(&app.customer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = app
        .post_json(
            &app.customer,
            &format!("/api/v2/support/tickets/{hostup_ticket}/messages"),
            json!({"message": "more"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    // Waldur: attach the same bytes to the same issue by its URL.
    let issue_url = format!("{}/api/support-issues/{}/", app.base, id.hex());
    let form = Form::new().text("issue", issue_url.clone()).part(
        "file",
        Part::bytes(bytes.clone()).file_name("from-waldur.png"),
    );
    let res = app
        .client
        .post(app.url("/api/support-attachments/"))
        .header("Authorization", format!("Token {}", app.customer))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Native: and once more.
    app.upload_ok(
        &app.customer,
        &id.to_string(),
        "from-native.png",
        bytes.clone(),
    )
    .await;

    assert_eq!(
        app.blob_files().len(),
        1,
        "four dialects, one content, one file"
    );
    let waldur: Vec<Value> = app
        .client
        .get(app.url(&format!(
            "/api/support-attachments/?issue_uuid={}",
            id.hex()
        )))
        .header("Authorization", format!("Token {}", app.customer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut names: Vec<&str> = waldur
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "from-hostup.png",
            "from-huawei.png",
            "from-native.png",
            "from-waldur.png"
        ]
    );
    let hostup: Value = app
        .get(
            &app.customer,
            &format!("/api/v2/support/tickets/{hostup_ticket}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        hostup["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["attachments"].as_array().unwrap().len())
            .sum::<usize>(),
        2,
        "the attachments carried by messages"
    );
    let case_view: Value = app
        .client
        .get(app.url(&format!("/v2/servicerequest/cases/{case}")))
        .header("X-Auth-Token", &app.customer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        case_view["incident_detail_info"]["incident_id"],
        case.as_str()
    );

    // Another customer sees it in no dialect.
    assert_eq!(
        app.get(
            &app.other,
            &format!("/api/v2/support/tickets/{hostup_ticket}")
        )
        .await
        .status(),
        404
    );
    // (OSM answers an unknown case with HTTP 200 and its business code.)
    let res = app
        .client
        .get(app.url(&format!("/v2/servicerequest/cases/{case}")))
        .header("X-Auth-Token", &app.other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error_code"], "OSM.01010015", "{body}");
    assert!(body.get("incident_detail_info").is_none());
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/support-issues/{}/", id.hex())))
            .header("Authorization", format!("Token {}", app.other))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[actix_web::test]
async fn huawei_errors_are_error_code_and_error_msg_in_the_asked_language() {
    let app = spawn_app().await;
    let url = app.url("/v2/servicerequest/accessorys/limits");
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let zh: Value = res.json().await.unwrap();
    assert_eq!(zh["error_code"], "APIGW.0301");
    assert!(zh["error_msg"].as_str().unwrap().contains("认证"), "{zh}");
    let en: Value = app
        .client
        .get(&url)
        .header("X-Language", "en-us")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        en["error_msg"]
            .as_str()
            .unwrap()
            .starts_with("No credential"),
        "{en}"
    );

    let res = app
        .client
        .get(&url)
        .header("X-Auth-Token", &app.agent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let limits: Value = res.json().await.unwrap();
    assert_eq!(limits["accessory_limit"]["limit_size"], "30");
    assert_eq!(limits["accessory_limit"]["limit_count"], "100");

    let res = osm_upload(&app, &app.agent, Some("not json"), "a.png", png("a")).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error_code"], "OSM.0001");
    let res = osm_upload(
        &app,
        &app.agent,
        None,
        "a.exe",
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec(),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["error_code"], "OSM.0001");
    // An unknown case is one of OSM's business errors, answered with HTTP 200; an unknown
    // accessory, the gateway's 404.
    for (path, status, code) in [
        ("/v2/servicerequest/accessorys/not-an-id", 404, "APIGW.0101"),
        ("/v2/servicerequest/cases/%00", 200, "OSM.01010015"),
        (
            "/v2/servicerequest/accessorys/nope/access-url",
            404,
            "APIGW.0101",
        ),
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("X-Auth-Token", &app.agent)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(res.json::<Value>().await.unwrap()["error_code"], code);
    }
    let bad = app.client.post(app.url("/v2/servicerequest/accessorys/json-format-content")).header("X-Auth-Token", &app.agent)
        .json(&json!({"accessory_name": "x.txt", "accessory_from": "incident", "accessory_data": "%%%"})).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    // A signature with an unknown AK, or a stale date, is 401 in this shape too.
    let res = app
        .client
        .get(&url)
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=NOPE, SignedHeaders=host;x-sdk-date, Signature=00",
        )
        .header("X-Sdk-Date", "20200101T000000Z")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error_code"],
        "APIGW.0301"
    );
}

/// The route table's order: `/api/v2/support` belongs to HostUp, not to Waldur's `/api`, and a
/// path no route takes is a 404 in the shape of the dialect whose prefix it is under.
#[actix_web::test]
async fn each_prefix_belongs_to_one_dialect_and_its_unknown_paths_get_that_dialects_404() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v2/support/tickets"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    let not_found = |res: &Value| -> &'static str {
        if res == &json!({"detail": "Not found."}) {
            "waldur"
        } else if res["error_code"] == "APIGW.0101" {
            "huawei"
        } else if res["code"] == "not_found" {
            "problem"
        } else {
            "unknown"
        }
    };
    for (path, shape) in [
        ("/api/v2/support/nowhere", "problem"),
        ("/api/v2/support/tickets/tkt_x/nowhere", "problem"),
        ("/api/v2/nowhere", "waldur"),
        ("/api/nowhere", "waldur"),
        ("/v2/servicerequest/nowhere", "huawei"),
        ("/v2/servicerequest/accessorys/x/y/z", "huawei"),
    ] {
        let res = app.get(&app.agent, path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(not_found(&res.json().await.unwrap()), shape, "{path}");
    }
}

#[actix_web::test]
async fn waldur_errors_are_drf_shaped() {
    let app = spawn_app().await;
    let list = app.url("/api/support-attachments/");
    let res = app.client.get(&list).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Authentication credentials were not provided."})
    );
    let res = app
        .client
        .get(&list)
        .header("Authorization", "Token wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Invalid token."})
    );
    let token = format!("Token {}", app.agent);
    // DRF's words: its own for a malformed uuid, Django's naming the model for a well-formed
    // one that matches nothing, and the paginator's for a page past the last.
    let missing = "0123456789abcdef0123456789abcdef";
    for (path, detail) in [
        ("/api/support-attachments/zzz/", "Not found."),
        ("/api/support-issues/0123/", "Not found."),
        (
            &format!("/api/support-attachments/{missing}/"),
            "No Attachment matches the given query.",
        ),
        (
            &format!("/api/support-issues/{missing}/"),
            "No Issue matches the given query.",
        ),
        (
            &format!("/api/support-comments/{missing}/"),
            "No Comment matches the given query.",
        ),
        ("/api/support-attachments/?page=99", "Invalid page."),
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("Authorization", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({ "detail": detail }),
            "{path}"
        );
    }
    let form = Form::new().part("file", Part::bytes(png("x")).file_name("x.png"));
    let res = app
        .client
        .post(&list)
        .header("Authorization", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"issue": ["This field is required."]})
    );
    let form = Form::new()
        .text("issue", "http://elsewhere/api/support-issues/nope/")
        .part("file", Part::bytes(png("x")).file_name("x.png"));
    let res = app
        .client
        .post(&list)
        .header("Authorization", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"issue": ["Invalid hyperlink - Object does not exist."]})
    );
    let res = app
        .client
        .post(app.url("/api/support-issues/"))
        .header("Authorization", &token)
        .json(&json!({"type": "Incident"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["summary"].is_array());
    assert!(app.blob_files().is_empty() && app.tmp_files() == 0);
}

/// Waldur's `Link` carries what shapes the list, each once (issue 12, finding 10: 2,000
/// `field=` parameters made a 69 KB header): junk and repeated `field`s are dropped, real
/// ones and the filters are kept, and the next page still answers the same sparse fields.
#[actix_web::test]
async fn waldur_links_stay_small_whatever_the_query_repeats() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "links").await;
    for tag in ["one", "two"] {
        app.upload_ok(&app.customer, &ticket, &format!("{tag}.png"), png(tag))
            .await;
    }
    let hex = Id::parse_uuid(&ticket).unwrap().hex();
    let mut query = format!("issue_uuid={hex}&page_size=1");
    for i in 0..1000 {
        query.push_str(&format!("&field=uuid&field=junk{i}"));
    }
    let key = format!("Token {}", app.customer);
    let res = app
        .client
        .get(app.url(&format!("/api/support-attachments/?{query}")))
        .header("Authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.len() < 2048, "{} bytes: {link}", link.len());
    let next = link
        .split(", ")
        .find_map(|l| l.strip_suffix("; rel=\"next\""))
        .unwrap()
        .trim_matches(['<', '>']);
    assert_eq!(next.matches("field=uuid").count(), 1, "{next}");
    assert!(
        next.contains(&format!("issue_uuid={hex}")) && !next.contains("junk"),
        "{next}"
    );
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(
        page[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["uuid"]
    );
    let res = app
        .client
        .get(next)
        .header("Authorization", &key)
        .send()
        .await
        .unwrap();
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(
        page[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["uuid"]
    );
}
