//! `serve --fixtures DIR`: the users, keys, tickets, messages and files of
//! tests/fixtures/test-double, seen through every dialect with the keys and ids the manifest
//! gives; a restart keeps them; a bad manifest fails the start naming the bad entry.

mod common;

use std::path::{Path, PathBuf};

use attache::ids::Id;
use common::binary::{attache, serve};
use reqwest::Client;
use serde_json::{json, Value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test-double");
const ADA: &str = "atk_fixture-ada-admin-0001";
const ALEX: &str = "atk_fixture-alex-agent-0001";
const CASEY: &str = "atk_fixture-casey-0001";
const CASEY_READ_ONLY: &str = "atk_fixture-casey-readonly";
const SAM: &str = "atk_fixture-sam-customer-01";
const PRINTER: &str = "tkt_01jbqz0k3m8v6q2f4r7t9w5x1a";
const INVOICE: &str = "0193c0de-0000-7000-8000-000000000002";
const VPN_HEX: &str = "0193c0de000070008000000000000003";
const SCREENSHOT: &str = "tatt_01jbqz0k3m8v6q2f4r7t9w5xa1";
const SPOOLER: &str = "0193c0de-0000-7000-8000-0000000000a2";
const VPN_LOG_HEX: &str = "0193c0de0000700080000000000000a3";
const PENDING: &str = "satt_01jbqz0k3m8v6q2f4r7t9w5xp1";

fn file(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join("files").join(name)).unwrap()
}

async fn get(base: &str, path: &str, header: (&str, String)) -> reqwest::Response {
    let res = Client::new()
        .get(format!("{base}{path}"))
        .header(header.0, header.1)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res
}

fn bearer(key: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {key}"))
}

