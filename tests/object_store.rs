//! The object-store blob store against a real S3-protocol server (`s3s-fs`, which checks every
//! signature) on 127.0.0.1: what only this store does. The behaviour tests of uploads,
//! downloads, deletion and the dialects run on it too, unchanged, with
//! `ATTACHE_TEST_BLOB_STORE=s3` (see `.ci/run`); `crash.rs` is the `kill -9` test on both.

mod common;

use std::time::Duration;

use common::binary::{attache, serve};
use common::s3::{self, S3Server};
use common::{png, spawn_with};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `len` bytes that sniff as PNG and differ by `seed`.
fn file(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = png(&format!("seed {seed}"));
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    while bytes.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bytes.push((x >> 33) as u8);
    }
    bytes
}

/// Every object file s3s-fs holds below the bucket (its own metadata files aside).
fn objects_in(bucket: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![bucket.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            if entry.file_type().unwrap().is_dir() {
                folders.push(entry.path());
            } else {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                    found.push(name);
                }
            }
        }
    }
    found.sort();
    found
}

#[actix_web::test]
async fn blobs_are_objects_keyed_by_content_and_deduplicated() {
    let Some(s3) = S3Server::start() else { return };
    let app = spawn_with(|c| c.blob_store = s3.location("dedup")).await;
    let (one, two) = (
        app.ticket(&app.customer, "a").await,
        app.ticket(&app.agent, "b").await,
    );
    // 12 MiB goes up in parts, 2 KiB in one PUT.
    let big = file(1, 12 << 20);
    let small = file(2, 2048);
    for (key, ticket, bytes) in [
        (&app.customer, &one, &big),
        (&app.agent, &two, &big),
        (&app.customer, &one, &small),
    ] {
        let res = app.upload(key, ticket, "f.png", bytes.clone()).await;
        assert_eq!(res.status(), 201);
    }
    let mut expected = vec![sha_hex(&big), sha_hex(&small)];
    expected.sort();
    assert_eq!(
        objects_in(&s3.bucket_dir()),
        expected,
        "one object per content"
    );
    let hex = sha_hex(&big);
    let key_path =
        s3.bucket_dir()
            .join(format!("dedup/sha256/{}/{}/{hex}", &hex[0..2], &hex[2..4]));
    assert!(
        key_path.is_file(),
        "the object key keeps the content address"
    );
    assert!(
        !app.data_dir().join("blobs").exists(),
        "nothing is stored in the data directory"
    );
    // Downloads stream from the bucket, ranges included.
    let listed: Value = app
        .get(&app.customer, &format!("/v1/tickets/{one}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    let big_id = listed[0]["id"].as_str().unwrap();
    let url = app.signed_url(&app.customer, &one, big_id, false).await;
    let body = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha_hex(&body), hex);
    let res = app
        .client
        .get(&url)
        .header("Range", "bytes=5000000-5000009")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(&res.bytes().await.unwrap()[..], &big[5_000_000..5_000_010]);
    // The object goes when its last attachment goes.
    let res = app
        .delete(
            &app.customer,
            &format!("/v1/tickets/{one}/attachments/{big_id}"),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(key_path.is_file(), "the other ticket still holds it");
    let listed: Value = app
        .get(&app.agent, &format!("/v1/tickets/{two}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .delete(
            &app.agent,
            &format!(
                "/v1/tickets/{two}/attachments/{}",
                listed[0]["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(!key_path.exists(), "no attachment names it: deleted");
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    // The store's requests are counted.
    let metrics = app.get(&app.admin, "/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"attache_object_store_requests_total{op="put",outcome="ok"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"op="upload_part""#) || metrics.contains(r#"op="complete_multipart""#)
    );
}

/// What a client sees of the store going away and coming back: 503 `storage_unavailable`
/// with `Retry-After` for what needs it, never a 500 or a hang, the rest served as usual.
#[actix_web::test]
async fn an_object_store_outage_is_a_clear_503_and_service_resumes() {
    let Some(mut s3) = S3Server::start() else {
        return;
    };
    let app = spawn_with(|c| c.blob_store = s3.location("outage")).await;
    let ticket = app.ticket(&app.customer, "outage").await;
    let stored = file(10, 300_000);
    let res = app
        .upload(&app.customer, &ticket, "kept.png", stored.clone())
        .await;
    assert_eq!(res.status(), 201);
    let kept: Value = res.json().await.unwrap();
    let kept_id = kept["id"].as_str().unwrap().to_owned();
    let url = app
        .signed_url(&app.customer, &ticket, &kept_id, false)
        .await;
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);

    // Uploads in flight when the store stops: each ends 201 or 503, none hangs.
    let mut uploads = Vec::new();
    for n in 0..6u64 {
        let (client, url, key) = (
            app.client.clone(),
            app.url(&format!("/v1/tickets/{ticket}/attachments")),
            app.customer.clone(),
        );
        uploads.push(actix_web::rt::spawn(async move {
            let bytes = file(100 + n, 6 << 20);
            let form = Form::new().part("file", Part::bytes(bytes.clone()).file_name("f.png"));
            let res = client
                .post(url)
                .bearer_auth(key)
                .multipart(form)
                .timeout(Duration::from_secs(60))
                .send()
                .await
                .expect("an answer, not a hang");
            (res.status().as_u16(), bytes)
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    s3.stop();
    let mut acknowledged = Vec::new();
    for upload in uploads {
        let (status, bytes) = upload.await.unwrap();
        assert!(status == 201 || status == 503, "got {status}");
        if status == 201 {
            acknowledged.push(bytes);
        }
    }

    // While it is down.
    let res = app
        .upload(&app.customer, &ticket, "new.png", file(11, 4096))
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "storage_unavailable", "{body}");
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 503, "a download asks to retry");
    let res = app
        .get(&app.customer, &format!("/v1/tickets/{ticket}/attachments"))
        .await;
    assert_eq!(res.status(), 200, "what needs no file is served");
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let ready: Value = res.json().await.unwrap();
    assert_eq!(ready["blob_store"], "unavailable");
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Back: everything works again, and every upload that was acknowledged is whole.
    s3.resume();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], &stored[..]);
    let res = app
        .upload(&app.customer, &ticket, "after.png", file(12, 4096))
        .await;
    assert_eq!(res.status(), 201);
    let listed: Value = app
        .get(&app.customer, &format!("/v1/tickets/{ticket}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    let listed = listed.as_array().unwrap();
    for bytes in &acknowledged {
        let sha = sha_hex(bytes);
        let found = listed
            .iter()
            .find(|a| a["sha256"] == sha.as_str())
            .expect("an acknowledged upload is listed");
        let url = app
            .signed_url(&app.customer, &ticket, found["id"].as_str().unwrap(), false)
            .await;
        let body = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(sha_hex(&body), sha);
    }
}

fn first_key(stdout: &[String]) -> String {
    stdout[0].split('\t').nth(2).unwrap().to_owned()
}

async fn new_ticket(base: &str, key: &str, subject: &str) -> String {
    let ticket: Value = reqwest::Client::new()
        .post(format!("{base}/v1/tickets"))
        .bearer_auth(key)
        .json(&json!({ "subject": subject }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    ticket["id"].as_str().unwrap().to_owned()
}

async fn upload_to(base: &str, key: &str, ticket: &str, bytes: Vec<u8>) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("f.png"));
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn download_all(base: &str, key: &str, ticket: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let listed: Vec<Value> = client
        .get(format!("{base}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut shas = Vec::new();
    for a in listed {
        let id = a["id"].as_str().unwrap();
        let signed: Value = client
            .get(format!(
                "{base}/v1/tickets/{ticket}/attachments/{id}/download"
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let res = client
            .get(signed["signed_url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "attachment {id}");
        let body = res.bytes().await.unwrap();
        assert_eq!(sha_hex(&body), a["sha256"].as_str().unwrap());
        shas.push(sha_hex(&body));
    }
    shas.sort();
    shas
}

fn run(args: &[&str]) -> String {
    let (ok, out, err) = attache(args);
    assert!(ok, "attache {args:?}:\n{out}{err}");
    out
}

/// An install moves onto the object store and back with `migrate-blobs`, resumably, and a
/// backup taken from the object store restores into another.
#[actix_web::test]
async fn migrate_blobs_there_and_back_and_backup_restore_through_the_object_store() {
    let Some(s3) = S3Server::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let remote = s3.spec("moved");
    let server = serve(&data, &["--blob-store", "local"]);
    let key = first_key(&server.stdout);
    let base = server.base.clone();
    let ticket = new_ticket(&base, &key, "moving").await;
    upload_to(&base, &key, &ticket, file(20, 7 << 20)).await;
    upload_to(&base, &key, &ticket, file(21, 1000)).await;
    let before = download_all(&base, &key, &ticket).await;

    // While the local server runs: copied, then nothing left to copy.
    let to = ["--data-dir", data_arg, "--blob-store", "local"];
    let out = run(&[&["migrate-blobs", "--to", &remote][..], &to].concat());
    assert!(out.contains("copied 2 blobs"), "{out}");
    let out = run(&[&["migrate-blobs", "--to", &remote][..], &to].concat());
    assert!(
        out.contains("copied 0 blobs") && out.contains("2 already there"),
        "{out}"
    );
    drop(server);

    let server = serve(&data, &["--blob-store", &remote]);
    let base = server.base.clone();
    assert_eq!(download_all(&base, &key, &ticket).await, before);
    let on_s3 = ["--data-dir", data_arg, "--blob-store", &remote];
    run(&[&["fsck", "--verify-content"][..], &on_s3].concat());
    upload_to(&base, &key, &ticket, file(22, 3000)).await;
    let three = download_all(&base, &key, &ticket).await;

    // A backup from the object store, restored into another prefix.
    let backup = dir.path().join("backup");
    run(&[&["backup", backup.to_str().unwrap()][..], &on_s3].concat());
    let restored = dir.path().join("restored");
    let elsewhere = s3.spec("restored");
    let into = [
        "--data-dir",
        restored.to_str().unwrap(),
        "--blob-store",
        &elsewhere,
    ];
    let out = run(&[&["restore", backup.to_str().unwrap()][..], &into].concat());
    assert!(out.contains("3 blobs"), "{out}");
    run(&[&["fsck", "--verify-content"][..], &into].concat());
    drop(server);

    // And back to the data directory: only what it lacks is copied.
    let out = run(&[&["migrate-blobs", "--to", "local"][..], &on_s3].concat());
    assert!(
        out.contains("copied 1 blob ") && out.contains("2 already there"),
        "{out}"
    );
    let server = serve(&data, &["--blob-store", "local"]);
    assert_eq!(download_all(&server.base, &key, &ticket).await, three);
    run(&[
        "fsck",
        "--verify-content",
        "--data-dir",
        data_arg,
        "--blob-store",
        "local",
    ]);
    let restored_server = serve(&restored, &["--blob-store", &elsewhere]);
    assert_eq!(
        download_all(&restored_server.base, &key, &ticket).await,
        three
    );
}

/// `gc` keeps young orphan objects (an upload may be about to commit one) and takes old ones;
/// `fsck` names orphans and missing objects on the object store as it does on disk.
#[actix_web::test]
async fn gc_and_fsck_on_the_object_store() {
    let Some(s3) = S3Server::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let spec = s3.spec("gc");
    let server = serve(&data, &["--blob-store", &spec]);
    let key = first_key(&server.stdout);
    let base = server.base.clone();
    let ticket = new_ticket(&base, &key, "gc").await;
    let kept = upload_to(&base, &key, &ticket, file(30, 5000)).await;
    // An orphan: an object no row names, as a crash between store and commit leaves.
    let orphan = file(31, 4000);
    let orphan_sha = sha_hex(&orphan);
    let staged = dir.path().join("orphan");
    std::fs::write(&staged, &orphan).unwrap();
    // The object store's calls block: on a thread of their own, not the test's runtime.
    let blobs = attache::store::Blobs::open(
        &dir.path().join("scratch"),
        &s3::parse(&spec),
        attache::metrics::ObjectStoreMetrics::default(),
    )
    .unwrap();
    let sha = attache::domain::Sha256::parse(&orphan_sha).unwrap();
    let on_thread = blobs.clone();
    std::thread::spawn(move || assert!(on_thread.put_path(&staged, &sha).unwrap()))
        .join()
        .unwrap();
    let on_s3 = ["--data-dir", data_arg, "--blob-store", &spec];
    let (ok, out, _) = attache(&[&["fsck"][..], &on_s3].concat());
    assert!(
        !ok && out.contains(&format!("orphan file: blob {orphan_sha}")),
        "{out}"
    );
    let out = run(&[&["gc"][..], &on_s3].concat());
    assert!(out.contains("removed 0 orphan files"), "young: kept\n{out}");
    let out = run(&[&["gc", "--grace", "0"][..], &on_s3].concat());
    assert!(
        out.contains(&format!("removed orphan blob {orphan_sha}")),
        "{out}"
    );
    run(&[&["fsck", "--verify-content"][..], &on_s3].concat());
    // A missing object is named, not hidden.
    let kept_sha = attache::domain::Sha256::parse(kept["sha256"].as_str().unwrap()).unwrap();
    std::thread::spawn(move || blobs.remove(&kept_sha).unwrap())
        .join()
        .unwrap();
    let (ok, out, _) = attache(&[&["fsck"][..], &on_s3].concat());
    assert!(!ok && out.contains("missing file: blob"), "{out}");
    drop(server);
}
