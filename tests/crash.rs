//! Nothing acknowledged is lost: the real binary is killed with SIGKILL while several clients
//! upload, twenty times at different moments; afterwards every upload that got a 201 downloads
//! with its exact bytes, no half-written file is visible, and after `gc` the store is clean.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_attache");

/// Starts the server on a free port; returns it, its URL and, when `first`, the admin key the
/// first start prints.
fn start(data: &Path, first: bool) -> (Child, String, Option<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut base = None;
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(rest) = line.strip_prefix("attache is serving ") {
            base = Some(rest.split(' ').next().unwrap().to_owned());
            break;
        }
        line.clear();
    }
    // Keep reading both pipes: a server whose stderr is closed cannot log.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    // Keys are printed before the announcement; only the first start prints one.
    let mut key = String::new();
    if first {
        let _ = out.read_line(&mut key);
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let key = key.split('\t').nth(2).map(|k| k.trim().to_owned());
    (child, base.expect("the server announced its URL"), key)
}

/// Deterministic content: a PNG header, then bytes from a counter.
/// An attachment's bytes, through a freshly signed URL.
async fn download(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    ticket: &str,
    id: &str,
) -> actix_web::web::Bytes {
    let url: Value = client
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
    client
        .get(url["signed_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    while bytes.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

struct Acknowledged {
    ticket: String,
    id: String,
    sha256: String,
}

#[actix_web::test]
async fn every_acknowledged_upload_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let client = reqwest::Client::new();
    let (mut child, base, key) = start(&data, true);
    let key = key.expect("the first start prints the admin key");
    let ticket: Value = client
        .post(format!("{base}/v1/tickets"))
        .bearer_auth(&key)
        .json(&json!({"subject": "crash"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = ticket["id"].as_str().unwrap().to_owned();
    let acknowledged = Arc::new(Mutex::new(Vec::<Acknowledged>::new()));
    let mut base = base;

    for cycle in 0..20u64 {
        let mut uploaders = Vec::new();
        for worker in 0..4u64 {
            let (client, base, key, ticket, acknowledged) = (
                client.clone(),
                base.clone(),
                key.clone(),
                ticket.clone(),
                acknowledged.clone(),
            );
            uploaders.push(actix_web::rt::spawn(async move {
                for n in 0.. {
                    let seed = cycle * 1_000_000 + worker * 1_000 + n;
                    let bytes = content(seed, 64 * 1024 + (seed as usize * 7919) % (3 << 20));
                    let sha = hex::encode(Sha256::digest(&bytes));
                    let form = Form::new()
                        .part("file", Part::bytes(bytes).file_name(format!("f{seed}.png")));
                    let Ok(res) = client
                        .post(format!("{base}/v1/tickets/{ticket}/attachments"))
                        .bearer_auth(&key)
                        .multipart(form)
                        .send()
                        .await
                    else {
                        return;
                    };
                    if res.status() != 201 {
                        return;
                    }
                    let Ok(body) = res.json::<Value>().await else {
                        return;
                    };
                    assert_eq!(body["sha256"], sha.as_str());
                    let id = body["id"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push(Acknowledged {
                        ticket: ticket.clone(),
                        id,
                        sha256: sha,
                    });
                }
            }));
        }
        // Kill at a different moment each cycle.
        actix_web::rt::time::sleep(Duration::from_millis(150 + (cycle * 97) % 600)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for uploader in uploaders {
            uploader.await.unwrap();
        }
        let (next, next_base, _) = start(&data, false);
        child = next;
        base = next_base;
        assert_eq!(
            std::fs::read_dir(data.join("tmp")).unwrap().count(),
            0,
            "tmp/ is emptied at start"
        );
    }

    // Every acknowledged upload downloads with its exact bytes.
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        acknowledged.len() >= 20,
        "only {} uploads were acknowledged",
        acknowledged.len()
    );
    for ack in &acknowledged {
        let bytes = download(&client, &base, &key, &ack.ticket, &ack.id).await;
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            ack.sha256,
            "attachment {} lost or damaged",
            ack.id
        );
    }
    // Nothing half-written is visible: every attachment attache lists is whole.
    let listed: Vec<Value> = client
        .get(format!("{base}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.len() >= acknowledged.len());
    for a in &listed {
        let bytes = download(&client, &base, &key, &ticket, a["id"].as_str().unwrap()).await;
        assert_eq!(bytes.len() as u64, a["size_bytes"].as_u64().unwrap());
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            a["sha256"].as_str().unwrap()
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // What the crashes left (files no row names) goes with gc; then all is well.
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    let gc = run(&["gc"]);
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    let fsck = run(&["fsck", "--verify-content"]);
    assert!(
        fsck.status.success(),
        "fsck after gc:\n{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
}