#[actix_web::test]
async fn the_seeded_records_answer_in_every_dialect_with_their_given_keys_and_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--fixtures", FIXTURES]);
    assert_eq!(
        server.stdout,
        [
            format!("admin\tada\t{ADA}"),
            format!("agent\talex\t{ALEX}"),
            format!("customer\tcasey\t{CASEY}"),
            format!("customer\tcasey\t{CASEY_READ_ONLY}"),
            format!("customer\tsam\t{SAM}"),
        ],
        "the fixture keys, and no first admin key"
    );
    let base = &server.base;
    let printer = Id::parse_prefixed("tkt", PRINTER).unwrap();

    // Native: four tickets, the given ids, status, and the messages with their files.
    let list: Vec<Value> = get(base, "/v1/tickets", bearer(ALEX))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "{list:?}");
    for id in [
        printer.to_string(),
        INVOICE.to_owned(),
        Id::parse_uuid(VPN_HEX).unwrap().to_string(),
    ] {
        assert!(ids.contains(&id.as_str()), "{id} in {ids:?}");
    }
    let invoice: Value = get(base, &format!("/v1/tickets/{INVOICE}"), bearer(SAM))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (invoice["status"].as_str(), invoice["subject"].as_str()),
        (Some("closed"), Some("Invoice 2026-0113 was charged twice"))
    );
    let messages: Vec<Value> = get(
        base,
        &format!("/v1/tickets/{printer}/messages"),
        bearer(CASEY),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1]["body"],
        "E-42 is a firmware mismatch; rolling back tonight."
    );
    let files = messages[0]["attachments"].as_array().unwrap();
    let screenshot = Id::parse_prefixed("tatt", SCREENSHOT).unwrap().to_string();
    assert_eq!(
        files
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [screenshot.as_str(), SPOOLER]
    );
    assert_eq!(
        files[0]["content_type"], "image/png",
        "sniffed as uploads are"
    );
    assert_eq!(
        files[1]["filename"], "spooler-2026-11-20.log",
        "the given name"
    );
    let signed: Value = get(
        base,
        &format!("/v1/tickets/{printer}/attachments/{screenshot}/download"),
        bearer(CASEY),
    )
    .await
    .json()
    .await
    .unwrap();
    let bytes = Client::new()
        .get(signed["signed_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes, file("printer-error.png"));

    // HostUp: the same ticket and files under their tkt_/tatt_ ids; the pending upload too.
    let ticket: Value = get(
        base,
        &format!("/api/v2/support/tickets/{PRINTER}"),
        bearer(CASEY),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            ticket["priority"].as_str(),
            ticket["departmentSlug"].as_str()
        ),
        (Some("high"), Some("hardware"))
    );
    assert_eq!(ticket["attachments"][0]["id"], SCREENSHOT);
    let spooler = Id::parse_uuid(SPOOLER).unwrap().prefixed("tatt");
    assert_eq!(ticket["attachments"][1]["id"], spooler.as_str());
    let download = get(
        base,
        &format!("/api/v2/support/attachments/{spooler}?ticketId={PRINTER}"),
        bearer(CASEY),
    )
    .await;
    assert_eq!(download.bytes().await.unwrap(), file("spooler.log"));
    let pending = get(
        base,
        &format!("/api/v2/support/attachments/{PENDING}?ticketId={PRINTER}"),
        bearer(CASEY),
    )
    .await;
    assert_eq!(pending.bytes().await.unwrap(), file("spooler.log"));
    let sams: Value = get(base, "/api/v2/support/tickets", bearer(SAM))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        sams.to_string().matches("tkt_").count(),
        1,
        "a customer sees their own: {sams}"
    );

    // Waldur: the issue and its attachment by their hex ids.
    let token = ("Authorization", format!("Token {ALEX}"));
    let issue: Value = get(
        base,
        &format!("/api/support-issues/{VPN_HEX}/"),
        token.clone(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(issue["summary"], "VPN disconnects every ten minutes");
    let listed: Vec<Value> = get(
        base,
        &format!("/api/support-attachments/?issue_uuid={VPN_HEX}"),
        token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["uuid"], VPN_LOG_HEX);
    assert_eq!(
        listed[0]["file_name"], "vpn-client.log",
        "the file's own name by default"
    );

    // Huawei, with X-Auth-Token: the case by its UUID, its message and accessory.
    let vpn = Id::parse_uuid(VPN_HEX).unwrap();
    let case: Value = get(
        base,
        &format!("/v2/servicerequest/cases/{vpn}"),
        ("X-Auth-Token", CASEY.to_owned()),
    )
    .await
    .json()
    .await
    .unwrap();
    let case = case.to_string();
    assert!(
        case.contains(&vpn.to_string()) && case.contains("Client log attached."),
        "{case}"
    );
    assert!(
        case.contains(&Id::parse_uuid(VPN_LOG_HEX).unwrap().to_string()),
        "{case}"
    );

    // The read-only key holds what the manifest gave it.
    let res = Client::new()
        .post(format!("{base}/v1/tickets"))
        .bearer_auth(CASEY_READ_ONLY)
        .json(&json!({"subject": "No"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let me: Value = get(base, "/v1/me", bearer(CASEY_READ_ONLY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["scopes"], json!(["tickets:read", "attachments:read"]));
}

#[actix_web::test]
async fn a_restart_keeps_the_records_and_prints_the_keys_again_and_another_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = serve(&data, &["--fixtures", FIXTURES]);
    let res = Client::new()
        .post(format!("{}/v1/tickets", first.base))
        .bearer_auth(CASEY)
        .json(&json!({"subject": "Made between starts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let keys = first.stdout.clone();
    drop(first);

    let again = serve(&data, &["--fixtures", FIXTURES]);
    assert_eq!(again.stdout, keys);
    let list: Vec<Value> = get(&again.base, "/v1/tickets", bearer(ALEX))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.len(),
        5,
        "the four seeded once, and the one made since"
    );
    drop(again);

    let changed = edited(|m| m["tickets"][3]["subject"] = json!("Another subject"));
    let (ok, _, stderr) = start_once(&data, changed.path());
    assert!(!ok);
    assert!(
        stderr.contains("was seeded from another version of"),
        "{stderr}"
    );

    let other = dir.path().join("other");
    drop(serve(&other, &[]));
    let (ok, _, stderr) = start_once(&other, Path::new(FIXTURES));
    assert!(!ok);
    assert!(stderr.contains("already has users"), "{stderr}");
}

/// A copy of the example fixtures with its manifest changed by `change`.
fn edited(change: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for entry in std::fs::read_dir(Path::new(FIXTURES).join("files")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), files.join(entry.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("manifest.json")).unwrap();
    let mut manifest: Value = serde_json::from_str(&text).unwrap();
    change(&mut manifest);
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
    dir
}

/// `attache serve --fixtures` expected to stop at start: its success, stdout, stderr.
fn start_once(data: &Path, fixtures: &Path) -> (bool, String, String) {
    let (data, fixtures) = (data.to_str().unwrap(), fixtures.to_str().unwrap());
    attache(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--fixtures",
        fixtures,
    ])
}

/// Sets the value at `pointer` (an object's member may be new).
fn set(manifest: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    match manifest.pointer_mut(parent).unwrap() {
        Value::Object(members) => drop(members.insert(last.to_owned(), value)),
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = value,
        other => panic!("{parent} is {other}"),
    }
}

/// Each case: where the error should point, what to change (a pointer and a JSON value),
/// and what the message should say.
#[rustfmt::skip]
const BAD: &[(&str, &str, &str, &str)] = &[
    ("/users/1/role", "/users/1/role", r#""agnet""#, r#"unknown role "agnet""#),
    ("/users/0/keys/0/key", "/users/0/keys/0/key", r#""atk_short""#, "16 to 196"),
    ("/users/3/keys/0/key", "/users/3/keys/0/key", r#""atk_fixture-ada-admin-0001""#, "already given at /users/0/keys/0/key"),
    ("/users/2/keys/1/scopes", "/users/2/keys/1/scopes", r#"["admin"]"#, "may not hold the admin scope"),
    ("/users/4/name", "/users/4/name", r#""casey""#, "already given at /users/2/name"),
    ("/tickets/1/messages/1/author", "/tickets/1/messages/1/author", r#""nobody""#, r#"no user named "nobody""#),
    ("/tickets/1/messages/0/author", "/tickets/1/messages/0/author", r#""casey""#, "casey is a customer"),
    ("/tickets/0/messages/0/files/1/path", "/tickets/0/messages/0/files/1/path", r#""files/missing.log""#, "no file"),
    ("/tickets/0/messages/0/files/1/path", "/tickets/0/messages/0/files/1/path", r#""../manifest.json""#, "without `..`"),
    // The printer ticket's tkt_ id in Waldur's hex: the same id.
    ("/tickets/1/id", "/tickets/1/id", r#""0192eff04c7446cd713c983e93c2f42a""#, "already given at /tickets/0/id"),
    ("/uploads/0/id", "/uploads/0/id", r#""satt_01jbqz0k3m8v6q2f4r7t9w5xa1""#, "already given at /tickets/0/messages/0/files/0/id"),
    ("/tickets/2/id", "/tickets/2/id", r#""ticket-3""#, "not an id"),
    ("/tickets/0/status", "/tickets/0/status", r#""solved""#, "unknown status"),
    ("/uploads/0/ticket", "/uploads/0/ticket", r#""0193c0de-0000-7000-8000-000000000009""#, "no ticket with this id"),
    ("/tickets/3/subject", "/tickets/3/subject", r#""  ""#, "The subject is 1 to 500 characters"),
    ("/tickets/0/messages/1", "/tickets/0/messages/1/bdy", r#""typo""#, "unknown field `bdy`"),
    ("/tickets/0/messages/0/files/0", "/tickets/0/messages/0/files/0/path", r#""files/program.exe""#, "are not accepted"),
    ("", "/ticket", "[]", "unknown field `ticket`"),
];

#[test]
fn a_bad_manifest_fails_the_start_naming_the_file_and_the_entry() {
    let printer = Id::parse_prefixed("tkt", PRINTER).unwrap().hex();
    assert_eq!(BAD[9].2, format!("\"{printer}\""));
    for &(pointer, at, value, detail) in BAD {
        let fixtures = edited(|m| set(m, at, serde_json::from_str(value).unwrap()));
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        std::fs::write(fixtures.path().join("files/program.exe"), exe).unwrap();
        let data = tempfile::tempdir().unwrap();
        let (ok, _, stderr) = start_once(data.path(), fixtures.path());
        assert!(!ok, "{pointer}: started");
        let manifest = fixtures.path().join("manifest.json");
        let expected = match pointer {
            "" => format!("attache: {}: ", manifest.display()),
            _ => format!("attache: {}: {pointer}: ", manifest.display()),
        };
        let line = stderr.lines().find(|l| l.starts_with("attache: "));
        let line = line.unwrap_or_default();
        assert!(
            line.starts_with(&expected) && line.contains(detail),
            "{pointer}: expected {expected}…{detail}, got {stderr}"
        );
    }
    let missing: PathBuf = Path::new(FIXTURES).join("no-such-dir");
    let (ok, _, stderr) = start_once(tempfile::tempdir().unwrap().path(), &missing);
    assert!(
        !ok && stderr.contains("no-such-dir/manifest.json"),
        "{stderr}"
    );
}
