//! The real binary: what `serve` prints, the scripting contract of `key create`, the log line
//! of a request, and memory during a large upload.

mod common;

use std::time::Duration;

use common::binary::{attache, serve, Running};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

async fn me(base: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/v1/me"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_first_start_prints_one_admin_key_and_later_starts_print_none() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &[]);
    assert_eq!(server.stdout.len(), 1, "{:?}", server.stdout);
    let key = server.stdout[0].split('\t').nth(2).unwrap().to_owned();
    assert!(
        server.stdout[0].starts_with("admin\tadmin\tatk_"),
        "{}",
        server.stdout[0]
    );
    let body: Value = me(&server.base, &key).await.json().await.unwrap();
    assert_eq!(body["user"]["role"], "admin");
    for made in ["attache.db", "signing-keys", "blobs/sha256", "tmp"] {
        assert!(data.join(made).exists(), "{made}");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(data.join("signing-keys"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    drop(server);

    let again = serve(&data, &[]);
    assert!(again.stdout.is_empty(), "{:?}", again.stdout);
    assert_eq!(
        me(&again.base, &key).await.status(),
        200,
        "the key survives a restart"
    );
}

#[actix_web::test]
async fn key_create_prints_the_key_alone_and_creates_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, _) = attache(&["key", "create", "--data-dir", data, "--user", "dana"]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("atk_") && lines[0].len() == 36,
        "{out}"
    );
    let customer_key = lines[0].to_owned();

    let (ok, out, _) = attache(&[
        "key",
        "create",
        "--data-dir",
        data,
        "--user",
        "rita",
        "--role",
        "agent",
        "--scopes",
        "tickets:read,read:support",
    ]);
    assert!(ok);
    let reader_key = out.trim().to_owned();
    let (ok, _, err) = attache(&[
        "key",
        "create",
        "--data-dir",
        data,
        "--user",
        "bob",
        "--scopes",
        "admin",
    ]);
    assert!(!ok, "a customer may not hold admin");
    assert!(err.contains("admin"), "{err}");
    let (ok, _, err) = attache(&[
        "key",
        "create",
        "--data-dir",
        data,
        "--user",
        "bob",
        "--role",
        "boss",
    ]);
    assert!(!ok && err.contains("role"), "{err}");

    let (ok, out, _) = attache(&["user", "list", "--data-dir", data]);
    assert!(ok);
    assert!(
        out.contains("dana\tcustomer") && out.contains("rita\tagent"),
        "{out}"
    );
    let (ok, out, _) = attache(&["user", "add", "--data-dir", data, "zoe", "--role", "agent"]);
    assert!(ok && out.contains("zoe\tagent"), "{out}");

    let server = serve(dir.path(), &[]);
    let body: Value = me(&server.base, &customer_key).await.json().await.unwrap();
    assert_eq!(body["user"]["name"], "dana");
    assert_eq!(body["user"]["role"], "customer");
    let body: Value = me(&server.base, &reader_key).await.json().await.unwrap();
    assert_eq!(body["scopes"], json!(["tickets:read", "attachments:read"]));

    let (ok, out, _) = attache(&["key", "list", "--data-dir", data, "--user", "dana"]);
    assert!(
        ok && out.lines().count() == 1 && !out.contains(&customer_key),
        "secrets never listed: {out}"
    );
    let (ok, _, _) = attache(&["key", "revoke", "--data-dir", data, &customer_key[..12]]);
    assert!(ok, "revoking while the server runs");
    assert_eq!(me(&server.base, &customer_key).await.status(), 401);
    let (ok, _, _) = attache(&["key", "revoke", "--data-dir", data, "atk_nothing"]);
    assert!(!ok);

    // An AK/SK pair: printed once as `<AK> <SK>`, the SK stored nowhere in the data directory.
    let (ok, out, _) = attache(&[
        "key",
        "create",
        "--data-dir",
        data,
        "--user",
        "osm",
        "--aksk",
    ]);
    assert!(ok);
    let (ak, sk) = out.trim().split_once(' ').unwrap();
    assert_eq!((ak.len(), sk.len()), (20, 40), "{out}");
    drop(server); // so the WAL is folded into the database file
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            stored.extend(std::fs::read(path).unwrap());
        }
    }
    assert!(
        !stored.windows(sk.len()).any(|w| w == sk.as_bytes()),
        "the SK is stored in the clear"
    );
    assert!(
        stored.windows(ak.len()).any(|w| w == ak.as_bytes()),
        "the AK is kept, as the key's listed prefix"
    );
}

