//! attache as a test double (issue 14), driven over real HTTP against the real binary: the
//! controls under `/_attache/` exist only with `--test-mode`; reset and snapshots, the request
//! journal, injected faults in each dialect's shape, `Prefer`, and a clock a test can move.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::binary::{serve, Running};
use common::python::{output, python_with, shown};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response};
use serde_json::{json, Value};

struct Double {
    server: Running,
    admin: String,
    client: Client,
    _dir: tempfile::TempDir,
}

fn start(extra: &[&str]) -> Double {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), extra);
    let admin = server.stdout[0].split('\t').nth(2).unwrap().to_owned();
    Double {
        server,
        admin,
        client: Client::new(),
        _dir: dir,
    }
}

impl Double {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.admin);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    async fn json(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let res = self.call(method, path, body).await;
        assert!(
            res.status().is_success(),
            "{method} {path}: {}",
            res.status()
        );
        res.json().await.unwrap_or(Value::Null)
    }

    async fn ticket(&self, subject: &str) -> String {
        let ticket = self
            .json("POST", "/v1/tickets", Some(json!({ "subject": subject })))
            .await;
        ticket["id"].as_str().unwrap().to_owned()
    }

    async fn upload(&self, ticket: &str, bytes: Vec<u8>) -> Value {
        let form = Form::new().part("file", Part::bytes(bytes).file_name("log.txt"));
        let res = self
            .client
            .post(self.url(&format!("/v1/tickets/{ticket}/attachments")))
            .bearer_auth(&self.admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }

    async fn signed_url(&self, ticket: &str, attachment: &str) -> String {
        let path = format!("/v1/tickets/{ticket}/attachments/{attachment}/download");
        let signed = self.json("GET", &path, None).await;
        signed["signed_url"].as_str().unwrap().to_owned()
    }

    async fn fault(&self, rule: Value) {
        let res = self.call("POST", "/_attache/faults", Some(rule)).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
}

#[actix_web::test]
async fn without_test_mode_there_are_no_controls_and_prefer_changes_nothing() {
    let double = start(&[]);
    for (method, path) in [
        ("POST", "/_attache/reset"),
        ("GET", "/_attache/requests"),
        ("POST", "/_attache/faults"),
        ("POST", "/_attache/clock"),
        ("POST", "/_attache/snapshots/a"),
    ] {
        let res = double.call(method, path, Some(json!({}))).await;
        assert_eq!(res.status(), 404, "{method} {path}");
    }
    let res = double
        .client
        .get(double.url("/v1/me"))
        .bearer_auth(&double.admin)
        .header("Prefer", "code=503, delay=3000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn the_controls_need_an_admin_key() {
    let double = start(&["--test-mode"]);
    let res = double
        .client
        .post(double.url("/_attache/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let user = common::binary::attache(&[
        "key",
        "create",
        "--user",
        "casey",
        "--role",
        "customer",
        "--data-dir",
        double._dir.path().to_str().unwrap(),
    ]);
    assert!(user.0, "{}", user.2);
    let key = user
        .1
        .trim()
        .split('\t')
        .nth(2)
        .unwrap_or(user.1.trim())
        .to_owned();
    let res = double
        .client
        .get(double.url("/_attache/requests"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[actix_web::test]
async fn reset_returns_to_the_start_and_snapshots_come_back() {
    let double = start(&["--test-mode"]);
    let ticket = double.ticket("Kept in the snapshot").await;
    let file = double.upload(&ticket, b"snapshot me\n".to_vec()).await;
    let attachment = file["id"].as_str().unwrap();
    let res = double.call("POST", "/_attache/snapshots/one", None).await;
    assert_eq!(res.status(), 201);

    // Change everything: the file goes (its last attachment), another ticket comes.
    let path = format!("/v1/tickets/{ticket}/attachments/{attachment}");
    assert_eq!(double.call("DELETE", &path, None).await.status(), 204);
    double.ticket("After the snapshot").await;
    assert_eq!(
        double
            .json("GET", "/v1/tickets", None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let res = double
        .call("POST", "/_attache/snapshots/one/restore", None)
        .await;
    assert_eq!(res.status(), 204);
    let tickets = double.json("GET", "/v1/tickets", None).await;
    assert_eq!(tickets.as_array().unwrap().len(), 1, "{tickets}");
    let url = double.signed_url(&ticket, attachment).await;
    let body = double
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"snapshot me\n", "the file is back with its row");

    let res = double
        .call("POST", "/_attache/snapshots/nope/restore", None)
        .await;
    assert_eq!(res.status(), 404);
    let res = double
        .call("POST", "/_attache/snapshots/..%2Fetc/restore", None)
        .await;
    assert_eq!(res.status(), 400);

    // Reset: the state the server started in (no tickets; the first admin key still works).
    assert_eq!(
        double.call("POST", "/_attache/reset", None).await.status(),
        204
    );
    let tickets = double.json("GET", "/v1/tickets", None).await;
    assert_eq!(tickets, json!([]));
}

#[actix_web::test]
async fn the_journal_records_what_the_client_sent() {
    let double = start(&["--test-mode"]);
    let since = double.json("GET", "/_attache/clock", None).await["now"].clone();
    let form = Form::new()
        .part(
            "file",
            Part::bytes(b"hello\n".to_vec()).file_name("hello.txt"),
        )
        .text("note", "ignored");
    let res = double
        .client
        .post(double.url("/api/v2/support/attachments"))
        .bearer_auth(&double.admin)
        .header("X-Trace", "abc")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();

    let query = format!(
        "/_attache/requests?dialect=hostup&method=post&since={}",
        since.as_str().unwrap()
    );
    let entries = double.json("GET", &query, None).await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["request_id"], request_id.as_str());
    assert_eq!(entry["path"], "/api/v2/support/attachments");
    assert_eq!(entry["status"], 201);
    let header = |name: &str| {
        entry["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    assert_eq!(header("authorization").as_deref(), Some("[redacted]"));
    assert_eq!(header("x-trace").as_deref(), Some("abc"));
    let parts = &entry["parts"];
    assert_eq!(
        parts[0],
        json!({"name": "file", "filename": "hello.txt", "size": 6})
    );
    assert_eq!(parts[1]["name"], "note");

    let native = double
        .json("GET", "/_attache/requests?path=/v1/*&status=201", None)
        .await;
    assert_eq!(native, json!([]));
    assert_eq!(
        double
            .call("DELETE", "/_attache/requests", None)
            .await
            .status(),
        204
    );
    let left = double
        .json("GET", "/_attache/requests?dialect=hostup", None)
        .await;
    assert_eq!(left, json!([]));
    let res = double
        .call("GET", "/_attache/requests?since=yesterday", None)
        .await;
    assert_eq!(res.status(), 400);
}

/// The status, one header and the body of a plain request with the admin key.
async fn answer(
    double: &Double,
    method: &str,
    path: &str,
    auth: (&str, String),
) -> (u16, reqwest::header::HeaderMap, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let res = double
        .client
        .request(method, double.url(path))
        .header(auth.0, auth.1)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn an_injected_fault_answers_in_each_dialects_own_shape() {
    let double = start(&["--test-mode"]);
    let bearer = ("Authorization", format!("Bearer {}", double.admin));
    double
        .fault(json!({"dialect": "hostup", "path": "/api/v2/support/tickets", "status": 429, "retry_after": 7, "times": 1}))
        .await;
    let (status, headers, body) =
        answer(&double, "GET", "/api/v2/support/tickets", bearer.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(headers["retry-after"], "7");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    // HostUp's `X-RateLimit-Reset` is the ISO time the window resets, 7 seconds from now.
    let reset = headers["x-ratelimit-reset"].to_str().unwrap();
    let reset = time::OffsetDateTime::parse(reset, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{reset}: {e}"));
    let ahead = reset - time::OffsetDateTime::now_utc();
    assert!(
        ahead.whole_seconds() <= 8 && ahead.whole_seconds() >= 5,
        "{ahead}"
    );
    assert!(headers["x-ratelimit-limit"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    // Once only: the next request is the route's own answer.
    let (status, _, _) = answer(&double, "GET", "/api/v2/support/tickets", bearer.clone()).await;
    assert_eq!(status, 200);

    double
        .fault(json!({"dialect": "huawei", "status": 429, "times": 1}))
        .await;
    let token = ("X-Auth-Token", double.admin.clone());
    let (status, _, body) = answer(
        &double,
        "GET",
        "/v2/servicerequest/accessorys/limits",
        token,
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (429, Some("APIGW.0308")),
        "{body}"
    );

    double
        .fault(json!({"dialect": "waldur", "method": "GET", "path": "/api/support-issues/*", "status": 503, "times": 1}))
        .await;
    let token = ("Authorization", format!("Token {}", double.admin));
    let (status, headers, body) = answer(&double, "GET", "/api/support-issues/", token).await;
    assert_eq!(status, 503);
    assert!(body["detail"].is_string(), "{body}");
    assert!(headers.contains_key("retry-after"));

    double
        .fault(json!({"dialect": "native", "path": "/v1/me", "status": 500}))
        .await;
    for _ in 0..2 {
        let (status, headers, body) = answer(&double, "GET", "/v1/me", bearer.clone()).await;
        assert_eq!(status, 500);
        assert_eq!(headers["content-type"], "application/problem+json");
        assert_eq!(body["code"], "internal_error");
    }
    let rules = double.json("GET", "/_attache/faults", None).await;
    assert_eq!(
        rules.as_array().unwrap().len(),
        1,
        "spent rules are gone: {rules}"
    );
    assert_eq!(rules[0]["applied"], 2);
    assert_eq!(
        double
            .call("DELETE", "/_attache/faults", None)
            .await
            .status(),
        204
    );
    assert_eq!(
        answer(&double, "GET", "/v1/me", bearer.clone()).await.0,
        200
    );

    // Bad rules are refused, saying why.
    for rule in [
        json!({"status": 299}),
        json!({"dialect": "nope", "status": 500}),
        json!({"action": "status"}),
        json!({"status": 500, "probability": 2.0}),
    ] {
        let res = double
            .call("POST", "/_attache/faults", Some(rule.clone()))
            .await;
        assert_eq!(res.status(), 400, "{rule}");
    }
}

#[actix_web::test]
async fn prefer_asks_for_a_status_or_a_delay() {
    let double = start(&["--test-mode"]);
    let res = double
        .client
        .get(double.url("/v1/me"))
        .bearer_auth(&double.admin)
        .header("Prefer", "code=503")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "busy");
    let started = Instant::now();
    let res = double
        .client
        .get(double.url("/v1/me"))
        .bearer_auth(&double.admin)
        .header("Prefer", "delay=400")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[actix_web::test]
async fn a_fault_can_drop_the_connection_or_cut_a_download_short() {
    let double = start(&["--test-mode"]);
    let ticket = double.ticket("Faults").await;
    let content = vec![b'x'; 64 * 1024];
    let file = double.upload(&ticket, content.clone()).await;
    let url = double
        .signed_url(&ticket, file["id"].as_str().unwrap())
        .await;

    double
        .fault(json!({"dialect": "files", "action": "truncate", "times": 1}))
        .await;
    let res = double.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.content_length(), Some(content.len() as u64));
    assert!(
        res.bytes().await.is_err(),
        "the body ends before its Content-Length"
    );

    double
        .fault(json!({"dialect": "native", "path": "/v1/me", "action": "reset", "times": 1}))
        .await;
    let res = double
        .client
        .get(double.url("/v1/me"))
        .bearer_auth(&double.admin)
        .send()
        .await;
    assert!(res.is_err(), "no answer at all: {res:?}");

    // Afterwards both work again.
    let body = double
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), content.len());
    assert_eq!(double.call("GET", "/v1/me", None).await.status(), 200);
}

#[actix_web::test]
async fn a_moved_clock_expires_signed_urls_and_pending_uploads_without_waiting() {
    let double = start(&["--test-mode"]);
    let ticket = double.ticket("Clock").await;
    let file = double.upload(&ticket, b"tick\n".to_vec()).await;
    let url = double
        .signed_url(&ticket, file["id"].as_str().unwrap())
        .await;
    assert_eq!(double.client.get(&url).send().await.unwrap().status(), 200);

    // A HostUp upload no message carries yet, pinned to a HostUp ticket: kept for
    // --pending-ttl (a day by default), then swept; a reply before that would carry it.
    let new_ticket = json!({"subject": "Pending", "message": "x", "priority": "low", "departmentSlug": "billing"});
    let hostup = double
        .json("POST", "/api/v2/support/tickets", Some(new_ticket))
        .await;
    let hostup_id = hostup["id"].as_str().unwrap().to_owned();
    let form = Form::new()
        .part(
            "file",
            Part::bytes(b"pending\n".to_vec()).file_name("p.txt"),
        )
        .text("ticketId", hostup_id.clone());
    let res = double
        .client
        .post(double.url("/api/v2/support/attachments"))
        .bearer_auth(&double.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let before = double.json("GET", "/_attache/clock", None).await["now"].clone();
    let moved = double
        .json(
            "POST",
            "/_attache/clock",
            Some(json!({"advance_seconds": 3700})),
        )
        .await;
    let (before, after) = (before.as_str().unwrap(), moved["now"].as_str().unwrap());
    assert!(
        after > before && after.starts_with(&before[..4]),
        "{before} -> {after}"
    );
    let res = double.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "url_expired");
    assert_eq!(moved["swept_pending_uploads"], 0, "{moved}");

    let moved = double
        .json(
            "POST",
            "/_attache/clock",
            Some(json!({"advance_seconds": 86_400})),
        )
        .await;
    assert_eq!(moved["swept_pending_uploads"], 1, "{moved}");
    // The reply finds nothing left to carry.
    let reply = json!({"message": "Here it is.", "encrypted": false});
    let path = format!("/api/v2/support/tickets/{hostup_id}/messages");
    assert_eq!(double.call("POST", &path, Some(reply)).await.status(), 201);
    let detail = double
        .json("GET", &format!("/api/v2/support/tickets/{hostup_id}"), None)
        .await;
    assert_eq!(detail["attachments"], json!([]), "{detail}");

    let set = double
        .json(
            "POST",
            "/_attache/clock",
            Some(json!({"set": "2031-05-01T12:00:00Z"})),
        )
        .await;
    assert!(
        set["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-05-01T12:00:0"),
        "{set}"
    );
    // Reset puts the clock back.
    assert_eq!(
        double.call("POST", "/_attache/reset", None).await.status(),
        204
    );
    let now = double.json("GET", "/_attache/clock", None).await;
    assert!(now["now"].as_str().unwrap() < "2031", "{now}");
}

#[actix_web::test]
async fn the_official_clients_see_an_injected_fault_as_the_vendors_own() {
    let Some(python) = python_with("huaweicloudsdkosm") else {
        return;
    };
    let double = start(&["--test-mode"]);
    let data_dir = double._dir.path().to_str().unwrap().to_owned();
    let (ak, sk) = common::binary::aksk_pair(double._dir.path(), "osm-user");
    double
        .fault(
            json!({"dialect": "waldur", "path": "/api/support-issues/", "status": 503, "times": 1}),
        )
        .await;
    double
        .fault(json!({"dialect": "huawei", "path": "/v2/servicerequest/accessorys/limits", "status": 429, "times": 1}))
        .await;
    let mut command = Command::new(python);
    command
        .arg(format!(
            "{}/tests/clients/injected_faults.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .env("ATTACHE_URL", &double.server.base)
        .env("ATTACHE_TOKEN", &double.admin)
        .env("ATTACHE_AK", ak)
        .env("ATTACHE_SK", sk)
        .env("HOME", &data_dir);
    let out = output(command).await;
    assert!(
        out.status.success(),
        "injected_faults.py failed\n{}",
        shown(&out)
    );
}
