//! Several nodes behind one address: two `attache serve` processes on two ports, sharing one
//! PostgreSQL database and one S3-protocol store, agree on everything a user can observe.
//! Each test starts its own PostgreSQL cluster and s3s-fs; it skips with a note when either is
//! missing, unless `ATTACHE_REQUIRE_POSTGRES=1` or `ATTACHE_REQUIRE_S3=1` asks for them.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::binary::{self, serve_on, Running};
use common::postgres::{self, Cluster};
use common::s3::{self, S3Server};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Whether both servers the tests need are installed; a failure instead of `false` when the
/// environment requires them.
fn available() -> bool {
    let missing: Vec<&str> = [
        (postgres::bindir().is_none(), "PostgreSQL's server binaries"),
        (s3::binary().is_none(), "s3s-fs"),
    ]
    .into_iter()
    .filter_map(|(gone, what)| gone.then_some(what))
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !postgres::required() && !s3::required(),
        "ATTACHE_REQUIRE_POSTGRES=1 or ATTACHE_REQUIRE_S3=1, but no {} (see .ci/run)",
        missing.join(" and no ")
    );
    eprintln!(
        "skipping: the multi-node tests need {} (see .ci/run)",
        missing.join(" and ")
    );
    false
}

/// One shared database and object store, and the data directories of nodes on them.
struct Site {
    database: String,
    blob_store: String,
    dirs: TempDir,
    // Fields drop in order: the servers last, after the nodes that use them (see `Two`).
    _s3: S3Server,
    _cluster: Cluster,
}

impl Site {
    fn start() -> Option<Site> {
        if !available() {
            return None;
        }
        let cluster = postgres::start_cluster();
        let s3 = S3Server::start().expect("s3s-fs is there");
        Some(Site {
            database: cluster.create_database(),
            blob_store: s3.spec("nodes"),
            dirs: tempfile::tempdir().unwrap(),
            _s3: s3,
            _cluster: cluster,
        })
    }

    fn data_dir(&self, node: &str) -> PathBuf {
        self.dirs.path().join(node)
    }

    /// The flags every node and command of this site takes, named explicitly so that the test
    /// harness adds no database or store of its own.
    fn shared<'a>(&'a self, data_dir: &'a Path) -> Vec<&'a str> {
        vec![
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--database",
            &self.database,
            "--blob-store",
            &self.blob_store,
        ]
    }

    /// `attache serve` for the node `name` on a free port.
    fn serve(&self, name: &str) -> Running {
        let dir = self.data_dir(name);
        // serve_on names the data directory itself.
        let shared = self.shared(&dir);
        let mut extra = shared[2..].to_vec();
        extra.extend(["--rate-limit", "0", "--workers", "2"]);
        serve_on("127.0.0.1:0", &dir, &extra)
    }

    /// A one-shot command on the node `name`'s data directory: its stdout, or a panic.
    fn attache(&self, name: &str, args: &[&str]) -> String {
        let dir = self.data_dir(name);
        let mut all = args.to_vec();
        all.extend(self.shared(&dir));
        let (ok, out, err) = binary::attache(&all);
        assert!(ok, "attache {}:\n{out}{err}", all.join(" "));
        out
    }
}

/// The admin key a node printed on its first start, if it printed one.
fn admin_key(node: &Running) -> Option<String> {
    node.stdout
        .iter()
        .find_map(|line| line.split('\t').nth(2))
        .map(str::to_owned)
}

/// A site with two nodes up, and the admin key the first one made.
struct Two {
    // Fields drop in this order: the nodes before their database and store.
    a: Running,
    b: Running,
    site: Site,
    admin: String,
    client: Client,
}

