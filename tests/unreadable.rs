//! Request heads the HTTP layer cannot read (a 100 KB URI, a header with a control byte, 100
//! headers, a 180 KB header block), written raw on a TCP socket: each is answered with 414,
//! 400 or 431 in the error shape of the dialect its path belongs to, with `Connection:
//! close`, after any request pipelined before it; and the server goes on serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{spawn_app, TestApp};
use serde_json::Value;

/// One answer: status, lower-cased headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Writes `bytes` (from another thread, ignoring errors once the server stops reading) and
/// reads every answer until the server closes.
async fn exchange(app: &TestApp, bytes: Vec<u8>) -> Vec<Answer> {
    let address = app.address.clone();
    let raw = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sending = std::thread::spawn(move || {
            let _ = writer.write_all(&bytes);
        });
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(e) => panic!("reading after {} bytes: {e}", raw.len()),
            }
        }
        sending.join().unwrap();
        raw
    })
    .await
    .unwrap();
    parse(&String::from_utf8(raw).unwrap())
}

fn parse(mut text: &str) -> Vec<Answer> {
    let mut answers = Vec::new();
    while let Some((head, rest)) = text.split_once("\r\n\r\n") {
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| l.split_once(':').unwrap())
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        answers.push(Answer {
            status: status.parse().unwrap(),
            headers,
            body: rest[..length].to_owned(),
        });
        text = &rest[length..];
    }
    answers
}

fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: attache\r\n{extra}\r\n").into_bytes()
}

/// The four kinds of unreadable head, on `path`, with their status and code.
fn unreadable(path: &str) -> Vec<(&'static str, Vec<u8>, u16, &'static str)> {
    let long_uri = format!("{path}?q={}", "a".repeat(100 * 1024));
    let many: String = (0..100).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let block: String = (0..3)
        .map(|i| format!("X-Big{i}: {}\r\n", "b".repeat(60 * 1024)))
        .collect();
    vec![
        ("a 100 KB URI", get(&long_uri, ""), 414, "uri_too_long"),
        (
            "a control byte in a header",
            get(path, "X-Bad: a\x01b\r\n"),
            400,
            "malformed_request",
        ),
        ("100 headers", get(path, &many), 431, "headers_too_large"),
        (
            "a 180 KB header block",
            get(path, &block),
            431,
            "headers_too_large",
        ),
    ]
}

