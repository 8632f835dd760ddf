//! Store maintenance (SPEC §12) through the real binary, beside a running server: fsck finds
//! what is wrong, gc removes only what nothing needs, and a backup taken under load restores
//! to a store that serves every file it names.

mod common;

use std::collections::{HashSet, VecDeque};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use attache::config::Config;
use attache::startup;
use common::{png, spawn_app, spawn_with, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The lines that name a problem (all but fsck's summary).
    fn problems(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|line| !line.starts_with("checked "))
            .collect()
    }
}

/// Runs `attache <args> --data-dir <dir>` off the async workers, so the in-process server
/// keeps serving meanwhile.
/// The command on `data_dir`, with the database and blob store its server was given.
async fn attache(data_dir: &Path, args: &[&str]) -> Run {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend([
        "--data-dir".to_owned(),
        data_dir.to_str().unwrap().to_owned(),
    ]);
    let (ok, stdout, stderr) = actix_web::rt::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::binary::attache(&args)
    })
    .await
    .unwrap();
    Run { ok, stdout, stderr }
}

fn blob_path(data_dir: &Path, sha: &str) -> PathBuf {
    data_dir
        .join("blobs/sha256")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha)
}

fn sha_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn age(path: &Path, by: Duration) {
    let file = File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

/// Uploads the files and returns their SHA-256s, as the API reports them.
async fn upload_all(app: &TestApp, ticket: &str, tags: &[&str]) -> Vec<String> {
    let mut shas = Vec::new();
    for tag in tags {
        let name = format!("{tag}.png");
        let attachment = app.upload_ok(&app.agent, ticket, &name, png(tag)).await;
        assert_eq!(attachment["sha256"], sha_of(&png(tag)));
        shas.push(attachment["sha256"].as_str().unwrap().to_owned());
    }
    shas
}

#[actix_web::test]
async fn fsck_finds_missing_truncated_stray_and_with_verify_content_corrupted_files() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "fsck").await;
    let shas = upload_all(&app, &ticket, &["one", "two", "three", "four"]).await;
    let dir = app.data_dir();

    let clean = attache(dir, &["fsck", "--verify-content"]).await;
    assert!(clean.ok, "{}{}", clean.stdout, clean.stderr);
    assert!(clean.stdout.contains("checked 4 blobs"), "{}", clean.stdout);
    assert!(clean.stdout.contains("0 problems"), "{}", clean.stdout);

    // A few bytes changed, the length kept: only a re-hash can tell.
    let corrupted = blob_path(dir, &shas[0]);
    let mut bytes = fs::read(&corrupted).unwrap();
    bytes[..4].copy_from_slice(b"oops");
    fs::write(&corrupted, bytes).unwrap();
    let sizes_only = attache(dir, &["fsck"]).await;
    assert!(sizes_only.ok, "sizes still match: {}", sizes_only.stdout);
    let deep = attache(dir, &["fsck", "--verify-content"]).await;
    assert!(!deep.ok, "{}", deep.stdout);
    assert_eq!(deep.problems().len(), 1, "{}", deep.stdout);
    assert!(deep.problems()[0].contains(&shas[0]), "{}", deep.stdout);
    assert!(deep.stdout.contains("1 problem"), "{}", deep.stdout);

    fs::remove_file(blob_path(dir, &shas[1])).unwrap();
    let truncated = File::options()
        .write(true)
        .open(blob_path(dir, &shas[2]))
        .unwrap();
    truncated.set_len(5).unwrap();
    let orphan = b"a file no row names".to_vec();
    let orphan_path = blob_path(dir, &sha_of(&orphan));
    fs::create_dir_all(orphan_path.parent().unwrap()).unwrap();
    fs::write(&orphan_path, &orphan).unwrap();
    fs::write(dir.join("blobs/sha256/notes.txt"), "not a blob").unwrap();

    let plain = attache(dir, &["fsck"]).await;
    assert!(!plain.ok, "{}", plain.stdout);
    let problems = plain.problems();
    assert_eq!(problems.len(), 4, "{}", plain.stdout);
    let line_naming = |needle: &str| {
        problems
            .iter()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line names {needle}: {}", plain.stdout))
            .to_string()
    };
    assert!(line_naming(&shas[1]).starts_with("missing file"));
    assert!(line_naming(&shas[2]).starts_with("size mismatch"));
    assert!(line_naming(&sha_of(&orphan)).starts_with("orphan file"));
    assert!(line_naming("notes.txt").starts_with("misplaced file"));
    assert!(plain.stdout.contains("4 problems"), "{}", plain.stdout);
    assert!(
        !plain.stdout.contains(&shas[3]),
        "a sound blob is not reported"
    );
}

