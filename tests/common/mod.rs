//! `spawn_app()`: the real server on 127.0.0.1:0 with a temporary data directory, and helpers
//! that keep each test short. Tests talk HTTP to it like any client would.
#![allow(dead_code)] // each test file uses a different subset

pub mod aksk;
pub mod binary;
pub mod hostup;
pub mod postgres;
pub mod python;
pub mod s3;
pub mod waldur;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use attache::config::Config;
use attache::core::{users, Core};
use attache::domain::Role;
use attache::startup;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use tempfile::TempDir;

pub struct TestApp {
    pub base: String,
    pub address: String,
    pub core: Arc<Core>,
    pub client: Client,
    pub admin: String,
    pub agent: String,
    pub customer: String,
    /// A second customer, to check that customers cannot see each other's tickets.
    pub other: String,
    _dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    // ATTACHE_LOG=warn (or any filter) shows the in-process servers' logs, as the binary's.
    if let Ok(filter) = std::env::var("ATTACHE_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    let blob_store = s3::test_blob_store();
    if let Some(spec) = &blob_store {
        config.blob_store = s3::parse(spec);
    }
    let database = postgres::test_database();
    if let Some(url) = &database {
        config.database = Some(attache::store::Database::Postgres(url.clone()));
    }
    binary::adopt(&config.data_dir, blob_store, database);
    config.rate_limit_per_minute = 0;
    config.workers = 2;
    adjust(&mut config);
    let (listener, core) = startup::prepare(config, "127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = startup::run(listener, core.clone()).unwrap();
    actix_web::rt::spawn(server);
    let key = |name: &str, role| {
        users::create_key(&core.db, name, role, None, "test")
            .unwrap()
            .secret
    };
    TestApp {
        base: format!("http://{address}"),
        address,
        admin: key("ada", Role::Admin),
        agent: key("alex", Role::Agent),
        customer: key("casey", Role::Customer),
        other: key("sam", Role::Customer),
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        core,
        _dir: dir,
    }
}

/// A small file that sniffs as PNG (the magic number is what counts).
pub fn png(tag: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn data_dir(&self) -> &Path {
        &self.core.config.data_dir
    }

    pub async fn get(&self, key: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, key: &str, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, key: &str, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, key: &str, path: &str, body: Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Opens a ticket as `key`'s user and returns its id.
    pub async fn ticket(&self, key: &str, subject: &str) -> String {
        let res = self
            .post_json(key, "/v1/tickets", json!({ "subject": subject }))
            .await;
        assert_eq!(res.status(), 201, "creating a ticket");
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn upload(&self, key: &str, ticket: &str, name: &str, bytes: Vec<u8>) -> Response {
        let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
        self.client
            .post(self.url(&format!("/v1/tickets/{ticket}/attachments")))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Uploads and expects 201; returns the attachment.
    pub async fn upload_ok(&self, key: &str, ticket: &str, name: &str, bytes: Vec<u8>) -> Value {
        let res = self.upload(key, ticket, name, bytes).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "upload refused: {body}");
        body
    }

    pub async fn signed_url(
        &self,
        key: &str,
        ticket: &str,
        attachment: &str,
        inline: bool,
    ) -> String {
        let path =
            format!("/v1/tickets/{ticket}/attachments/{attachment}/download?inline={inline}");
        let res = self.get(key, &path).await;
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["signed_url"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Every blob stored: its file under `blobs/` on the local store, its key below the
    /// prefix (`sha256/ab/cd/<hex>`) on an object store; misplaced names too.
    pub fn blob_files(&self) -> Vec<PathBuf> {
        let blobs = self.core.blobs.clone();
        // On its own thread: the object store's calls block, which an async test may not.
        let listing = std::thread::spawn(move || {
            let listing = blobs.list().unwrap();
            let mut out: Vec<PathBuf> = listing
                .blobs
                .iter()
                .map(|b| {
                    blobs.local_path(&b.sha).unwrap_or_else(|| {
                        let hex = b.sha.hex();
                        PathBuf::from(format!("sha256/{}/{}/{hex}", &hex[0..2], &hex[2..4]))
                    })
                })
                .collect();
            out.extend(listing.misplaced.into_iter().map(PathBuf::from));
            out
        });
        listing.join().unwrap()
    }

    /// The stored content of the blob `sha` (hex), from whichever store runs.
    pub fn blob_content(&self, sha: &str) -> Vec<u8> {
        let blobs = self.core.blobs.clone();
        let sha = attache::domain::Sha256::parse(sha).unwrap();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let size = blobs.size_of(&sha).unwrap().expect("the blob is stored");
            blobs.copy_to(&sha, size, &mut out).unwrap();
            out
        })
        .join()
        .unwrap()
    }

    pub fn tmp_files(&self) -> usize {
        std::fs::read_dir(self.data_dir().join("tmp"))
            .unwrap()
            .count()
    }

    /// Sends raw bytes (a request head, then `body` chunks from another thread, ignoring
    /// write errors once the server has answered) and returns what the server sent back.
    pub async fn raw(&self, head: String, body: Vec<Vec<u8>>) -> String {
        let address = self.address.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            let mut writer = stream.try_clone().unwrap();
            std::thread::spawn(move || {
                for chunk in body {
                    if writer.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
            let mut answer = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        answer.extend_from_slice(&buf[..n]);
                        if complete(&answer) {
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                    Err(e) => panic!("no answer from the server: {e}"),
                }
            }
            String::from_utf8_lossy(&answer).into_owned()
        })
        .await
        .unwrap()
    }
}

/// Whether a buffer holds a whole HTTP/1.1 response with a Content-Length body.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-length:")
            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
    });
    length.is_some_and(|n| body.len() >= n)
}

/// The value of one sample in Prometheus text (`name` with its labels, as written).
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}