#[actix_web::test]
async fn demo_mode_seeds_tickets_with_image_pdf_and_log_and_prints_three_keys() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--demo"]);
    let roles: Vec<&str> = server
        .stdout
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(roles, ["admin", "agent", "customer"], "{:?}", server.stdout);
    let key = |role: &str| {
        server
            .stdout
            .iter()
            .find(|l| l.starts_with(role))
            .unwrap()
            .split('\t')
            .nth(2)
            .unwrap()
            .to_owned()
    };
    let client = reqwest::Client::new();
    let tickets: Vec<Value> = client
        .get(format!("{}/v1/tickets", server.base))
        .bearer_auth(key("agent"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tickets.len() >= 3);
    let mut types = Vec::new();
    for t in &tickets {
        let list: Vec<Value> = client
            .get(format!(
                "{}/v1/tickets/{}/attachments",
                server.base,
                t["id"].as_str().unwrap()
            ))
            .bearer_auth(key("agent"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        types.extend(
            list.iter()
                .map(|a| a["content_type"].as_str().unwrap().to_owned()),
        );
    }
    for wanted in ["image/png", "application/pdf", "text/plain"] {
        assert!(types.iter().any(|t| t == wanted), "{wanted} in {types:?}");
    }
    let mine: Vec<Value> = client
        .get(format!("{}/v1/tickets", server.base))
        .bearer_auth(key("customer"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !mine.is_empty() && mine.len() < tickets.len(),
        "the customer sees only their own"
    );
    drop(server);

    let again = serve(dir.path(), &["--demo"]);
    assert_eq!(again.stdout.len(), 3, "fresh demo keys on every start");
    let tickets_again: Vec<Value> = client
        .get(format!("{}/v1/tickets", again.base))
        .bearer_auth(again.stdout[1].split('\t').nth(2).unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tickets_again.len(), tickets.len(), "seeded once");
}

#[actix_web::test]
async fn the_request_id_is_in_the_header_the_body_and_the_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let res = reqwest::Client::new()
        .get(format!("{}/v1/tickets/nope", server.base))
        .bearer_auth(server.stdout[0].split('\t').nth(2).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["requestId"], id.as_str());
    let mut logged = String::new();
    for _ in 0..50 {
        logged = server.stderr.lock().unwrap().clone();
        if logged.contains(&id) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let line = logged
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("{id} not in log:\n{logged}"));
    assert!(
        line.contains("GET") && line.contains("/v1/tickets/nope") && line.contains("404"),
        "{line}"
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

/// A multipart body streamed from a generator: neither side ever holds the file.
fn streamed_png(size: usize) -> Part {
    let chunk = 64 * 1024;
    let chunks = (0..size.div_ceil(chunk)).map(move |i| {
        let len = chunk.min(size - i * chunk);
        let mut data = vec![(i % 250) as u8 + 1; len];
        if i == 0 {
            data[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
        }
        Ok::<_, std::io::Error>(data)
    });
    Part::stream_with_length(
        reqwest::Body::wrap_stream(futures::stream::iter(chunks)),
        size as u64,
    )
    .file_name("big.png")
}

#[actix_web::test]
async fn a_30_mib_upload_streams_without_growing_the_server_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let (key, ticket) = ticket_for(&server).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/tickets/{ticket}/attachments", server.base);

    // Warm up: buffers and pools reach their working size on a 2 MiB file.
    let res = client
        .post(&url)
        .bearer_auth(&key)
        .multipart(Form::new().part("file", streamed_png(2 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let before = peak_rss_kib(server.child.id());

    let size = 30 * 1024 * 1024;
    let res = client
        .post(&url)
        .bearer_auth(&key)
        .multipart(Form::new().part("file", streamed_png(size)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["size_bytes"], size);
    let after = peak_rss_kib(server.child.id());
    let grown_mib = (after.saturating_sub(before)) as f64 / 1024.0;
    eprintln!("peak RSS: {before} KiB before, {after} KiB after a 30 MiB upload");
    assert!(
        grown_mib < 12.0,
        "peak RSS grew by {grown_mib:.1} MiB for a 30 MiB upload ({before} → {after} KiB)"
    );

    // And one byte over the limit is refused.
    let res = client
        .post(&url)
        .bearer_auth(&key)
        .multipart(Form::new().part("file", streamed_png(size + 1)))
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status(), 400);
    }
}

/// Starts an upload by hand and sends only the first half of its body; returns the socket and
/// the rest of the body.
fn half_an_upload(base: &str, key: &str, ticket: &str) -> (std::net::TcpStream, Vec<u8>) {
    use std::io::Write;
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.png\"\r\n\r\n\x89PNG\r\n\x1a\n".to_vec();
    body.extend(std::iter::repeat_n(7u8, 200_000));
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /v1/tickets/{ticket}/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let rest = body.split_off(body.len() / 2);
    stream.write_all(&body).unwrap();
    (stream, rest)
}

/// Waits until the server is staging the upload (its temporary file exists), so that a signal
/// finds it in flight rather than still in the listen backlog.
fn wait_until_staging(data_dir: &std::path::Path) {
    for _ in 0..200 {
        if std::fs::read_dir(data_dir.join("tmp")).is_ok_and(|mut d| d.next().is_some()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the upload never reached the server's tmp/");
}

fn signal(server: &Running, signal: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(server.child.id() as i32, signal) }, 0);
}

fn wait_for_log(server: &Running, needle: &str) {
    for _ in 0..100 {
        if server.stderr.lock().unwrap().contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "no {needle:?} in the log:\n{}",
        server.stderr.lock().unwrap()
    );
}

fn wait_for_exit(server: &mut Running, within: Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < within,
            "the server did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The admin key the server printed at its first start, and a new ticket.
async fn ticket_for(server: &Running) -> (String, String) {
    let key = server.stdout[0].split('\t').nth(2).unwrap().to_owned();
    let ticket: Value = reqwest::Client::new()
        .post(format!("{}/v1/tickets", server.base))
        .bearer_auth(&key)
        .json(&json!({"subject": "A ticket"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (key, ticket["id"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn sigterm_lets_an_upload_in_flight_finish_then_exits_0() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &["--shutdown-timeout", "20"]);
    let (key, ticket) = ticket_for(&server).await;
    let (mut stream, rest) = half_an_upload(&server.base, &key, &ticket);
    wait_until_staging(dir.path());

    signal(&server, libc::SIGTERM);
    wait_for_log(&server, "stopping");
    let address = server.base.trim_start_matches("http://").to_owned();
    let refused = std::net::TcpStream::connect(&address).map(|mut s| {
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut buf = [0u8; 64];
        !matches!(s.read(&mut buf), Ok(n) if n > 0)
    });
    assert!(
        refused.unwrap_or(true),
        "a new connection was served after SIGTERM"
    );

    stream.write_all(&rest).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = wait_for_exit(&mut server, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{}", server.stderr.lock().unwrap());
}

#[actix_web::test]
async fn a_second_signal_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &["--shutdown-timeout", "60"]);
    let (key, ticket) = ticket_for(&server).await;
    let (_stream, _rest) = half_an_upload(&server.base, &key, &ticket);
    wait_until_staging(dir.path());
    signal(&server, libc::SIGTERM);
    wait_for_log(&server, "stopping");
    signal(&server, libc::SIGINT);
    let status = wait_for_exit(&mut server, Duration::from_secs(10));
    assert_ne!(
        status.code(),
        Some(0),
        "the forced stop says so in its exit status"
    );
    // Nothing half-written is left behind for the next start to see: tmp/ is emptied then.
    let again = serve(dir.path(), &[]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    drop(again);
}

/// `serve --ephemeral` on port 0: a fresh temporary data directory, the URL in the ready file
/// once it serves, a first admin key on stdout, and nothing left behind after SIGTERM.
#[actix_web::test]
async fn an_ephemeral_server_writes_its_url_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let unused = dir.path().join("not-used");
    let mut server = serve(
        &unused,
        &["--ephemeral", "--ready-file", ready.to_str().unwrap()],
    );
    // The file appears once the server is built, just after the log line `serve` waits for.
    let mut waited = 0;
    while !ready.exists() && waited < 200 {
        std::thread::sleep(Duration::from_millis(50));
        waited += 1;
    }
    let url = std::fs::read_to_string(&ready).unwrap();
    assert_eq!(url.trim_end(), server.base);
    assert!(url.ends_with('\n'));
    let key = server.stdout[0].split('\t').nth(2).unwrap().to_owned();
    assert_eq!(me(&server.base, &key).await.status(), 200);
    assert!(!unused.exists(), "--data-dir is not used");
    let log = server.stderr.lock().unwrap().clone();
    let data = log
        .split("(data in ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap()
        .to_owned();
    assert!(std::path::Path::new(&data).join("attache.db").is_file());

    signal(&server, libc::SIGTERM);
    assert!(wait_for_exit(&mut server, Duration::from_secs(30)).success());
    assert!(!std::path::Path::new(&data).exists(), "{data} was removed");
}

/// `--help` shows which variables the flags read, but never the database URL's password.
#[test]
fn help_never_shows_the_database_password() {
    let out = std::process::Command::new(common::binary::BIN)
        .arg("--help")
        .env(
            "ATTACHE_DATABASE",
            "postgres://attache:hunter2-secret@db.internal/attache",
        )
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("ATTACHE_DATABASE"), "{help}");
    assert!(!help.contains("hunter2-secret"), "{help}");
}
