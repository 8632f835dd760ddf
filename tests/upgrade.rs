//! Upgrades: the data directory attache 0.1.0 wrote (tests/fixtures/v0.1.0, made by that
//! version with its make.sh) opens in this build with every file, key, signing key and pending
//! upload intact; a database from a newer attache is refused untouched; a 0.1.0 backup
//! restores. The fixture is always copied first: no test changes it.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use attache::ids::Id;
use attache::signing::{Disposition, Grant, Keyring, SigningKey};
use attache::store::migrate;
use common::aksk::signed_headers;
use common::binary::{attache, serve, Running};
use reqwest::Url;
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0.1.0")
}

fn manifest() -> Value {
    serde_json::from_slice(&fs::read(fixture().join("manifest.json")).unwrap()).unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the 0.1.0 data directory.
fn old_data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_tree(&fixture().join("data"), &data);
    (dir, data)
}

/// Every file below `dir` with its bytes: what "unchanged" is checked against.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(contents(&path));
        } else {
            found.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
    found
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn get(url: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200, "{}", res.url());
    res.json().await.unwrap()
}

/// The signed URL of an attachment, as a client of the native API gets it.
async fn signed_url(server: &Running, key: &str, ticket: &str, id: &str) -> String {
    let path = format!("/v1/tickets/{ticket}/attachments/{id}/download");
    json_of(get(&format!("{}{path}", server.base), key).await).await["signed_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn download(url: &str) -> Vec<u8> {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

#[actix_web::test]
async fn a_data_directory_written_by_0_1_0_serves_every_file_key_and_pending_upload() {
    let (_dir, data) = old_data_dir();
    let manifest = manifest();
    let server = serve(&data, &[]);
    let latest = migrate::latest();
    let log = server.stderr.lock().unwrap().clone();
    assert!(
        log.contains(&format!("migrated schema 1 -> {latest}")),
        "the log names the versions: {log}"
    );
    assert!(
        server.stdout.is_empty(),
        "no new admin key on an existing store"
    );

    let keys = manifest["keys"].as_object().unwrap();
    for (who, key) in keys {
        let me = get(&format!("{}/v1/me", server.base), key.as_str().unwrap()).await;
        assert_eq!(me.status(), 200, "the {who} key of 0.1.0 still works");
    }
    let admin = keys["admin"].as_str().unwrap();
    for attachment in manifest["attachments"].as_array().unwrap() {
        let (ticket, id) = (
            attachment["ticket"].as_str().unwrap(),
            attachment["id"].as_str().unwrap(),
        );
        let bytes = download(&signed_url(&server, admin, ticket, id).await).await;
        assert_eq!(hex_sha256(&bytes), attachment["sha256"], "attachment {id}");
    }

    check_aksk_pair(&server, &manifest).await;
    check_the_events_read_back(&server, &manifest).await;
    check_the_rotated_out_signing_key(&server, &data, &manifest).await;
    bind_the_pending_upload(&server, &manifest).await;

    let health = json_of(
        reqwest::get(format!("{}/healthz", server.base))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(health["schema_version"], latest);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    let metrics = get(&format!("{}/metrics", server.base), admin).await;
    let metrics = metrics.text().await.unwrap();
    let info = format!(
        "attache_build_info{{version=\"{}\",schema_version=\"{latest}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    assert!(metrics.contains(&info), "{info} in {metrics}");
    drop(server);
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(data.join("attache.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "a database others could read is made private"
    );

    let (ok, out, err) = attache(&[
        "fsck",
        "--verify-content",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(ok, "fsck after the upgrade: {out}{err}");
    assert!(out.contains(" 0 problems"), "{out}");
}

/// Migration 6 records what a 0.1.0 store still tells of each ticket: who opened it, then
/// each reply in order, as Huawei's operate logs show them.
async fn check_the_events_read_back(server: &Running, manifest: &Value) {
    let admin = manifest["keys"]["admin"].as_str().unwrap();
    let mut replied = 0;
    for attachment in manifest["attachments"].as_array().unwrap() {
        let ticket = attachment["ticket"].as_str().unwrap();
        replied += check_the_events_of(server, admin, ticket).await;
    }
    assert!(replied > 0, "some ticket of the fixture has replies");
}

/// Checks one ticket's events; returns how many replies it has.
async fn check_the_events_of(server: &Running, admin: &str, ticket: &str) -> usize {
    let osm = |path: String| {
        reqwest::Client::new()
            .get(format!(
                "{}/v2/servicerequest/cases/{ticket}/{path}",
                server.base
            ))
            .header("X-Auth-Token", admin)
            .send()
    };
    let thread = json_of(osm("messages?limit=100".into()).await.unwrap()).await;
    let replies = thread["message_list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_first_message"] == 0)
        .count();
    let logs = json_of(osm("operate-logs?limit=100".into()).await.unwrap()).await;
    let kinds: Vec<i64> = logs["incident_operate_log_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["operate_type"].as_i64().unwrap())
        .collect();
    let mut expected = vec![1];
    expected.extend(std::iter::repeat_n(2, replies));
    assert_eq!(
        kinds, expected,
        "opened, then each reply: {logs} for {thread}"
    );
    replies
}

/// The Huawei AK/SK pair made by 0.1.0 signs requests that this build accepts, and a wrong SK
/// is still refused.
async fn check_aksk_pair(server: &Running, manifest: &Value) {
    let (ak, sk) = (
        manifest["aksk"]["ak"].as_str().unwrap(),
        manifest["aksk"]["sk"].as_str().unwrap(),
    );
    let url = format!("{}/v2/servicerequest/accessorys/limits", server.base);
    for (secret, expected) in [(sk, 200), ("WRONG-SECRET-KEY", 401)] {
        let mut req = reqwest::Client::new().get(&url);
        for (name, value) in signed_headers("GET", &url, None, ak, secret) {
            req = req.header(name, value);
        }
        assert_eq!(
            req.send().await.unwrap().status(),
            expected,
            "AK/SK with {secret}"
        );
    }
}

/// 0.1.0 rotated its signing key once: a URL signed with the older key still verifies.
async fn check_the_rotated_out_signing_key(server: &Running, data: &Path, manifest: &Value) {
    let keys = fs::read_to_string(data.join("signing-keys")).unwrap();
    let lines: Vec<&str> = keys.lines().collect();
    assert_eq!(lines.len(), 2, "the fixture holds a rotated key");
    let (kid, secret) = lines[0].split_once(' ').unwrap();
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(secret, &mut bytes).unwrap();
    let old = Keyring::new(vec![SigningKey {
        kid: kid.to_owned(),
        secret: bytes,
    }])
    .unwrap();

    let attachment = &manifest["attachments"][0];
    let (ticket, id) = (
        attachment["ticket"].as_str().unwrap(),
        attachment["id"].as_str().unwrap(),
    );
    let admin = manifest["keys"]["admin"].as_str().unwrap();
    let mut url = Url::parse(&signed_url(server, admin, ticket, id).await).unwrap();
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_ne!(query["kid"], kid, "new URLs are signed with the newest key");
    let meta = json_of(
        get(
            &format!("{}/v1/tickets/{ticket}/attachments/{id}", server.base),
            admin,
        )
        .await,
    )
    .await;
    let grant = Grant {
        attachment_id: Id::parse_uuid(id).unwrap(),
        filename: meta["filename"].as_str().unwrap().to_owned(),
        expires: query["exp"].parse().unwrap(),
        disposition: Disposition::parse(&query["disp"]).unwrap(),
    };
    let (old_kid, signature) = old.sign(&grant);
    url.query_pairs_mut()
        .clear()
        .append_pair("exp", &query["exp"])
        .append_pair("disp", &query["disp"])
        .append_pair("kid", &old_kid)
        .append_pair("sig", &signature);
    let bytes = download(url.as_str()).await;
    assert_eq!(hex_sha256(&bytes), attachment["sha256"]);
}

/// The HostUp upload 0.1.0 left pending is bound by a reply, as it would have been then.
async fn bind_the_pending_upload(server: &Running, manifest: &Value) {
    let pending = &manifest["pending"];
    let (satt, ticket) = (
        pending["id"].as_str().unwrap(),
        pending["ticket"].as_str().unwrap(),
    );
    let dana = manifest["keys"]["dana"].as_str().unwrap();
    let detail_url = format!("{}/api/v2/support/tickets/{ticket}", server.base);
    let before = json_of(get(&detail_url, dana).await).await;
    // HostUp's `attachments` are the opening post's; a reply's are on its message.
    let carried = |detail: &Value| -> Vec<Value> {
        let messages = detail["messages"].as_array().unwrap();
        let files = messages
            .iter()
            .flat_map(|m| m["attachments"].as_array().unwrap());
        files.cloned().collect()
    };
    let bound_before = carried(&before).len();
    let res = reqwest::Client::new()
        .post(format!("{detail_url}/messages"))
        .bearer_auth(dana)
        .json(&json!({"message": "carrying the upload left pending before the upgrade"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let after = json_of(get(&detail_url, dana).await).await;
    let attachments = carried(&after);
    assert_eq!(attachments.len(), bound_before + 1, "{after}");
    let bound = attachments
        .iter()
        .find(|a| a["id"].as_str().unwrap()[5..] == satt[5..])
        .expect("the pending upload is now the ticket's attachment");
    // HostUp's download URL takes the caller's credential, as HostUp's does.
    let res = get(bound["downloadUrl"].as_str().unwrap(), dana).await;
    assert_eq!(res.status(), 200);
    assert_eq!(hex_sha256(&res.bytes().await.unwrap()), pending["sha256"]);
}

/// Rows per table, to compare databases.
fn row_counts(path: &Path) -> BTreeMap<String, i64> {
    let conn = Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'refinery_schema_history'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// What migrations 4, 5 and 7 did to the 0.1.0 database in `data`.
fn later_migrations_kept_every_row(data: &Path) {
    // Migration 4 rebuilt the tickets table: every row is kept, with its status, and the
    // messages and attachments that refer to tickets still do.
    let migrated = row_counts(&data.join("attache.db"));
    for (table, count) in row_counts(&fixture().join("data/attache.db")) {
        assert_eq!(migrated[&table], count, "{table}");
    }
    let conn = Connection::open(data.join("attache.db")).unwrap();
    let old = Connection::open(fixture().join("data/attache.db")).unwrap();
    let statuses = |conn: &Connection| -> Vec<(i64, String)> {
        conn.prepare("SELECT number, status FROM tickets ORDER BY number")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(statuses(&conn), statuses(&old));
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    let orphans: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM messages WHERE ticket_id NOT IN (SELECT id FROM tickets))
                  + (SELECT count(*) FROM attachments
                     WHERE ticket_id IS NOT NULL AND ticket_id NOT IN (SELECT id FROM tickets))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    // Migration 5: old tickets are copied to nobody and have no priority reason; no old
    // message is sensitive. Migration 7: no old ticket is escalated.
    let unset: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tickets
                     WHERE cc_addresses <> '[]' OR priority_reason IS NOT NULL)
                  + (SELECT count(*) FROM messages WHERE sensitive <> 0)
                  + (SELECT count(*) FROM tickets
                     WHERE escalated_at IS NOT NULL OR escalation_reason IS NOT NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unset, 0);
    drop((conn, old));
}

#[test]
fn a_copy_of_the_database_is_kept_before_the_first_migration() {
    let (_dir, data) = old_data_dir();
    let (ok, _, err) = attache(&["user", "list", "--data-dir", data.to_str().unwrap()]);
    assert!(ok, "{err}");
    let copy = data.join(format!("attache.db.before-v{}", migrate::latest()));
    assert!(copy.is_file(), "a commands keeps the copy too: {err}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        migrate::stored_version(&copy).unwrap(),
        migrate::Stored::Unrecorded
    );
    assert_eq!(
        row_counts(&copy),
        row_counts(&fixture().join("data/attache.db"))
    );
    assert_eq!(
        migrate::stored_version(&data.join("attache.db")).unwrap(),
        migrate::Stored::Version(migrate::latest())
    );

    // Migration 2 marked the AK/SK pair 0.1.0 made as scheme 1, and no API key.
    let conn = Connection::open(data.join("attache.db")).unwrap();
    let schemes: Vec<(String, Option<i64>)> = conn
        .prepare("SELECT prefix, sk_scheme FROM api_keys")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ak = manifest()["aksk"]["ak"].as_str().unwrap().to_owned();
    for (prefix, scheme) in &schemes {
        let expected = if *prefix == ak { Some(1) } else { None };
        assert_eq!(*scheme, expected, "{prefix}");
    }
    assert!(schemes.iter().any(|(p, _)| *p == ak));
    drop(conn);

    later_migrations_kept_every_row(&data);

    // The next start has nothing to migrate and leaves the copy as it was.
    let before = fs::read(&copy).unwrap();
    let (ok, _, err) = attache(&["user", "list", "--data-dir", data.to_str().unwrap()]);
    assert!(ok && !err.contains("migrated schema"), "{err}");
    assert_eq!(fs::read(&copy).unwrap(), before);
}

#[test]
fn a_database_from_a_newer_attache_is_refused_and_left_byte_for_byte_unchanged() {
    let (_dir, data) = old_data_dir();
    let data_arg = data.to_str().unwrap();
    assert!(attache(&["user", "list", "--data-dir", data_arg]).0);
    // What a later attache with one more migration leaves behind.
    let newer = migrate::latest() + 1;
    let conn = Connection::open(data.join("attache.db")).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
         VALUES (?1, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
        [newer],
    )
    .unwrap();
    conn.close().unwrap();
    let before = contents(&data);

    for args in [
        vec!["serve", "--listen", "127.0.0.1:0"],
        vec!["user", "list"],
        vec!["key", "create", "--user", "zoe"],
        vec!["fsck"],
        vec!["gc"],
    ] {
        let mut args = args.clone();
        args.extend(["--data-dir", data_arg]);
        let (ok, out, err) = attache(&args);
        assert!(!ok, "{args:?} must fail: {out}");
        assert!(
            err.contains(&format!(
                "holds schema version {newer}, written by a newer attache"
            )),
            "{args:?}: {err}"
        );
        assert_eq!(
            contents(&data),
            before,
            "{args:?} changed the data directory"
        );
    }

    // Nor is a backup of it restored.
    let target = tempfile::tempdir().unwrap();
    let (ok, _, err) = attache(&[
        "restore",
        data_arg,
        "--data-dir",
        target.path().to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("written by a newer attache"), "{err}");
    assert_eq!(contents(&data), before);
}

#[actix_web::test]
async fn a_backup_taken_by_0_1_0_restores_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    copy_tree(&fixture().join("backup"), &backup);
    let data = dir.path().join("restored");
    let (ok, out, err) = attache(&[
        "restore",
        backup.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    assert_eq!(
        migrate::stored_version(&data.join("attache.db")).unwrap(),
        migrate::Stored::Version(migrate::latest())
    );
    let manifest = manifest();
    let server = serve(&data, &[]);
    let admin = manifest["keys"]["admin"].as_str().unwrap();
    for attachment in manifest["attachments"].as_array().unwrap() {
        let (ticket, id) = (
            attachment["ticket"].as_str().unwrap(),
            attachment["id"].as_str().unwrap(),
        );
        let bytes = download(&signed_url(&server, admin, ticket, id).await).await;
        assert_eq!(hex_sha256(&bytes), attachment["sha256"]);
    }
    drop(server);
    let (ok, out, err) = attache(&[
        "fsck",
        "--verify-content",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(ok && out.contains(" 0 problems"), "{out}{err}");
}

/// The schema of a database, comparable across ways of writing the same DDL: comments,
/// `IF NOT EXISTS`, quotes, case and spacing removed.
fn schema_of(conn: &Connection) -> BTreeMap<String, String> {
    let mut stmt = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL \
             AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
        )
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)));
    rows.unwrap()
        .map(Result::unwrap)
        .map(|(name, sql)| {
            let text = sql
                .to_lowercase()
                .replace("if not exists", "")
                .replace('"', "");
            let mut flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for mark in ["(", ")", ","] {
                flat = flat
                    .replace(&format!(" {mark}"), mark)
                    .replace(&format!("{mark} "), mark);
            }
            (name, flat)
        })
        .collect()
}

fn schema_from_sql(sql: &str) -> BTreeMap<String, String> {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(sql).unwrap();
    schema_of(&conn)
}

#[test]
fn migration_1_is_the_schema_0_1_0_wrote_and_schema_sql_is_the_latest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let v1 = fs::read_to_string(root.join("migrations/V1__initial.sql")).unwrap();
    let old = Connection::open(fixture().join("data/attache.db")).unwrap();
    assert_eq!(schema_from_sql(&v1), schema_of(&old));
    drop(old);

    // A new data directory gets every migration; schema.sql must read the same.
    let dir = tempfile::tempdir().unwrap();
    assert!(attache(&["user", "list", "--data-dir", dir.path().to_str().unwrap()]).0);
    let fresh = Connection::open(dir.path().join("attache.db")).unwrap();
    let whole = fs::read_to_string(root.join("schema.sql")).unwrap();
    assert_eq!(
        schema_from_sql(&whole),
        schema_of(&fresh),
        "schema.sql differs from what the migrations build: update it with the new migration"
    );
}

#[test]
fn version_prints_the_version() {
    let (ok, out, _) = attache(&["--version"]);
    assert!(ok);
    assert_eq!(out.trim(), format!("attache {}", env!("CARGO_PKG_VERSION")));
}

/// The SHA-256 of each migration in migrations/.
const SQLITE_MIGRATIONS: [(&str, &str); 8] = [
    (
        "V1__initial.sql",
        "ce04a3b8de653bf8bc9ac4f86fcd9f63a55742e520b4fb2e79ccc2b92b4a9b89",
    ),
    (
        "V2__secret_key_scheme.sql",
        "452c70172215b48eac127a8208a88994c443985b6b77bdf466570a034cf89da6",
    ),
    (
        "V3__message_visibility.sql",
        "5d52efef83d7d39c3d7450f235611eb8475cfaafe999a5a6114ac383bcda8692",
    ),
    (
        "V4__ticket_status.sql",
        "4a5cdd0ba285df138308af51d2b30d4d69f11df8b6ec476b6261ceb9d731f1b5",
    ),
    (
        "V5__ticket_cc_and_alerts.sql",
        "ba8f527e572bcef257514f96fc908e22f1966b330c1a37e4332ed1884b019fd7",
    ),
    (
        "V6__case_events.sql",
        "f61cf420b72f005872c44e939185c836d9d4141bc6e532c119d2ccf465a9d3fc",
    ),
    (
        "V7__ticket_escalation.sql",
        "fa8dacf57db0123c74db1aea8a84c96b99a21ae66aebd51324c08fa562482ef9",
    ),
    (
        "V8__shared_node_state.sql",
        "ded66c8381af4ce89e7762968756c5958e3017ea68b26dbb4db512d5006c4c6b",
    ),
];

/// The same versions in PostgreSQL's dialect: migrations-postgres/, outside migrations/
/// because refinery embeds a folder with its subfolders.
const POSTGRES_MIGRATIONS: [(&str, &str); 8] = [
    (
        "V1__initial.sql",
        "1c79cc54e9874da150cf9805dc83fabdff5e9b701c17886ea3522cca1da05b48",
    ),
    (
        "V2__secret_key_scheme.sql",
        "be1ca499128927541b26eaac6ca56ab047eafed1c7776aa418df6fa51e197573",
    ),
    (
        "V3__message_visibility.sql",
        "f895643aee0b745c9c4097b46aff4cfcfd344fb030807d24d8ea151569a6dd1a",
    ),
    (
        "V4__ticket_status.sql",
        "3090cb60e8e14dd608715a5f74aa81fe79ee42d90b1713e8e6e639e00dbe513c",
    ),
    (
        "V5__ticket_cc_and_alerts.sql",
        "fc9c9d932a57ef25bdc566554a794bd4529e18c234db27fe6b08200ecfd0d32c",
    ),
    (
        "V6__case_events.sql",
        "d78b445829e59e4fb9420aa7406004a7b14f1542948aee6e378dd1e07304e4b6",
    ),
    (
        "V7__ticket_escalation.sql",
        "a45086772e0a8190cf18b54a059758932b47eb03052954b79b7c3cd71fdfb4eb",
    ),
    (
        "V8__shared_node_state.sql",
        "c6f7744ebee5ce0b0f0098348641edd3b49de6f027292be0087d03adc0965f93",
    ),
];

/// Migrations are never edited once released: each one's bytes are pinned here. A new one is
/// added to the list; an old one changed fails this test (and refinery's checksum at start).
#[test]
fn released_migrations_are_never_edited() {
    let sqlite_files = migration_files("migrations");
    assert_eq!(
        sqlite_files.len(),
        migrate::latest() as usize,
        "one file per version, no gaps"
    );
    assert_eq!(
        migration_files("migrations-postgres"),
        sqlite_files,
        "the same versions and names for both databases"
    );
    for (folder, pinned) in [
        ("migrations", SQLITE_MIGRATIONS),
        ("migrations-postgres", POSTGRES_MIGRATIONS),
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        for (name, sha) in pinned {
            assert_eq!(
                hex_sha256(&fs::read(dir.join(name)).unwrap()),
                sha,
                "{folder}/{name} was edited"
            );
        }
    }
}

/// The file names in a migrations folder, in version order.
fn migration_files(folder: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut found: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    found.sort_by_key(|name| name[1..name.find("__").unwrap()].parse::<u32>().unwrap());
    found
}
