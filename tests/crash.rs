//! Nothing acknowledged is lost: the real binary is killed with SIGKILL while several clients
//! upload, twenty times at different moments; afterwards every upload that got a 201 downloads
//! with its exact bytes, no half-written file is visible, and after `gc` the store is clean.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::binary::{attache, serve};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
    let mut server = serve(&data, &[]);
    let key = server.stdout[0]
        .split('\t')
        .nth(2)
        .expect("the first start prints the admin key")
        .to_owned();
    let mut base = server.base.clone();
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
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        for uploader in uploaders {
            uploader.await.unwrap();
        }
        server = serve(&data, &[]);
        base = server.base.clone();
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
    drop(server);

    // What the crashes left (files no row names) goes with gc; then all is well.
    let data_arg = data.to_str().unwrap();
    // No grace: the server is gone, so no upload is about to commit what looks orphaned.
    let (ok, _, err) = attache(&["gc", "--grace", "0", "--data-dir", data_arg]);
    assert!(ok, "{err}");
    let (ok, out, err) = attache(&["fsck", "--verify-content", "--data-dir", data_arg]);
    assert!(ok, "fsck after gc:\n{out}{err}");
}
