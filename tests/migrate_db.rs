//! `attache migrate-db --to postgres://…`: a single node's SQLite install, made through the API,
//! copied into a real PostgreSQL and served from there, with every ticket, file, key, signed
//! URL and AK/SK pair made before the move still working; and the refusals. Skipped without
//! PostgreSQL's server binaries, unless `ATTACHE_REQUIRE_POSTGRES=1` (CI).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::aksk::signed_headers;
use common::binary::{attache, serve, Running};
use common::postgres::{self, Cluster};
use reqwest::multipart::{Form, Part};
use reqwest::Client;
use serde_json::{json, Value};

/// The tables migrate-db copies; `migrate_db_copies_every_table` checks they are all there are.
const TABLES: [&str; 13] = attache::store::sql::copy::TABLES;

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// Rows per table of the PostgreSQL database at `url` (tables it lacks are left out).
fn pg_counts(cluster: &Cluster, url: &str) -> BTreeMap<String, i64> {
    let name = database_name(url);
    let present = cluster.psql(
        name,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    TABLES
        .iter()
        .filter(|t| present.lines().any(|l| l == **t))
        .map(|t| {
            let n = cluster.psql(name, &format!("SELECT count(*) FROM {t}"));
            (t.to_string(), n.trim().parse().unwrap())
        })
        .collect()
}

/// Every table's rows as text, to tell that a database was left as it was.
fn pg_contents(cluster: &Cluster, url: &str) -> String {
    let name = database_name(url);
    TABLES
        .iter()
        .map(|t| cluster.psql(name, &format!("SELECT * FROM {t} ORDER BY 1")))
        .collect::<Vec<_>>()
        .join("\n--\n")
}

fn sqlite_counts(data: &Path) -> BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(data.join("attache.db")).unwrap();
    TABLES
        .iter()
        .map(|t| {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

/// Columns of every kind (ids, hashes, numbers, times, NULLs) as text, in a fixed order: the
/// same queries for both databases, with `hex` as each spells it.
fn samples(hex: impl Fn(&str) -> String) -> [String; 3] {
    [
        format!(
            "SELECT id, {}, kind, detail, created_at FROM ticket_events ORDER BY id",
            hex("ticket_id")
        ),
        format!(
            "SELECT {}, {}, prefix, scopes, coalesce(sk_scheme, -1), coalesce(revoked_at, '') \
             FROM api_keys ORDER BY 1",
            hex("id"),
            hex("key_hash")
        ),
        format!(
            "SELECT {}, coalesce({}, ''), sha256, filename, size_bytes, \
             coalesce(pending_until, '') FROM attachments ORDER BY 1",
            hex("id"),
            hex("message_id")
        ),
    ]
}

fn sqlite_sample(data: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(data.join("attache.db")).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let columns = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            let cells: Vec<String> = (0..columns)
                .map(|at| match r.get_ref(at).unwrap() {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                    other => panic!("{other:?}"),
                })
                .collect();
            Ok(cells.join("|"))
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

/// `attache <args> --data-dir <data> --database sqlite`: the single node, whatever database
/// the other tests run on.
fn on_sqlite(data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = args.to_vec();
    all.extend(["--data-dir", data.to_str().unwrap(), "--database", "sqlite"]);
    attache(&all)
}

fn migrate_db(data: &Path, url: &str) -> (bool, String, String) {
    on_sqlite(data, &["migrate-db", "--to", url])
}

async fn get(url: &str, key: &str) -> reqwest::Response {
    Client::new()
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

async fn json_of(res: reqwest::Response) -> Value {
    let (status, url) = (res.status(), res.url().clone());
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status} from {url}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn post_json(url: &str, key: &str, body: Value) -> Value {
    json_of(
        Client::new()
            .post(url)
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn upload(url: &str, key: &str, name: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Value {
    let mut form = Form::new().part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    for (field, value) in extra {
        form = form.text(field.to_string(), value.to_string());
    }
    let res = Client::new()
        .post(url)
        .bearer_auth(key)
        .header("Accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_of(res).await
}

async fn download(url: &str) -> Vec<u8> {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.unwrap().to_vec()
}

/// A JSON answer without its URLs (signed URLs carry their own expiry and signature).
fn without_urls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.to_ascii_lowercase().contains("url"))
                .map(|(k, v)| (k.clone(), without_urls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_urls).collect()),
        other => other.clone(),
    }
}

/// A status of a request signed with an AK/SK pair.
async fn aksk_status(base: &str, ak: &str, sk: &str) -> u16 {
    let url = format!("{base}/v2/servicerequest/accessorys/limits");
    let mut req = Client::new().get(&url);
    for (name, value) in signed_headers("GET", &url, None, ak, sk) {
        req = req.header(name, value);
    }
    req.send().await.unwrap().status().as_u16()
}

/// What the single node held, as its users see it.
struct Before {
    admin: String,
    dana: String,
    aksk: (String, String),
    tickets: Value,
    /// Per native ticket: its attachments as listed.
    attachments: Vec<(String, Value)>,
    /// Each file: its ticket, its id and its bytes.
    files: Vec<(String, String, Vec<u8>)>,
    /// Signed URLs made on the single node: one by the first key, one by the rotated one.
    signed: Vec<(String, Vec<u8>)>,
    rotated_kid: String,
    /// The HostUp ticket and its pending upload's id.
    hostup_ticket: String,
    pending: String,
}

async fn signed_url(base: &str, key: &str, ticket: &str, id: &str) -> String {
    let path = format!("{base}/v1/tickets/{ticket}/attachments/{id}/download");
    json_of(get(&path, key).await).await["signed_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Three native tickets, each with two messages and two files: (ticket, file id, bytes).
async fn tickets_with_files(base: &str, admin: &str, dana: &str) -> Vec<(String, String, Vec<u8>)> {
    let mut files = Vec::new();
    for n in 0..3 {
        let subject = format!("ticket {n}");
        let ticket = post_json(
            &format!("{base}/v1/tickets"),
            dana,
            json!({ "subject": subject }),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for m in 0..2 {
            let body = json!({ "body": format!("message {m} on {subject}") });
            post_json(&format!("{base}/v1/tickets/{ticket}/messages"), admin, body).await;
        }
        for f in 0..2 {
            let bytes = format!("file {f} of {subject}\n").repeat(100 * (f + 1));
            let url = format!("{base}/v1/tickets/{ticket}/attachments");
            let made = upload(&url, dana, &format!("f{f}.txt"), bytes.as_bytes(), &[]).await;
            let id = made["id"].as_str().unwrap().to_owned();
            files.push((ticket.clone(), id, bytes.into_bytes()));
        }
    }
    files
}

/// A HostUp ticket and an upload left pending on it until a reply carries it: their ids.
async fn hostup_pending_upload(base: &str, dana: &str) -> (String, String) {
    let hostup = format!("{base}/api/v2/support");
    let body = json!({"subject": "hostup", "message": "hi", "priority": "low",
                      "departmentSlug": "support"});
    let hostup_ticket = post_json(&format!("{hostup}/tickets"), dana, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = upload(
        &format!("{hostup}/attachments"),
        dana,
        "pending.txt",
        b"carried after the move\n",
        &[("ticketId", hostup_ticket.as_str())],
    )
    .await["attachmentId"]
        .as_str()
        .unwrap()
        .to_owned();
    (hostup_ticket, pending)
}

/// A single node with tickets, messages, files, a pending upload, keys of both kinds, a
/// session and a rotated signing key, all made through the API and the command line.
async fn make_install(data: &Path) -> Before {
    let server = serve(data, &["--database", "sqlite"]);
    let admin = server.stdout[0].split('\t').nth(2).unwrap().to_owned();
    let base = server.base.clone();
    let (ok, out, err) = on_sqlite(
        data,
        &["key", "create", "--user", "dana", "--role", "customer"],
    );
    assert!(ok, "{err}");
    let dana = out.trim().to_owned();
    let (ok, out, err) = on_sqlite(data, &["key", "create", "--aksk", "--user", "hw"]);
    assert!(ok, "{err}");
    let (ak, sk) = out.trim().split_once(' ').unwrap();
    let aksk = (ak.to_owned(), sk.to_owned());
    assert_eq!(aksk_status(&base, &aksk.0, &aksk.1).await, 200);

    let files = tickets_with_files(&base, &admin, &dana).await;
    let (ticket, file, bytes) = &files[0];
    let mut signed = vec![(signed_url(&base, &admin, ticket, file).await, bytes.clone())];

    let (hostup_ticket, pending) = hostup_pending_upload(&base, &dana).await;

    let res = Client::new()
        .post(format!("{base}/ui/session"))
        .json(&json!({ "key": dana }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    let (ok, out, err) = on_sqlite(data, &["secret", "rotate"]);
    assert!(ok, "{err}");
    let rotated_kid = out.trim().to_owned();
    // The server re-reads the keys file within a second.
    let (ticket, file, bytes) = &files[1];
    let newer = loop {
        let url = signed_url(&base, &admin, ticket, file).await;
        if url.contains(&format!("kid={rotated_kid}")) {
            break url;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    signed.push((newer, bytes.clone()));

    let tickets = json_of(get(&format!("{base}/v1/tickets"), &admin).await).await;
    let mut attachments = Vec::new();
    let tickets_with_files: std::collections::BTreeSet<_> = files.iter().map(|f| &f.0).collect();
    for ticket in tickets_with_files {
        let url = format!("{base}/v1/tickets/{ticket}/attachments");
        attachments.push((ticket.clone(), json_of(get(&url, &admin).await).await));
    }
    drop(server);
    Before {
        admin,
        dana,
        aksk,
        tickets,
        attachments,
        files,
        signed,
        rotated_kid,
        hostup_ticket,
        pending,
    }
}

/// The same install served from PostgreSQL: everything users had still works.
async fn check_served(server: &Running, before: &Before) {
    let base = &server.base;
    let admin = &before.admin;
    for key in [&before.admin, &before.dana] {
        assert_eq!(get(&format!("{base}/v1/me"), key).await.status(), 200);
    }
    let (ak, sk) = &before.aksk;
    assert_eq!(aksk_status(base, ak, sk).await, 200, "the AK/SK pair");
    assert_eq!(aksk_status(base, ak, "WRONG").await, 401);

    let tickets = json_of(get(&format!("{base}/v1/tickets"), admin).await).await;
    assert_eq!(without_urls(&tickets), without_urls(&before.tickets));
    for (ticket, listed) in &before.attachments {
        let url = format!("{base}/v1/tickets/{ticket}/attachments");
        let now = json_of(get(&url, admin).await).await;
        assert_eq!(without_urls(&now), without_urls(listed), "{ticket}");
    }
    for (ticket, id, bytes) in &before.files {
        let fresh = signed_url(base, admin, ticket, id).await;
        assert!(
            fresh.contains(&format!("kid={}", before.rotated_kid)),
            "the newest key signs on the new node: {fresh}"
        );
        assert_eq!(&download(&fresh).await, bytes, "{id}");
    }
    for (url, bytes) in &before.signed {
        // The URL names the old node's address: the same path and query on the new one.
        let url = reqwest::Url::parse(url).unwrap();
        let moved = format!("{base}{}?{}", url.path(), url.query().unwrap());
        assert_eq!(
            &download(&moved).await,
            bytes,
            "a URL signed before the move: {url}"
        );
    }

    // A reply carries the upload left pending before the move (and adds events, whose ids
    // the copied sequence gives out past the copied ones).
    let detail = format!("{base}/api/v2/support/tickets/{}", before.hostup_ticket);
    let body = json!({ "message": "carrying it" });
    post_json(&format!("{detail}/messages"), &before.dana, body).await;
    let after = json_of(get(&detail, &before.dana).await).await;
    let carried = after["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["attachments"].as_array().unwrap())
        .any(|a| a["id"].as_str().unwrap()[5..] == before.pending[5..]);
    assert!(carried, "the pending upload is carried: {after}");
}

#[actix_web::test]
async fn a_sqlite_install_moves_to_postgres_and_serves_everything_it_held() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let before = make_install(&data).await;
    let source_counts = sqlite_counts(&data);
    for table in ["users", "api_keys", "tickets", "messages", "ticket_events"] {
        assert!(source_counts[table] > 0, "{table}: {source_counts:?}");
    }
    for table in ["blobs", "attachments", "sessions"] {
        assert!(source_counts[table] > 0, "{table}: {source_counts:?}");
    }
    let signing_lines = std::fs::read_to_string(data.join("signing-keys"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(signing_lines, 2);
    let database = std::fs::read(data.join("attache.db")).unwrap();

    let url = cluster.create_database();
    let (ok, out, err) = migrate_db(&data, &url);
    assert!(ok, "migrate-db failed: {out}{err}");
    assert!(out.contains("every table's row count matches"), "{out}");
    assert!(out.contains("2 signing keys"), "{out}");
    assert!(out.contains("--database"), "says what to do next: {out}");
    let next = match std::fs::exists(data.join("blobs/sha256")).unwrap() {
        true => "migrate-blobs",
        false => "the same --blob-store",
    };
    assert!(out.contains(next), "says what to do with the files: {out}");

    let mut expected = source_counts.clone();
    *expected.get_mut("signing_keys").unwrap() += 2;
    *expected.get_mut("server_secrets").unwrap() += 1;
    assert_eq!(pg_counts(&cluster, &url), expected, "rows per table");
    assert_eq!(
        std::fs::read(data.join("attache.db")).unwrap(),
        database,
        "the source is left as it was"
    );
    for side in ["attache.db-wal", "attache.db-shm"] {
        assert!(!data.join(side).exists(), "{side} left beside the source");
    }
    let sqlite_queries = samples(|c| format!("coalesce(lower(hex({c})), '')"));
    let pg_queries = samples(|c| format!("coalesce(encode({c}, 'hex'), '')"));
    for (ours, theirs) in sqlite_queries.iter().zip(&pg_queries) {
        let original = sqlite_sample(&data, ours);
        assert!(!original.is_empty(), "{ours}");
        let copied = cluster.psql(database_name(&url), theirs);
        assert_eq!(
            copied.trim_end(),
            original,
            "values copied unchanged: {theirs}"
        );
    }
    let history = cluster.psql(
        database_name(&url),
        "SELECT max(version) FROM refinery_schema_history",
    );
    assert_eq!(
        history.trim(),
        attache::store::migrate::latest().to_string()
    );

    let server = serve(&data, &["--database", &url]);
    assert!(
        server.stdout.is_empty(),
        "no new admin key: {:?}",
        server.stdout
    );
    check_served(&server, &before).await;
    drop(server);

    let (ok, _, err) = migrate_db(&data, &url);
    assert!(!ok, "a second copy into the same database is refused");
    assert!(err.contains("already holds attache data"), "{err}");
}

#[actix_web::test]
async fn a_database_that_holds_data_or_a_directory_without_one_is_refused_unchanged() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    // A PostgreSQL database some node already serves from.
    let busy = cluster.create_database();
    let node = serve(&dir.path().join("node"), &["--database", &busy]);
    drop(node);
    let contents = pg_contents(&cluster, &busy);
    assert!(pg_counts(&cluster, &busy)["users"] > 0);

    let data = dir.path().join("single");
    let server = serve(&data, &["--database", "sqlite"]);
    drop(server);
    let (ok, out, err) = migrate_db(&data, &busy);
    assert!(!ok, "refused: {out}");
    assert!(err.contains("already holds attache data"), "{err}");
    assert!(err.contains("users ("), "names what it found: {err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(pg_contents(&cluster, &busy), contents, "left as it was");

    // No attache.db: nothing to copy, and the empty target is not even migrated.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let target = cluster.create_database();
    let (ok, out, err) = migrate_db(&empty, &target);
    assert!(!ok, "refused: {out}");
    assert!(err.contains("no attache.db"), "{err}");
    let tables = cluster.psql(
        database_name(&target),
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    );
    assert_eq!(tables.trim(), "0", "the target was not touched");
    assert!(
        !empty.join("attache.db").exists(),
        "no database was created"
    );

    // `--to` must name PostgreSQL.
    let (ok, _, err) = migrate_db(&data, "sqlite");
    assert!(!ok);
    assert!(err.contains("postgres://"), "{err}");
}

/// Every table the migrations make (but refinery's history) is in the list migrate-db copies:
/// a table added by a later migration and not copied fails here.
#[test]
fn migrate_db_copies_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) =
        common::binary::attache(&["user", "list", "--data-dir", data, "--database", "sqlite"]);
    assert!(ok, "{err}");
    let conn = rusqlite::Connection::open(dir.path().join("attache.db")).unwrap();
    let mut made: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                  AND name != 'refinery_schema_history'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    made.sort();
    let mut copied: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    copied.sort();
    assert_eq!(made, copied);
}