impl Two {
    fn start() -> Option<Two> {
        let site = Site::start()?;
        let a = site.serve("a");
        let admin = admin_key(&a).expect("the first node on an empty database prints a key");
        let b = site.serve("b");
        assert_eq!(
            admin_key(&b),
            None,
            "the second node found the users the first one made"
        );
        Some(Two {
            a,
            b,
            site,
            admin,
            client: client(),
        })
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn open_ticket(client: &Client, base: &str, key: &str, subject: &str) -> String {
    let res = client
        .post(format!("{base}/v1/tickets"))
        .bearer_auth(key)
        .json(&json!({ "subject": subject }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "creating a ticket on {base}");
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn upload(
    client: &Client,
    base: &str,
    key: &str,
    ticket: &str,
    bytes: Vec<u8>,
) -> reqwest::Result<reqwest::Response> {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("f.png"));
    client
        .post(format!("{base}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
}

async fn listed(client: &Client, base: &str, key: &str, ticket: &str) -> Vec<Value> {
    let res = client
        .get(format!("{base}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "listing on {base}");
    res.json().await.unwrap()
}

/// A signed URL for the attachment, as the node at `base` hands it out.
async fn signed_url(client: &Client, base: &str, key: &str, ticket: &str, id: &str) -> String {
    let res = client
        .get(format!(
            "{base}/v1/tickets/{ticket}/attachments/{id}/download"
        ))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a signed URL from {base}");
    let url = res.json::<Value>().await.unwrap()["signed_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(base), "{url} is on {base}");
    url
}

/// The same URL sent to another node, as a load balancer would.
fn sent_to(url: &str, from: &str, to: &str) -> String {
    format!("{to}{}", url.strip_prefix(from).unwrap())
}

/// The signing key id a URL names.
fn kid(url: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("kid="))
        .unwrap_or_else(|| panic!("no kid in {url}"))
        .to_owned()
}

async fn fetch(client: &Client, url: &str) -> (StatusCode, Vec<u8>) {
    let res = client.get(url).send().await.unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `len` bytes that sniff as PNG and differ by `seed`.
fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0".to_vec();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    while bytes.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[actix_web::test]
async fn an_upload_on_one_node_is_listed_downloaded_and_deleted_on_the_other() {
    let Some(two) = Two::start() else { return };
    let (client, key, a, b) = (&two.client, &two.admin, &two.a.base, &two.b.base);
    let ticket = open_ticket(client, a, key, "two nodes").await;
    let bytes = content(1, 300_000);
    let res = upload(client, a, key, &ticket, bytes.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The same content in another ticket: the object outlives the deletion below, so only
    // the deletion itself, not a missing object, can make A answer 404.
    let kept_ticket = open_ticket(client, a, key, "the same file, kept").await;
    let res = upload(client, a, key, &kept_ticket, bytes.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let kept = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let on_b = listed(client, b, key, &ticket).await;
    assert_eq!(on_b.len(), 1, "B lists what A stored: {on_b:?}");
    assert_eq!(on_b[0]["id"], id.as_str());
    assert_eq!(on_b[0]["sha256"], sha_hex(&bytes).as_str());

    let url_b = signed_url(client, b, key, &ticket, &id).await;
    let url_a = signed_url(client, a, key, &ticket, &id).await;
    for url in [url_b.clone(), sent_to(&url_a, a, b), url_a.clone()] {
        let (status, body) = fetch(client, &url).await;
        assert_eq!(status, 200, "{url}");
        assert!(body == bytes, "{url} downloads byte for byte");
    }

    // Nodes that have been up a while, as in production: a listener that only works in its
    // first second (as one did: its wait did not re-arm) would pass otherwise.
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let res = client
        .delete(format!("{b}/v1/tickets/{ticket}/attachments/{id}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "B deletes what A stored");
    let deleted = Instant::now();
    // A served its URL above, so its downloads cache holds the attachment: the deletion on
    // B must reach it within a second.
    for url in [url_a.clone(), url_b.clone(), sent_to(&url_a, a, b)] {
        loop {
            let (status, _) = fetch(client, &url).await;
            if status == 404 {
                break;
            }
            assert!(
                deleted.elapsed() < Duration::from_secs(1),
                "{url} still answers {status} a second after the deletion on B; A logged:\n{}",
                two.a.stderr.lock().unwrap()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(listed(client, a, key, &ticket).await.is_empty());
    let kept_url = signed_url(client, a, key, &kept_ticket, &kept).await;
    let (status, body) = fetch(client, &sent_to(&kept_url, a, b)).await;
    assert_eq!(
        status, 200,
        "the other attachment of the same content stays"
    );
    assert!(body == bytes);
}

#[actix_web::test]
async fn a_key_made_on_one_node_works_on_the_other_until_revoked() {
    let Some(two) = Two::start() else { return };
    let (client, a, b) = (&two.client, &two.a.base, &two.b.base);
    let key = two.site.attache(
        "a",
        &["key", "create", "--user", "carol", "--role", "agent"],
    );
    let key = key.trim();
    let me = |base: &str| client.get(format!("{base}/v1/me")).bearer_auth(key).send();
    let res = me(b).await.unwrap();
    assert_eq!(
        res.status(),
        200,
        "a key made for A's data directory works on B"
    );
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("carol"), "{body}");
    open_ticket(client, b, key, "carol on B").await;

    two.site.attache("a", &["key", "revoke", &key[..12]]);
    for base in [b, a] {
        assert_eq!(
            me(base).await.unwrap().status(),
            401,
            "a key revoked on A stops working on {base} at once"
        );
    }
}

/// Behind a balancer both nodes see one `Host`: a signed Huawei request that changes something,
/// served by A, sent again unchanged to B, is refused there too (the signatures served are in
/// the database), while the pair itself works on B.
#[actix_web::test]
async fn an_aksk_request_served_by_one_node_is_refused_when_replayed_to_the_other() {
    let Some(two) = Two::start() else { return };
    let (client, a, b) = (&two.client, &two.a.base, &two.b.base);
    let pair = two
        .site
        .attache("a", &["key", "create", "--user", "osm", "--aksk"]);
    let (ak, sk) = pair.trim().split_once(' ').unwrap();
    let body = serde_json::to_vec(&serde_json::json!({
        "simple_description": "Replay me on the other node",
        "business_type_id": "1",
    }))
    .unwrap();
    let send = |base: &str, headers: &[(String, String)]| {
        let mut req = client
            .post(format!("{base}/v2/servicerequest/cases"))
            .header("Content-Type", "application/json")
            .body(body.clone());
        for (name, value) in headers {
            req = req.header(name, value);
        }
        req.send()
    };
    let url = format!("{a}/v2/servicerequest/cases");
    let headers = common::aksk::signed_headers("POST", &url, Some(&body), ak, sk);
    assert_eq!(
        send(a, &headers).await.unwrap().status(),
        200,
        "served by A"
    );
    assert_eq!(
        send(b, &headers).await.unwrap().status(),
        401,
        "the same signed POST, replayed to B with the Host A saw"
    );
    let fresh = common::aksk::signed_headers(
        "POST",
        &format!("{b}/v2/servicerequest/cases"),
        Some(&body),
        ak,
        sk,
    );
    assert_eq!(
        send(b, &fresh).await.unwrap().status(),
        200,
        "a new signature works on B"
    );
}

#[actix_web::test]
async fn a_secret_rotated_on_one_node_signs_on_both() {
    let Some(two) = Two::start() else { return };
    let (client, key, a, b) = (&two.client, &two.admin, &two.a.base, &two.b.base);
    let ticket = open_ticket(client, a, key, "rotation").await;
    let bytes = content(2, 50_000);
    let res = upload(client, a, key, &ticket, bytes.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before_b = signed_url(client, b, key, &ticket, &id).await;
    assert_eq!(
        kid(&before_b),
        kid(&signed_url(client, a, key, &ticket, &id).await)
    );

    let new_kid = two
        .site
        .attache("a", &["secret", "rotate"])
        .trim()
        .to_owned();
    assert_ne!(new_kid, kid(&before_b));
    let rotated = Instant::now();
    let mut after_a = None;
    for base in [a, b] {
        loop {
            let url = signed_url(client, base, key, &ticket, &id).await;
            if kid(&url) == new_kid {
                if base == a {
                    after_a = Some(url);
                }
                break;
            }
            assert!(
                rotated.elapsed() < Duration::from_secs(2),
                "{base} still signs with {} two seconds after the rotation",
                kid(&url)
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let after_a = after_a.unwrap();
    for url in [sent_to(&before_b, b, a), sent_to(&after_a, a, b)] {
        let (status, body) = fetch(client, &url).await;
        assert_eq!(status, 200, "{url}");
        assert!(body == bytes, "{url} downloads byte for byte");
    }
}

/// An upload that got its 201: where, and what it holds.
struct Acknowledged {
    ticket: String,
    id: String,
    sha256: String,
}

#[derive(Default)]
struct Observed {
    acknowledged: Vec<Acknowledged>,
    /// What B answered with a 5xx, or did not answer.
    b_failures: Vec<String>,
    b_requests: usize,
    /// A's uploads the kill cut short.
    a_cut: usize,
}

/// Uploads to `base` until told to stop (or, on a node that may die, until it stops
/// answering), at most `limit` times, `pause` apart.
#[allow(clippy::too_many_arguments)]
async fn keep_uploading(
    client: Client,
    base: String,
    key: String,
    ticket: String,
    seed: u64,
    limit: u64,
    is_b: bool,
    pause: Duration,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Observed>>,
) {
    for n in 0..limit {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        actix_web::rt::time::sleep(pause).await;
        let bytes = content(
            seed + n,
            64 * 1024 + ((seed + n) as usize * 7919) % (1 << 20),
        );
        let sha = sha_hex(&bytes);
        let res = upload(&client, &base, &key, &ticket, bytes).await;
        let mut seen_now = Vec::new();
        let status = match res {
            Ok(res) => {
                let status = res.status();
                if status == 201 {
                    match res.json::<Value>().await {
                        Ok(body) => {
                            assert_eq!(body["sha256"], sha.as_str());
                            seen_now.push(Acknowledged {
                                ticket: ticket.clone(),
                                id: body["id"].as_str().unwrap().to_owned(),
                                sha256: sha,
                            });
                        }
                        // The node died between its headers and its body: not acknowledged.
                        Err(_) if !is_b => {
                            seen.lock().unwrap().a_cut += 1;
                            return;
                        }
                        Err(err) => panic!("B's 201 had no body: {err}"),
                    }
                }
                Ok(status)
            }
            Err(err) => Err(err),
        };
        let mut seen = seen.lock().unwrap();
        seen.acknowledged.append(&mut seen_now);
        if is_b {
            seen.b_requests += 1;
            match status {
                Ok(status) if status.is_server_error() => {
                    seen.b_failures.push(format!("upload: {status}"))
                }
                Ok(_) => {}
                Err(err) => seen.b_failures.push(format!("upload: {err}")),
            }
        } else if status.is_err() {
            seen.a_cut += 1;
            return;
        }
    }
}

/// Lists a ticket's attachments on B until told to stop.
async fn keep_reading(
    client: Client,
    base: String,
    key: String,
    ticket: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Observed>>,
) {
    while !stop.load(Ordering::SeqCst) {
        let res = client
            .get(format!("{base}/v1/tickets/{ticket}/attachments"))
            .bearer_auth(&key)
            .send()
            .await;
        let failure = match res {
            Ok(res) if res.status().is_server_error() => Some(format!("list: {}", res.status())),
            Ok(_) => None,
            Err(err) => Some(format!("list: {err}")),
        };
        {
            let mut seen = seen.lock().unwrap();
            seen.b_requests += 1;
            seen.b_failures.extend(failure);
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn kill_9_of_one_node_loses_no_acknowledged_upload_and_the_other_keeps_serving() {
    let Some(mut two) = Two::start() else { return };
    let client = two.client.clone();
    let (key, a, b) = (two.admin.clone(), two.a.base.clone(), two.b.base.clone());
    // A ticket per uploader, each far from the most attachments a ticket may hold.
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for n in 0..3 {
        on_a.push(open_ticket(&client, &a, &key, &format!("uploads to A {n}")).await);
    }
    for n in 0..2 {
        on_b.push(open_ticket(&client, &b, &key, &format!("uploads to B {n}")).await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Observed::default()));
    let mut tasks = Vec::new();
    for (ticket, base, is_b, seed) in (on_a.iter().map(|t| (t, &a, false, 0)))
        .chain(on_b.iter().map(|t| (t, &b, true, 100_000)))
        .enumerate()
        .map(|(n, (t, base, is_b, seed))| (t, base, is_b, seed + n as u64 * 1000))
    {
        tasks.push(actix_web::rt::spawn(keep_uploading(
            client.clone(),
            base.clone(),
            key.clone(),
            ticket.clone(),
            seed,
            95,
            is_b,
            // A as busy as it gets; B busy too, but lasting until the end.
            Duration::from_millis(if is_b { 80 } else { 0 }),
            stop.clone(),
            seen.clone(),
        )));
    }
    tasks.push(actix_web::rt::spawn(keep_reading(
        client.clone(),
        b.clone(),
        key.clone(),
        on_a[0].clone(),
        stop.clone(),
        seen.clone(),
    )));

    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    two.a.child.kill().unwrap(); // SIGKILL
    two.a.child.wait().unwrap();
    // B serves on while A is gone.
    actix_web::rt::time::sleep(Duration::from_millis(2000)).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.b_failures.is_empty(),
        "B failed {} of its {} requests while A died: {:?}",
        seen.b_failures.len(),
        seen.b_requests,
        seen.b_failures
    );
    let from = |tickets: &[String]| {
        seen.acknowledged
            .iter()
            .filter(|ack| tickets.contains(&ack.ticket))
            .count()
    };
    assert!(
        from(&on_a) > 0 && from(&on_b) > 0,
        "both nodes acknowledged uploads ({} on A, {} on B)",
        from(&on_a),
        from(&on_b)
    );
    assert!(seen.a_cut > 0, "the kill caught uploads in flight on A");
    eprintln!(
        "acknowledged {} uploads on A ({} cut by the kill) and {} on B; B answered {} requests",
        from(&on_a),
        seen.a_cut,
        from(&on_b),
        seen.b_requests
    );
    // Every acknowledged upload is listed on B and downloads whole from B.
    for ticket in on_a.iter().chain(&on_b) {
        let ids: Vec<String> = listed(&client, &b, &key, ticket)
            .await
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        for ack in seen.acknowledged.iter().filter(|ack| &ack.ticket == ticket) {
            assert!(ids.contains(&ack.id), "{} is not listed on B", ack.id);
            let url = signed_url(&client, &b, &key, ticket, &ack.id).await;
            let (status, body) = fetch(&client, &url).await;
            assert_eq!(status, 200, "{url}");
            assert_eq!(sha_hex(&body), ack.sha256, "{} lost or damaged", ack.id);
        }
    }

    // A comes back on the same database and serves what both stored.
    two.a = two.site.serve("a");
    let a = two.a.base.clone();
    assert_eq!(admin_key(&two.a), None, "a restart makes no new admin");
    let mut on_a_listed = 0;
    for ticket in &on_a {
        on_a_listed += listed(&client, &a, &key, ticket).await.len();
    }
    assert!(on_a_listed >= from(&on_a));
    let ack = (seen.acknowledged.iter())
        .find(|ack| on_b.contains(&ack.ticket))
        .unwrap();
    let url = signed_url(&client, &a, &key, &ack.ticket, &ack.id).await;
    let (status, body) = fetch(&client, &url).await;
    assert_eq!(status, 200);
    assert_eq!(sha_hex(&body), ack.sha256);
}

/// A node started by the test itself, to see all it logged when it fails to come up.
struct Racing {
    child: Child,
    base: String,
    stdout: PathBuf,
}

impl Drop for Racing {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the node `name` and waits for it to announce its URL; what it logged if it exits
/// first.
fn start_racing(site: &Site, name: &str) -> Result<Racing, String> {
    let dir = site.data_dir(name);
    let (stdout, stderr) = (dir.with_extension("out"), dir.with_extension("err"));
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend(site.shared(&dir));
    let mut child = Command::new(binary::BIN)
        .args(&args)
        .envs(s3::credentials_env())
        .stdout(File::create(&stdout).unwrap())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let logged = std::fs::read_to_string(&stderr).unwrap_or_default();
        let announced = logged
            .lines()
            .find_map(|line| line.strip_prefix("attache is serving "));
        if let Some(rest) = announced {
            let base = rest.split(' ').next().unwrap().to_owned();
            return Ok(Racing {
                child,
                base,
                stdout,
            });
        }
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("node {name} exited ({status}):\n{logged}"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("node {name} did not come up in 60 s:\n{logged}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn two_nodes_starting_at_once_on_an_empty_database_agree_on_the_first_admin() {
    let Some(site) = Site::start() else { return };
    let site = Arc::new(site);
    let starting: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let site = site.clone();
            std::thread::spawn(move || start_racing(&site, name))
        })
        .collect();
    let (mut nodes, mut failed) = (Vec::new(), Vec::new());
    for node in starting {
        match node.join().unwrap() {
            Ok(node) => nodes.push(node),
            Err(logged) => failed.push(logged),
        }
    }
    assert!(
        failed.is_empty(),
        "both nodes come up:\n{}",
        failed.join("\n")
    );
    // Keys are printed before the announcement.
    let printed: Vec<String> = nodes
        .iter()
        .map(|node| std::fs::read_to_string(&node.stdout).unwrap())
        .collect();
    let keys: Vec<&str> = printed
        .iter()
        .flat_map(|out| out.lines())
        .filter_map(|line| line.split('\t').nth(2))
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "exactly one of two nodes starting at once makes the first admin; printed: {printed:?}"
    );
    let client = client();
    for node in &nodes {
        let res = client
            .get(format!("{}/v1/me", node.base))
            .bearer_auth(keys[0])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "the first admin's key works on {}",
            node.base
        );
    }
    let users = site.attache("a", &["user", "list"]);
    let admins = users.lines().filter(|l| l.contains("\tadmin\t")).count();
    assert_eq!(admins, 1, "one first admin:\n{users}");
    drop(nodes);
}
