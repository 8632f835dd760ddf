//! `serve --test-mode --deterministic SEED`: two runs of one test on fresh data directories
//! answer byte for byte alike (status, every header, body), across the dialects; another seed
//! answers otherwise; without test mode the flag is refused.

mod common;

use attache::ids::Id;
use common::binary::{attache, serve, serve_on, Running};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test-double");
const CASEY: &str = "atk_fixture-casey-0001";
const ALEX: &str = "atk_fixture-alex-agent-0001";
/// Both runs hand out URLs on this base, whatever port they listen on.
const PUBLIC: &str = "http://attache.test";

/// Starts on a free port of its own, so that it can announce the public URL instead.
fn start(dir: &std::path::Path, seed: &str) -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let server = serve_on(
        &listen,
        dir,
        &[
            "--test-mode",
            "--deterministic",
            seed,
            "--fixtures",
            FIXTURES,
            "--public-url",
            PUBLIC,
            "--rate-limit",
            "0",
        ],
    );
    assert_eq!(server.base, PUBLIC);
    (server, format!("http://{listen}"))
}

/// What a run answered: one entry per response, status, headers (sorted) and body, whole.
struct Run {
    base: String,
    client: Client,
    transcript: Vec<String>,
}

impl Run {
    /// Sends, records the answer, and returns its body.
    async fn send(&mut self, request: RequestBuilder) -> Vec<u8> {
        let res = request.send().await.unwrap();
        let mut entry = format!("{}\n", res.status());
        let mut headers: Vec<String> = res
            .headers()
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        headers.sort();
        entry += &headers.join("\n");
        let body = res.bytes().await.unwrap().to_vec();
        entry += &format!("\n\n{}", String::from_utf8_lossy(&body));
        self.transcript.push(entry);
        body
    }

    async fn json(&mut self, request: RequestBuilder) -> Value {
        serde_json::from_slice(&self.send(request).await).unwrap()
    }

    fn url(&self, path: &str) -> String {
        // Signed URLs name the public base; the server is on its own port.
        format!("{}{}", self.base, path.strip_prefix(PUBLIC).unwrap_or(path))
    }
}