#[actix_web::test]
async fn gc_removes_orphans_stale_temporaries_and_expired_uploads_and_keeps_the_rest() {
    let app = spawn_app().await;
    let dir = app.data_dir().to_path_buf();
    let ticket = app.ticket(&app.agent, "gc").await;
    let kept = upload_all(&app, &ticket, &["kept", "also kept"]).await;
    let expiring = png("pending, expired");
    let pending = app
        .client
        .post(app.url("/api/v2/support/attachments"))
        .bearer_auth(&app.customer)
        .header("Accept", "application/json")
        .multipart(Form::new().part("file", Part::bytes(expiring.clone()).file_name("p.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(pending.status(), 201);
    // Time passes for the pending upload (the server's own sweep next runs in a minute).
    app.core
        .db
        .run_now(|conn| {
            let sql = "UPDATE attachments SET pending_until = '2000-01-01T00:00:00.000Z'
                       WHERE pending_until IS NOT NULL";
            Ok(conn.execute(sql, attache::store::sql::params![])?)
        })
        .unwrap();

    let orphan = b"left behind by a crash".to_vec();
    let orphan_path = blob_path(&dir, &sha_of(&orphan));
    fs::create_dir_all(orphan_path.parent().unwrap()).unwrap();
    fs::write(&orphan_path, &orphan).unwrap();
    let (old, fresh) = (dir.join("tmp/upload-old"), dir.join("tmp/upload-fresh"));
    fs::write(&old, "a dead upload").unwrap();
    age(&old, Duration::from_secs(3600));
    fs::write(&fresh, "an upload in flight").unwrap();
    age(&fresh, Duration::from_secs(60));

    let gc = attache(&dir, &["gc"]).await;
    assert!(gc.ok, "{}{}", gc.stdout, gc.stderr);
    assert!(gc.stdout.contains(&sha_of(&orphan)), "{}", gc.stdout);
    assert!(gc.stdout.contains("upload-old"), "{}", gc.stdout);
    assert!(
        gc.stdout.contains("expired 1 pending upload"),
        "{}",
        gc.stdout
    );
    assert!(!orphan_path.exists() && !old.exists());
    assert!(fresh.exists(), "a temporary file in use stays");
    assert!(!blob_path(&dir, &sha_of(&expiring)).exists());
    for sha in &kept {
        assert!(blob_path(&dir, sha).exists(), "a referenced blob stays");
    }
    assert_eq!(app.blob_files().len(), kept.len());

    let fsck = attache(&dir, &["fsck", "--verify-content"]).await;
    assert!(fsck.ok, "{}", fsck.stdout);
    let again = attache(&dir, &["gc"]).await;
    assert!(
        again.stdout.contains("removed 0 orphan files"),
        "{}",
        again.stdout
    );
}

/// A file whose name says which content it carries: `c<k>.png` holds `content(k)`.
fn content(k: usize) -> Vec<u8> {
    let mut bytes = png(&format!("content {k};"));
    let len = 8 * 1024 + (k * 7919) % (32 * 1024);
    bytes.extend((0..len).map(|i| (i * 31 + k) as u8));
    bytes
}

fn content_of(filename: &str) -> Vec<u8> {
    let k = filename
        .strip_prefix('c')
        .and_then(|rest| rest.strip_suffix(".png"))
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("an unexpected file: {filename}"));
    content(k)
}

/// Uploads and deletes against a running server until told to stop.
#[derive(Default)]
struct Load {
    next: AtomicUsize,
    stop: AtomicBool,
    /// Attachments whose upload was acknowledged.
    acked: Mutex<HashSet<String>>,
    /// Attachments a delete was sent for.
    deleting: Mutex<HashSet<String>>,
    /// Acknowledged uploads that a deleter may take.
    deletable: Mutex<VecDeque<String>>,
}

impl Load {
    /// Uploads `c<k>.png`; every fourth upload repeats the content of the one before, so
    /// some blobs are shared; every second one may be deleted.
    async fn upload_one(&self, app: &TestApp, ticket: &str) {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let k = if n % 4 == 3 { n - 1 } else { n };
        let attachment = app
            .upload_ok(&app.agent, ticket, &format!("c{k}.png"), content(k))
            .await;
        let id = attachment["id"].as_str().unwrap().to_owned();
        self.acked.lock().unwrap().insert(id.clone());
        if n.is_multiple_of(2) {
            self.deletable.lock().unwrap().push_back(id);
        }
    }

    async fn upload_until_stopped(&self, app: &TestApp, ticket: &str) {
        while !self.stop.load(Ordering::SeqCst) {
            self.upload_one(app, ticket).await;
        }
    }

    async fn delete_until_stopped(&self, app: &TestApp, ticket: &str) {
        while !self.stop.load(Ordering::SeqCst) {
            let Some(id) = self.deletable.lock().unwrap().pop_front() else {
                actix_web::rt::time::sleep(Duration::from_millis(2)).await;
                continue;
            };
            self.deleting.lock().unwrap().insert(id.clone());
            let path = format!("/v1/tickets/{ticket}/attachments/{id}");
            assert_eq!(app.delete(&app.agent, &path).await.status(), 204);
            // Paced so that a backlog of older, snapshotted files is what gets deleted while
            // the backup copies.
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        }
    }

    async fn wait_for_uploads(&self, count: usize) {
        let started = Instant::now();
        while self.acked.lock().unwrap().len() < count {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the load stalled"
            );
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A server on a restored data directory; returns its base URL.
fn serve(data_dir: &Path) -> String {
    let mut config = Config::new(data_dir.to_path_buf());
    config.rate_limit_per_minute = 0;
    config.workers = 2;
    let (listener, core) = startup::prepare(config, "127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    actix_web::rt::spawn(startup::run(listener, core).unwrap());
    base
}

async fn get(app: &TestApp, url: &str, key: Option<&str>) -> reqwest::Response {
    let request = app.client.get(url);
    let request = match key {
        Some(key) => request.bearer_auth(key),
        None => request,
    };
    request.send().await.unwrap()
}

#[actix_web::test]
async fn a_backup_taken_under_load_restores_to_a_store_that_serves_every_file() {
    let app = Arc::new(spawn_with(|c| c.max_attachments_per_ticket = 100_000).await);
    let ticket = Arc::new(app.ticket(&app.agent, "Busy").await);
    let load = Arc::new(Load::default());
    for _ in 0..120 {
        load.upload_one(&app, &ticket).await;
    }
    let kept = app
        .upload_ok(&app.agent, &ticket, "c1.png", content(1))
        .await;
    let kept_url = app
        .signed_url(&app.agent, &ticket, kept["id"].as_str().unwrap(), false)
        .await;

    let mut workers = Vec::new();
    for deleter in [false, false, true, true] {
        let (app, ticket, load) = (app.clone(), ticket.clone(), load.clone());
        workers.push(actix_web::rt::spawn(async move {
            if deleter {
                load.delete_until_stopped(&app, &ticket).await;
            } else {
                load.upload_until_stopped(&app, &ticket).await;
            }
        }));
    }
    load.wait_for_uploads(140).await;
    let acked_before = load.acked.lock().unwrap().clone();
    let deletes_before = load.deleting.lock().unwrap().len();
    let backup_dir = tempfile::tempdir().unwrap();
    let backup = attache(
        app.data_dir(),
        &["backup", backup_dir.path().to_str().unwrap()],
    )
    .await;
    assert!(backup.ok, "{}{}", backup.stdout, backup.stderr);
    let deleted_by_then = load.deleting.lock().unwrap().clone();
    assert!(
        deleted_by_then.len() > deletes_before,
        "deletes ran while the backup copied"
    );
    load.wait_for_uploads(acked_before.len() + 20).await;
    load.stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.unwrap();
    }
    let source_fsck = attache(app.data_dir(), &["fsck"]).await;
    assert!(source_fsck.ok, "{}", source_fsck.stdout);

    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let restore = attache(&data, &["restore", backup_dir.path().to_str().unwrap()]).await;
    assert!(restore.ok, "{}{}", restore.stdout, restore.stderr);
    let fsck = attache(&data, &["fsck", "--verify-content"]).await;
    assert!(fsck.ok, "{}{}", fsck.stdout, fsck.stderr);

    let base = serve(&data);
    // Every page of the list: TopTickets pages lists by `offset` and `limit` (at most 500).
    let mut attachments: Vec<Value> = Vec::new();
    loop {
        let listing = get(
            &app,
            &format!(
                "{base}/v1/tickets/{ticket}/attachments?offset={}&limit=500",
                attachments.len()
            ),
            Some(&app.agent),
        )
        .await;
        assert_eq!(
            listing.status(),
            200,
            "the agent's key works after a restore"
        );
        let page: Vec<Value> = listing.json().await.unwrap();
        let last = page.len() < 500;
        attachments.extend(page);
        if last {
            break;
        }
    }
    let ids: HashSet<String> = attachments
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: HashSet<&String> = acked_before.difference(&deleted_by_then).collect();
    let lost: Vec<&&String> = expected.iter().filter(|id| !ids.contains(**id)).collect();
    assert!(
        lost.is_empty(),
        "uploads acknowledged before the backup are missing: {lost:?}"
    );
    for attachment in &attachments {
        let id = attachment["id"].as_str().unwrap();
        let path = format!("{base}/v1/tickets/{ticket}/attachments/{id}/download");
        let signed: Value = get(&app, &path, Some(&app.agent))
            .await
            .json()
            .await
            .unwrap();
        let res = get(&app, signed["signed_url"].as_str().unwrap(), None).await;
        assert_eq!(res.status(), 200, "{attachment}");
        let filename = attachment["filename"].as_str().unwrap();
        assert!(
            res.bytes().await.unwrap() == content_of(filename),
            "{filename}"
        );
    }
    // A URL signed before the backup stays valid: the signing keys came back too.
    let old_url = kept_url.replacen(&app.base, &base, 1);
    let res = get(&app, &old_url, None).await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap() == content(1));
    assert!(
        attachments.len() > 60,
        "{} files restored",
        attachments.len()
    );
}

#[actix_web::test]
async fn restore_refuses_a_data_directory_in_use_and_backups_stay_outside_it() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Refusals").await;
    upload_all(&app, &ticket, &["a", "b", "c"]).await;
    let backup_dir = tempfile::tempdir().unwrap();
    let to = backup_dir.path().to_str().unwrap();
    let first = attache(app.data_dir(), &["backup", to]).await;
    assert!(first.ok, "{}{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("3 copied"), "{}", first.stdout);
    let second = attache(app.data_dir(), &["backup", to]).await;
    assert!(second.stdout.contains("0 copied"), "{}", second.stdout);
    assert!(
        second.stdout.contains("3 already there"),
        "{}",
        second.stdout
    );

    let inside = app.data_dir().join("backups");
    let refused = attache(app.data_dir(), &["backup", inside.to_str().unwrap()]).await;
    assert!(!refused.ok && refused.stderr.contains("inside the data directory"));

    let files_before = app.blob_files();
    let into_live = attache(app.data_dir(), &["restore", to]).await;
    assert!(!into_live.ok, "{}", into_live.stdout);
    assert!(
        into_live.stderr.contains("already holds"),
        "{}",
        into_live.stderr
    );
    assert_eq!(app.blob_files(), files_before);

    let other = tempfile::tempdir().unwrap();
    let stray = other.path().join("blobs/sha256/ab/cd");
    fs::create_dir_all(&stray).unwrap();
    fs::write(stray.join("something"), "already here").unwrap();
    let into_blobs = attache(other.path(), &["restore", to]).await;
    assert!(!into_blobs.ok && into_blobs.stderr.contains("already holds blobs"));
    assert!(!other.path().join("attache.db").exists());

    let not_a_backup = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let from_nothing = attache(
        empty.path(),
        &["restore", not_a_backup.path().to_str().unwrap()],
    )
    .await;
    assert!(!from_nothing.ok && from_nothing.stderr.contains("not an attache backup"));
}

/// The database holds every ticket, key hash and session (issue 12, finding 11): it and its
/// WAL files are readable by attache's user alone.
#[actix_web::test]
async fn the_database_and_its_wal_are_private_to_attaches_user() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "private").await;
    app.upload_ok(&app.customer, &ticket, "a.png", png("private"))
        .await;
    for name in ["attache.db", "attache.db-wal", "attache.db-shm"] {
        let mode = fs::metadata(app.data_dir().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name} is {mode:o}");
    }
}
