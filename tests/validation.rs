//! What attache accepts (SPEC §4): size, type from the bytes, empty and missing files, the
//! per-ticket cap, and file names. Refusals leave nothing on disk.

mod common;

use common::{png, spawn_app, spawn_with};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

async fn refused(res: reqwest::Response, code: &str) -> Value {
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    body
}

#[actix_web::test]
async fn a_file_over_the_limit_is_refused_while_streaming_and_leaves_nothing() {
    let app = spawn_with(|c| c.max_upload_bytes = 100_000).await;
    let ticket = app.ticket(&app.agent, "Big").await;
    let mut bytes = png("big");
    bytes.resize(100_001, b'x');
    let body = refused(
        app.upload(&app.agent, &ticket, "big.png", bytes).await,
        "file_too_large",
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/file");
    assert_eq!(body["errors"][0]["code"], "file_too_large");

    let mut exact = png("exact");
    exact.resize(100_000, b'x');
    app.upload_ok(&app.agent, &ticket, "exact.png", exact).await;
    assert_eq!(app.tmp_files(), 0);
    assert_eq!(app.blob_files().len(), 1, "only the file that fits");
}

#[actix_web::test]
async fn a_chunked_body_that_grows_past_the_limit_is_cut_off() {
    let app = spawn_with(|c| c.max_upload_bytes = 1024 * 1024).await;
    let ticket = app.ticket(&app.agent, "Endless").await;
    let head = format!(
        "POST /v1/tickets/{ticket}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.agent
    );
    let mut chunks = Vec::new();
    let preamble = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n\x1a\n";
    chunks.push(
        format!("{:x}\r\n", preamble.len())
            .into_bytes()
            .into_iter()
            .chain(preamble.iter().copied())
            .chain(*b"\r\n")
            .collect(),
    );
    for _ in 0..64 {
        let data = vec![b'z'; 64 * 1024]; // 4 MiB in all, never ending the part
        chunks.push(
            format!("{:x}\r\n", data.len())
                .into_bytes()
                .into_iter()
                .chain(data)
                .chain(*b"\r\n")
                .collect(),
        );
    }
    let answer = app.raw(head, chunks).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"code\":\"file_too_large\""), "{answer}");
    assert_eq!(app.tmp_files(), 0);
    assert!(app.blob_files().is_empty());
}

#[actix_web::test]
async fn an_honest_content_length_over_the_limit_is_refused_before_the_body() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Huge").await;
    // 40 MB announced, not one body byte sent: the answer must come anyway.
    let head = format!(
        "POST /v1/tickets/{ticket}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 40000000\r\n\r\n",
        app.agent
    );
    let answer = app.raw(head, Vec::new()).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"code\":\"file_too_large\""), "{answer}");
    assert_eq!(app.tmp_files(), 0);
}

