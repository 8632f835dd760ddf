//! The real binary under exhaustion (issue 12): descriptors run out, and many large Huawei
//! JSON uploads at once. Limits are lowered only in the server's process, never the runner's.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use common::binary::{serve, Running};
use serde_json::{json, Value};

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap();
    line.trim().trim_end_matches(" kB").trim().parse().unwrap()
}

fn admin_key(server: &Running) -> String {
    server.stdout[0].split('\t').nth(2).unwrap().to_owned()
}

/// The descriptors `pid` has open.
fn open_fds(pid: u32) -> Vec<u64> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Lowers the server's soft RLIMIT_NOFILE (its process only) to `soft`.
fn limit_fds(pid: u32, soft: u64) {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let new = libc::rlimit {
        rlim_cur: soft,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscall on another process of ours; first read the hard limit to keep it.
    unsafe {
        assert_eq!(
            libc::prlimit(pid as i32, libc::RLIMIT_NOFILE, std::ptr::null(), &mut old),
            0
        );
        let new = libc::rlimit {
            rlim_max: old.rlim_max,
            ..new
        };
        assert_eq!(
            libc::prlimit(pid as i32, libc::RLIMIT_NOFILE, &new, std::ptr::null_mut()),
            0
        );
    }
}

/// Issue 12, finding 3: when uploads used up the descriptors, staging failed with 500 "Too
/// many open files"; it is now 503 `busy` with `Retry-After`.
#[actix_web::test]
async fn out_of_descriptors_is_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--max-uploads-in-flight", "100"]);
    let key = admin_key(&server);
    let ticket: Value = reqwest::Client::new()
        .post(format!("{}/v1/tickets", server.base))
        .bearer_auth(&key)
        .json(&json!({"subject": "fds"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = ticket["id"].as_str().unwrap().to_owned();
    let pid = server.child.id();
    std::thread::sleep(Duration::from_millis(500)); // the connection above closes
    let address = server.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /v1/tickets/{ticket}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG\r\n"
    );
    let stall = move |wait: u64| {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(wait)))
            .unwrap();
        let mut answer = vec![0u8; 16 * 1024];
        let n = stream.read(&mut answer).unwrap_or(0);
        (String::from_utf8_lossy(&answer[..n]).into_owned(), stream)
    };
    let (answer, held) = actix_web::rt::task::spawn_blocking(move || {
        // Two uploads stall, each with a socket and a temporary file open.
        let held = [stall(500), stall(500)];
        assert!(held.iter().all(|(answer, _)| answer.is_empty()));
        // Then one descriptor is left: the next upload's socket is accepted, and its
        // temporary file cannot be opened.
        let open = open_fds(pid);
        let free_below = |soft: u64| soft - open.iter().filter(|&&fd| fd < soft).count() as u64;
        let soft = (1..).find(|&soft| free_below(soft) == 1).unwrap();
        limit_fds(pid, soft);
        (stall(5000).0, held)
    })
    .await
    .unwrap();
    drop(held);
    let log = server.stderr.lock().unwrap().clone();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}\n{log}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after:"),
        "{answer}"
    );
    assert!(answer.contains("busy"), "{answer}");
}

/// Issue 12, finding 2: a Huawei JSON upload was held three times over (the body, the JSON
/// string, the decoded file): 8 of 29 MiB took the server to 665 MiB. Decoded as it streams,
/// 8 at once of 8 MiB grow it by a few MiB, not by their size.
#[actix_web::test]
async fn concurrent_huawei_json_uploads_do_not_hold_their_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let key = admin_key(&server);
    let url = format!(
        "{}/v2/servicerequest/accessorys/json-format-content",
        server.base
    );
    let body = |size: usize| {
        let mut file: Vec<u8> = (0..size).map(|i| (i % 251) as u8 + 1).collect();
        file[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
        let data = base64::engine::general_purpose::STANDARD.encode(&file);
        actix_web::web::Bytes::from(
            serde_json::to_vec(&json!({"accessory_name": "big.png", "accessory_data": data}))
                .unwrap(),
        )
    };
    let client = reqwest::Client::new();
    let send = |body: actix_web::web::Bytes| {
        client
            .post(&url)
            .header("X-Auth-Token", &key)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(send(body(1 << 20)).await.unwrap().status(), 200); // warm-up
    let before = peak_rss_kib(server.child.id());
    let big = body(8 << 20);
    let answers = futures::future::join_all((0..8).map(|_| send(big.clone()))).await;
    for res in answers {
        assert_eq!(res.unwrap().status(), 200);
    }
    let after = peak_rss_kib(server.child.id());
    let grown_mib = after.saturating_sub(before) as f64 / 1024.0;
    eprintln!("peak RSS: {before} KiB before, {after} KiB after 8 × 8 MiB JSON uploads");
    assert!(grown_mib < 40.0, "grew by {grown_mib:.1} MiB");
}