fn png(tag: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

/// One test's requests, on a fresh data directory: see `native` and `vendors`.
async fn scenario(seed: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(dir.path(), seed);
    let mut run = Run {
        base,
        client: Client::new(),
        transcript: Vec::new(),
    };
    let id = native(&mut run).await;
    vendors(&mut run, &id).await;
    drop(server);
    run.transcript
}

/// A ticket, an upload, a list, a signed URL and its download (whole and in two ranges), an
/// error, a web UI session. Returns the ticket's id.
async fn native(run: &mut Run) -> String {
    let c = run.client.clone();
    let body = json!({"subject": "Scanner jams", "body": "Every page."});
    let ticket = run
        .json(
            c.post(run.url("/v1/tickets"))
                .bearer_auth(CASEY)
                .json(&body),
        )
        .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let form = Form::new().part("file", Part::bytes(png("scan")).file_name("jam.png"));
    let upload = c
        .post(run.url(&format!("/v1/tickets/{id}/attachments")))
        .bearer_auth(CASEY)
        .multipart(form);
    let attachment = run.json(upload).await["id"].as_str().unwrap().to_owned();
    run.send(c.get(run.url("/v1/tickets")).bearer_auth(ALEX))
        .await;
    let path = format!("/v1/tickets/{id}/attachments/{attachment}/download");
    let signed = run.json(c.get(run.url(&path)).bearer_auth(CASEY)).await;
    let signed_url = run.url(signed["signed_url"].as_str().unwrap());
    run.send(c.get(&signed_url)).await;
    run.send(c.get(&signed_url).header("Range", "bytes=0-3,8-11"))
        .await;
    run.send(
        c.get(run.url("/v1/tickets/not-a-ticket"))
            .bearer_auth(CASEY),
    )
    .await;
    run.send(c.post(run.url("/ui/session")).json(&json!({"key": ALEX})))
        .await;
    id
}

/// HostUp's pending upload, reply and ticket; Waldur's issue and attachments; Huawei's case.
async fn vendors(run: &mut Run, id: &str) {
    let c = run.client.clone();
    let hostup = format!("tkt_{}", Id::parse_uuid(id).unwrap().base32());
    let form = Form::new()
        .part("file", Part::bytes(png("pending")).file_name("later.png"))
        .text("ticketId", hostup.clone());
    let upload = c.post(run.url("/api/v2/support/attachments"));
    run.send(upload.bearer_auth(CASEY).multipart(form)).await;
    let reply = c.post(run.url(&format!("/api/v2/support/tickets/{hostup}/messages")));
    run.send(
        reply
            .bearer_auth(CASEY)
            .json(&json!({"message": "One more."})),
    )
    .await;
    let ticket = c.get(run.url(&format!("/api/v2/support/tickets/{hostup}")));
    run.send(ticket.bearer_auth(ALEX)).await;
    let hex = id.replace('-', "");
    let token = format!("Token {ALEX}");
    let issue = c.get(run.url(&format!("/api/support-issues/{hex}/")));
    run.send(issue.header("Authorization", &token)).await;
    let listed = c.get(run.url(&format!("/api/support-attachments/?issue_uuid={hex}")));
    run.send(listed.header("Authorization", &token)).await;
    let case = c.get(run.url(&format!("/v2/servicerequest/cases/{id}")));
    run.send(
        case.header("X-Auth-Token", CASEY)
            .header("X-Language", "en-us"),
    )
    .await;
}

#[actix_web::test]
async fn two_runs_with_one_seed_answer_byte_for_byte_alike_and_another_seed_otherwise() {
    let first = scenario("7").await;
    let second = scenario("7").await;
    assert_eq!(first.len(), 14);
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "response {i} differs between two runs of seed 7");
    }
    let statuses: Vec<&str> = first.iter().map(|r| &r[..3]).collect();
    let expected = ["201", "201", "200", "200", "200", "206", "404", "200"];
    assert_eq!(statuses[..8], expected);
    assert_eq!(statuses[8..], ["201", "201", "200", "200", "200", "200"]);
    // Every record's time and every Date header are the frozen clock's.
    assert!(
        first[0].contains("\"created_at\":\"2030-01-01T00:00:00.000Z\""),
        "{}",
        first[0]
    );
    for response in &first {
        assert!(
            response.contains("\ndate: Tue, 01 Jan 2030 00:00:00 GMT\n"),
            "{response}"
        );
    }

    let other = scenario("8").await;
    let line = |r: &str, start: &str| r.lines().find(|l| l.contains(start)).unwrap().to_owned();
    let body = |r: &str| r.split_once("\n\n").unwrap().1.to_owned();
    assert_ne!(body(&first[0]), body(&other[0]), "the ticket's id");
    let kid = |r: &str| r.split("kid=").nth(1).unwrap()[..8].to_owned();
    assert_ne!(kid(&first[3]), kid(&other[3]), "the signing key");
    assert_ne!(body(&first[5]), body(&other[5]), "the multipart boundary");
    assert_ne!(
        line(&first[7], "set-cookie"),
        line(&other[7], "set-cookie"),
        "the session"
    );
    assert_ne!(body(&first[7]), body(&other[7]), "the CSRF token");
    assert_ne!(body(&first[8]), body(&other[8]), "the pending upload's id");
    assert_ne!(
        line(&first[10], "x-request-id"),
        line(&other[10], "x-request-id")
    );
}

#[actix_web::test]
async fn the_first_admin_key_follows_the_seed() {
    let key = |seed: &str| {
        let dir = tempfile::tempdir().unwrap();
        let server = serve(dir.path(), &["--test-mode", "--deterministic", seed]);
        assert_eq!(server.stdout.len(), 1, "{:?}", server.stdout);
        server.stdout[0].clone()
    };
    let (a, b, c) = (key("1"), key("1"), key("2"));
    assert!(a.starts_with("admin\tadmin\tatk_"), "{a}");
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Without a seed the default, 0, is used: still the same key twice.
    let dir = tempfile::tempdir().unwrap();
    let unseeded = serve(dir.path(), &["--test-mode", "--deterministic"]);
    assert_eq!(unseeded.stdout, vec![key("0")]);
}

#[test]
fn deterministic_needs_test_mode() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, stderr) = attache(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--deterministic",
        "3",
    ]);
    assert!(!ok);
    assert!(stderr.contains("--test-mode"), "{stderr}");
    let (ok, _, stderr) = attache(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--deterministic",
    ]);
    assert!(!ok);
    assert!(stderr.contains("--test-mode"), "{stderr}");
    assert!(
        !dir.path().join("attache.db").exists() && !dir.path().join("signing-keys").exists(),
        "refused before the data directory is touched"
    );
}