#[actix_web::test]
async fn the_type_comes_from_the_bytes_not_the_name_or_header() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Types").await;

    // An executable dressed as a PNG.
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0".to_vec();
    let form = Form::new().part(
        "file",
        Part::bytes(exe)
            .file_name("cat.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = app
        .client
        .post(app.url(&format!("/v1/tickets/{ticket}/attachments")))
        .bearer_auth(&app.agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = refused(res, "unsupported_file_type").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("portable-executable") && detail.contains("image/png"),
        "{detail}"
    );

    // A PNG named .txt is stored as what it is.
    let stored = app
        .upload_ok(&app.agent, &ticket, "notes.txt", png("really"))
        .await;
    assert_eq!(stored["content_type"], "image/png");

    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    refused(
        app.upload(&app.agent, &ticket, "logo.svg", svg).await,
        "unsupported_file_type",
    )
    .await;

    let html = app
        .upload_ok(
            &app.agent,
            &ticket,
            "page.txt",
            b"<!DOCTYPE html><p>hi</p>".to_vec(),
        )
        .await;
    assert_eq!(html["content_type"], "text/html");
    let text = app
        .upload_ok(
            &app.agent,
            &ticket,
            "log",
            "plain ✓ text\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(text["content_type"], "text/plain");
    let pdf = app
        .upload_ok(
            &app.agent,
            &ticket,
            "x.bin",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
        )
        .await;
    assert_eq!(pdf["content_type"], "application/pdf");
    refused(
        app.upload(
            &app.agent,
            &ticket,
            "blob.txt",
            vec![0xff, 0xfe, 0x00, 0x01, 0x02],
        )
        .await,
        "unsupported_file_type",
    )
    .await;
    assert_eq!(app.tmp_files(), 0);
}

#[actix_web::test]
async fn empty_missing_and_doubled_files_are_named_as_such() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Odd requests").await;
    let path = app.url(&format!("/v1/tickets/{ticket}/attachments"));

    refused(
        app.upload(&app.agent, &ticket, "empty.txt", Vec::new())
            .await,
        "empty_file",
    )
    .await;

    let form = Form::new().text("note", "no file here");
    let res = app
        .client
        .post(&path)
        .bearer_auth(&app.agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = refused(res, "missing_file").await;
    assert_eq!(body["errors"][0]["pointer"], "/file");

    let form = Form::new()
        .part("file", Part::bytes(png("1")).file_name("1.png"))
        .part("file", Part::bytes(png("2")).file_name("2.png"));
    let res = app
        .client
        .post(&path)
        .bearer_auth(&app.agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    refused(res, "invalid_request").await;

    let res = app
        .client
        .post(&path)
        .bearer_auth(&app.agent)
        .body("just text")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    refused(res, "invalid_request").await;

    let res = app
        .client
        .post(&path)
        .bearer_auth(&app.agent)
        .body("--x\r\nbroken")
        .header("content-type", "multipart/form-data; boundary=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.tmp_files(), 0);
    assert!(app.blob_files().is_empty());
}

#[actix_web::test]
async fn a_full_ticket_refuses_one_more() {
    let app = spawn_with(|c| c.max_attachments_per_ticket = 2).await;
    let ticket = app.ticket(&app.agent, "Full").await;
    app.upload_ok(&app.agent, &ticket, "1.png", png("1")).await;
    app.upload_ok(&app.agent, &ticket, "2.png", png("2")).await;
    refused(
        app.upload(&app.agent, &ticket, "3.png", png("3")).await,
        "too_many_attachments",
    )
    .await;
    assert_eq!(app.blob_files().len(), 2);
}

#[actix_web::test]
async fn uploads_racing_for_the_last_place_leave_only_the_winners_file() {
    // Each upload passes the first check (one place left); the commit checks again, and the
    // file a refused upload placed before its transaction must go again.
    let app = spawn_with(|c| c.max_attachments_per_ticket = 1).await;
    let ticket = app.ticket(&app.agent, "Last place").await;
    let uploads =
        (0..8).map(|i| app.upload(&app.agent, &ticket, "race.png", png(&format!("race {i}"))));
    let mut answers = Vec::new();
    for res in futures::future::join_all(uploads).await {
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or_default();
        answers.push((status, body["code"].as_str().unwrap_or_default().to_owned()));
    }
    let won = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(won, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, code)| *s == 201 || code == "too_many_attachments"),
        "{answers:?}"
    );
    assert_eq!(app.blob_files().len(), 1);
}

#[actix_web::test]
async fn file_names_are_sanitized_before_they_are_stored() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Names").await;
    for (given, stored) in [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\temp\\shot.png", "shot.png"),
        (".hidden.png", "hidden.png"),
        ("Cafe\u{301}.png", "Caf\u{e9}.png"),
        ("a\u{202e}gnp.exe", "agnp.exe"),
        ("what?.png", "what_.png"),
    ] {
        let res = app.upload_ok(&app.agent, &ticket, given, png(given)).await;
        assert_eq!(res["filename"], stored, "from {given:?}");
    }
    // No name at all.
    let form = Form::new().part("file", Part::bytes(png("anon")));
    let res = app
        .client
        .post(app.url(&format!("/v1/tickets/{ticket}/attachments")))
        .bearer_auth(&app.agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["filename"], "file");
}