/// What each dialect's body says for `code`, checked against `answer`.
fn check_shape(prefix: &str, answer: &Answer, status: u16, code: &str, what: &str) {
    assert_eq!(answer.status, status, "{prefix}: {what}");
    assert_eq!(answer.header("connection"), "close", "{prefix}: {what}");
    assert_eq!(answer.header("x-content-type-options"), "nosniff");
    let doc = answer.json();
    match prefix {
        "/v2/servicerequest" => {
            assert_eq!(answer.header("content-type"), "application/json");
            assert_eq!(doc["error_code"], "OSM.0001", "{what}");
            assert!(doc["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
        }
        "/api" => {
            assert_eq!(answer.header("content-type"), "application/json");
            assert!(
                doc["detail"].as_str().is_some_and(|m| !m.is_empty()),
                "{what}"
            );
        }
        _ => {
            assert_eq!(answer.header("content-type"), "application/problem+json");
            assert_eq!(doc["code"], code, "{prefix}: {what}");
            assert_eq!(doc["status"], status);
            assert!(doc["type"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/errors/{code}")));
            assert!(doc["requestId"].as_str().is_some_and(|id| !id.is_empty()));
        }
    }
}

#[actix_web::test]
async fn unreadable_heads_are_answered_in_each_dialects_shape() {
    let app = spawn_app().await;
    let paths = [
        ("/v1", "/v1/tickets"),
        ("/api/v2/support", "/api/v2/support/tickets"),
        ("/v2/servicerequest", "/v2/servicerequest/cases"),
        ("/api", "/api/support-issues/"),
        ("/", "/nowhere"),
    ];
    for (prefix, path) in paths {
        for (what, bytes, status, code) in unreadable(path) {
            let answers = exchange(&app, bytes).await;
            assert_eq!(answers.len(), 1, "{path}: {what}");
            check_shape(prefix, &answers[0], status, code, what);
        }
    }
    // And the server still serves.
    let res = app.client.get(format!("{}/healthz", app.base)).send().await;
    assert_eq!(res.unwrap().status(), 200);
}

#[actix_web::test]
async fn a_client_cannot_claim_a_refusal_itself() {
    let app = spawn_app().await;
    for claim in ["1 malformed", "0 uri-too-long", "x"] {
        let answers = exchange(
            &app,
            get(
                "/v1/me",
                &format!("Attache-Refused-Head: {claim}\r\nConnection: close\r\n"),
            ),
        )
        .await;
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].status, 404, "{claim}");
        assert_eq!(answers[0].json()["code"], "not_found");
    }
}

#[actix_web::test]
async fn a_refusal_comes_after_the_requests_pipelined_before_it() {
    let app = spawn_app().await;
    let auth = format!("Authorization: Bearer {}\r\n", app.admin);
    // A GET, a chunked POST whose data looks like a bad head, a POST with a length, then
    // the unreadable head: each is read by its framing, and answered in order.
    let mut bytes = get("/healthz", "");
    let (first, second) = ("{\"subject\":\"GET /v1/me HTT", "P/1.1\",\"body\":\"b\"}");
    bytes.extend(
        format!(
            "POST /v1/tickets HTTP/1.1\r\nHost: a\r\n{auth}Content-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\r\n",
            first.len(),
            second.len()
        )
        .bytes(),
    );
    let json = "{\"subject\":\"GET / HTTP/1.1\",\"body\":\"b\"}";
    bytes.extend(
        format!(
            "POST /v1/tickets HTTP/1.1\r\nHost: a\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{json}",
            json.len()
        )
        .bytes(),
    );
    bytes.extend(get("/v2/servicerequest/cases", &"X-H: h\r\n".repeat(100)));
    let answers = exchange(&app, bytes).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [200, 201, 201, 431],
        "{:?}",
        answers.last().map(|a| &a.body)
    );
    check_shape(
        "/v2/servicerequest",
        &answers[3],
        431,
        "headers_too_large",
        "pipelined",
    );
    let res = app.client.get(format!("{}/readyz", app.base)).send().await;
    assert_eq!(res.unwrap().status(), 200);
}

#[actix_web::test]
async fn a_head_that_arrives_in_pieces_is_served_or_refused_whole() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let answers = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut bytes = get("/healthz", "");
        bytes.extend(get("/v1/me", &"X-H: h\r\n".repeat(100)));
        for piece in bytes.chunks(7) {
            stream.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        parse(&raw)
    })
    .await
    .unwrap();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 431]);
    check_shape("/v1", &answers[1], 431, "headers_too_large", "in pieces");
}

/// What a client that sends `bytes` and then nothing gets, and after how long.
async fn stalled(app: &TestApp, bytes: Vec<u8>) -> (String, Duration) {
    let address = app.address.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let started = std::time::Instant::now();
        stream.write_all(&bytes).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        (
            String::from_utf8_lossy(&raw).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_head_held_back_still_times_out() {
    let app = spawn_app().await;
    // A first head that never ends: actix's 5 s request timeout still answers 408.
    let (raw, took) = stalled(&app, b"GET /v1/me HTTP/1.1\r\nHost: a\r\nX-Slow: ".to_vec()).await;
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // A later head that never ends: the connection is closed once idle for keep-alive (5 s).
    let mut bytes = get("/healthz", "");
    bytes.extend(b"GET /v1/me HTTP/1.1\r\nHost: a\r\nX-Slow: ");
    let (raw, took) = stalled(&app, bytes).await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert_eq!(raw.matches("HTTP/1.1").count(), 1, "{raw}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
