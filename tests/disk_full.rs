//! A full disk: the data directory on a small tmpfs that the test mounts (root only). An
//! upload that does not fit gets 507 and leaves nothing behind, downloads go on, /readyz says
//! not ready, and uploads work again once there is room. Where mounting is not permitted, the
//! test says it is skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{png, spawn_with};
use serde_json::Value;

struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Mount(at.to_owned())),
            Ok(out) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here ({})",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(err) => {
                eprintln!("SKIPPED: no mount command ({err})");
                None
            }
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazy: the server in this process may still hold files open.
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn free_bytes(path: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[actix_web::test]
async fn a_full_disk_answers_507_keeps_serving_and_recovers() {
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("small");
    let Some(_mount) = Mount::tmpfs(&data, "6m") else {
        return;
    };
    let app = spawn_with(|c| {
        c.data_dir = data.join("attache");
        c.min_free_bytes = 1024 * 1024;
    })
    .await;
    let ticket = app.ticket(&app.agent, "Disk").await;
    let mut kept = png("kept");
    kept.resize(512 * 1024, 1);
    let first = app
        .upload_ok(&app.agent, &ticket, "kept.png", kept.clone())
        .await;
    let url = app
        .signed_url(&app.agent, &ticket, first["id"].as_str().unwrap(), false)
        .await;
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Fill the file system, leaving less than the next upload needs.
    let filler = data.join("filler");
    let room = free_bytes(&data).saturating_sub(64 * 1024);
    std::fs::write(&filler, vec![0u8; room as usize]).unwrap();
    let blobs_before = app.blob_files().len();

    let mut big = png("does not fit");
    big.resize(1024 * 1024, 2);
    let res = app
        .upload(&app.agent, &ticket, "big.png", big.clone())
        .await;
    assert_eq!(res.status(), 507);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "insufficient_storage");
    assert_eq!(app.tmp_files(), 0, "no partial file is left");
    assert_eq!(
        app.blob_files().len(),
        blobs_before,
        "nothing was committed"
    );
    let listed: Vec<Value> = app
        .get(&app.agent, &format!("/v1/tickets/{ticket}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // Downloads go on; readiness says there is no room.
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), kept);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    // Room again: the same upload works.
    std::fs::remove_file(&filler).unwrap();
    app.upload_ok(&app.agent, &ticket, "big.png", big).await;
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
