//! Signed download URLs (SPEC §5): what they grant, for how long, and how the file is served.

mod common;

use attache::ids::Id;
use attache::signing::{Disposition, Grant};
use common::{metric, png, spawn_app, TestApp};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A ticket with one attachment; returns (ticket, attachment, bytes).
async fn stored(app: &TestApp, name: &str, bytes: Vec<u8>) -> (String, Value) {
    let ticket = app.ticket(&app.agent, "Downloads").await;
    let attachment = app.upload_ok(&app.agent, &ticket, name, bytes).await;
    (ticket, attachment)
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn a_signed_url_downloads_without_credentials_for_an_hour() {
    let app = spawn_app().await;
    let bytes = png("download me");
    let (ticket, a) = stored(&app, "shot.png", bytes.clone()).await;
    let res = app
        .get(
            &app.agent,
            &format!("/v1/tickets/{ticket}/attachments/{}/download", id(&a)),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let expires = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl.whole_seconds() > 3590 && ttl.whole_seconds() <= 3600,
        "{ttl}"
    );
    let url = body["signed_url"].as_str().unwrap();
    assert!(url.starts_with(&app.base), "{url}");

    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["content-length"], bytes.len().to_string().as_str());
    assert_eq!(
        h["etag"],
        format!("\"{}\"", a["sha256"].as_str().unwrap()).as_str()
    );
    assert!(h.contains_key("last-modified"));
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let cache = h["cache-control"].to_str().unwrap();
    let max_age: u64 = cache
        .strip_prefix("private, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age <= 3600 && max_age > 3500, "{cache}");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"shot.png\""
    );
    assert_eq!(res.bytes().await.unwrap(), bytes);
}

#[actix_web::test]
async fn any_altered_part_is_signature_invalid() {
    let app = spawn_app().await;
    let (ticket, a) = stored(&app, "shot.png", png("tamper")).await;
    let (_, b) = stored(&app, "other.png", png("other")).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);

    let (path, query) = url.split_once('?').unwrap();
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    let sig = param("sig");
    let (first, rest) = sig.split_at(1);
    let flipped = format!("{}{rest}", if first == "A" { "B" } else { "A" });
    let exp: i64 = param("exp").parse().unwrap();
    let altered = [
        url.replace(&format!("sig={sig}"), &format!("sig={flipped}")),
        url.replace(&format!("exp={exp}"), &format!("exp={}", exp + 3600)),
        url.replace("disp=attachment", "disp=inline"),
        url.replace("/shot.png?", "/shot.html?"),
        url.replace(id(&a), id(&b)),
        url.replace(&format!("kid={}", param("kid")), "kid=00000000"),
        path.to_owned(),
        format!("{path}?exp={exp}&disp=attachment"),
    ];
    for bad in altered {
        assert_eq!(
            code(app.client.get(&bad).send().await.unwrap()).await,
            (403, "signature_invalid".into()),
            "{bad}"
        );
    }
}

#[actix_web::test]
async fn an_expired_url_is_url_expired_past_the_skew() {
    let app = spawn_app().await;
    let (_, a) = stored(&app, "shot.png", png("expired")).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let url_for = |expires: i64| {
        let grant = Grant {
            attachment_id: Id::parse_uuid(id(&a)).unwrap(),
            filename: "shot.png".into(),
            expires,
            disposition: Disposition::Attachment,
        };
        let (kid, sig) = app.core.keyring.current().sign(&grant);
        app.url(&format!(
            "/files/{}/shot.png?exp={expires}&disp=attachment&kid={kid}&sig={sig}",
            id(&a)
        ))
    };
    assert_eq!(
        code(app.client.get(url_for(now - 3600)).send().await.unwrap()).await,
        (403, "url_expired".into())
    );
    assert_eq!(
        code(app.client.get(url_for(now - 120)).send().await.unwrap()).await,
        (403, "url_expired".into())
    );
    // Within the 60 s of tolerated clock skew it still works.
    assert_eq!(
        app.client
            .get(url_for(now - 10))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn a_deleted_attachment_is_404_whatever_the_signature() {
    let app = spawn_app().await;
    let (ticket, a) = stored(&app, "shot.png", png("deleted")).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    // Downloaded once, so the server holds it in its cache of open blobs: the delete must
    // reach that cache too.
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(
        app.delete(
            &app.agent,
            &format!("/v1/tickets/{ticket}/attachments/{}", id(&a))
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        code(app.client.get(&url).send().await.unwrap()).await,
        (404, "not_found".into())
    );
    let (path, _) = url.split_once('?').unwrap();
    assert_eq!(app.client.get(path).send().await.unwrap().status(), 404);
}

#[actix_web::test]
async fn ranges_conditionals_and_head_work_against_the_sha256_etag() {
    let app = spawn_app().await;
    let mut bytes = png("ranges");
    bytes.extend((0..1000u32).map(|i| (i % 251) as u8 | 1));
    let (ticket, a) = stored(&app, "data.png", bytes.clone()).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    let etag = format!("\"{}\"", a["sha256"].as_str().unwrap());
    let get = |headers: &[(&str, &str)]| {
        let mut req = app.client.get(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };

    let res = get(&[("Range", "bytes=10-19")]).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 10-19/{}", bytes.len()).as_str()
    );
    assert_eq!(res.bytes().await.unwrap(), bytes[10..20]);

    let res = get(&[("Range", "bytes=-5")]).await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), bytes[bytes.len() - 5..]);

    let res = get(&[("Range", "bytes=99999-")]).await.unwrap();
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );

    let res = get(&[("If-None-Match", &etag)]).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(res.bytes().await.unwrap().len(), 0);
    assert_eq!(
        get(&[("If-None-Match", "\"other\"")])
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&[("If-None-Match", "*")]).await.unwrap().status(), 304);

    // If-Range: the range only while the ETag still matches.
    let res = get(&[("Range", "bytes=0-3"), ("If-Range", &etag)])
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    let res = get(&[("Range", "bytes=0-3"), ("If-Range", "\"stale\"")])
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), bytes);

    assert_eq!(
        get(&[("If-Match", "\"stale\"")]).await.unwrap().status(),
        412
    );
    assert_eq!(get(&[("If-Match", &etag)]).await.unwrap().status(), 200);

    let res = app.client.head(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(res.bytes().await.unwrap().len(), 0);
}

fn disposition(h: &HeaderMap) -> String {
    h["content-disposition"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn inline_only_for_safe_types_and_only_when_asked() {
    let app = spawn_app().await;
    let (ticket, image) = stored(&app, "shot.png", png("inline")).await;
    let html = app
        .upload_ok(
            &app.agent,
            &ticket,
            "page.html",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        )
        .await;

    let asked = app.signed_url(&app.agent, &ticket, id(&image), true).await;
    let res = app.client.get(&asked).send().await.unwrap();
    assert!(
        disposition(res.headers()).starts_with("inline"),
        "{}",
        disposition(res.headers())
    );

    let plain = app.signed_url(&app.agent, &ticket, id(&image), false).await;
    assert!(
        disposition(app.client.get(&plain).send().await.unwrap().headers())
            .starts_with("attachment")
    );

    let html_url = app.signed_url(&app.agent, &ticket, id(&html), true).await;
    assert!(html_url.contains("disp=attachment"), "{html_url}");
    let res = app.client.get(&html_url).send().await.unwrap();
    assert!(disposition(res.headers()).starts_with("attachment"));
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    // Forcing inline into the URL breaks the signature.
    let forced = html_url.replace("disp=attachment", "disp=inline");
    assert_eq!(app.client.get(&forced).send().await.unwrap().status(), 403);
}

#[actix_web::test]
async fn unicode_names_get_an_ascii_fallback_and_filename_star() {
    let app = spawn_app().await;
    let (ticket, a) = stored(&app, "отчёт 2024 #1.png", png("unicode")).await;
    assert_eq!(a["filename"], "отчёт 2024 #1.png");
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cd = disposition(res.headers());
    assert!(
        cd.starts_with("attachment; filename=\"_____ 2024 #1.png\""),
        "{cd}"
    );
    assert!(
        cd.contains("filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%202024%20#1.png"),
        "{cd}"
    ); // '#' is an RFC 5987 attr-char
}

#[actix_web::test]
async fn several_ranges_come_back_as_multipart_byteranges() {
    let app = spawn_app().await;
    let mut bytes = png("multi");
    bytes.extend((0..200_000u32).map(|i| (i % 251) as u8 | 1));
    let (ticket, a) = stored(&app, "multi.png", bytes.clone()).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;

    let res = app
        .client
        .get(&url)
        .header("Range", "bytes=0-3,100000-170000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap()
        .to_owned();
    let declared: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = res.bytes().await.unwrap();
    assert_eq!(body.len(), declared);
    let total = bytes.len();
    let mut expected = Vec::new();
    for (start, end) in [(0usize, 3usize), (100_000, 170_000)] {
        expected.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: image/png\r\nContent-Range: bytes {start}-{end}/{total}\r\n\r\n").as_bytes());
        expected.extend_from_slice(&bytes[start..=end]);
    }
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert!(body[..] == expected[..], "multipart body differs");

    let many = (0..17)
        .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
        .collect::<Vec<_>>()
        .join(",");
    let res = app
        .client
        .get(&url)
        .header("Range", format!("bytes={many}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "too many ranges: the whole file");
    assert_eq!(res.bytes().await.unwrap().len(), bytes.len());

    let res = app
        .client
        .get(&url)
        .header("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);

    // Overlapping ranges would send the same bytes again and again (issue 12, finding 8):
    // 16 times `0-` is answered with the file once.
    let overlapping = vec!["0-"; 16].join(",");
    let res = app
        .client
        .get(&url)
        .header("Range", format!("bytes={overlapping}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "overlapping ranges: the whole file, once"
    );
    assert_eq!(res.bytes().await.unwrap().len(), bytes.len());
    let res = app
        .client
        .get(&url)
        .header("Range", "bytes=100-200,150-300")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "two ranges that overlap: the whole file");
}

#[actix_web::test]
async fn after_rotation_new_urls_use_the_new_key_and_old_ones_stay_valid() {
    let app = spawn_app().await;
    let bytes = png("rotated");
    let (ticket, a) = stored(&app, "r.png", bytes.clone()).await;
    let old = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    let kid_of = |url: &str| {
        url.split("kid=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned()
    };

    // The command line rotates while the server runs.
    let dir = app.data_dir().to_str().unwrap();
    let (ok, out, err) = common::binary::attache(&["secret", "rotate", "--data-dir", dir]);
    assert!(ok, "{err}");
    let new_kid = out.trim().to_owned();
    assert_ne!(new_kid, kid_of(&old));

    let started = std::time::Instant::now();
    let new = loop {
        let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
        if kid_of(&url) == new_kid {
            break url;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the server never took the new key"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    for url in [&old, &new] {
        let res = app.client.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(res.bytes().await.unwrap(), bytes);
    }
}

/// Whether `path` is on a tmpfs, whose pages never leave memory (so never wait for a disk).
fn on_tmpfs(path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    unsafe { libc::statfs(c_path.as_ptr(), &mut stat) == 0 && stat.f_type == libc::TMPFS_MAGIC }
}

#[actix_web::test]
async fn large_files_come_back_whole_in_ranges_and_from_a_cold_cache() {
    let app = spawn_app().await;
    let mut bytes = png("large");
    bytes.extend((0..900_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let (ticket, a) = stored(&app, "large.png", bytes.clone()).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    let reads = |text: &str| {
        (
            metric(text, "attache_download_reads_page_cache_total"),
            metric(text, "attache_download_reads_disk_total"),
        )
    };
    let metrics = || async {
        app.client
            .get(app.url("/metrics"))
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };

    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(res.bytes().await.unwrap(), bytes);
    let res = app
        .client
        .get(&url)
        .header("Range", "bytes=200000-700000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), bytes[200_000..=700_000]);
    if !app.core.blobs.is_local() {
        return; // the page cache and the blocking pool are the local store's
    }
    let (cached, _) = reads(&metrics().await);
    assert!(cached >= 4.0, "{cached} chunks read from the page cache");

    // Evict the blob from the page cache: the bytes must come back the same, read from disk
    // on the blocking pool instead of on the worker.
    let blob = app.blob_files().pop().unwrap();
    let file = std::fs::File::open(&blob).unwrap();
    use std::os::fd::AsRawFd;
    assert_eq!(
        unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) },
        0
    );
    let (_, disk_before) = reads(&metrics().await);
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap(), bytes);
    let (_, disk_after) = reads(&metrics().await);
    if !on_tmpfs(app.data_dir()) {
        assert!(
            disk_after > disk_before,
            "a cold read went to the blocking pool"
        );
    }
}

#[actix_web::test]
async fn the_download_route_takes_get_and_head_on_two_segments_only() {
    let app = spawn_app().await;
    let (ticket, a) = stored(&app, "route.png", png("route")).await;
    let url = app.signed_url(&app.agent, &ticket, id(&a), false).await;
    let res = app.client.post(&url).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(code(res).await, (405, "method_not_allowed".into()));
    let (path, query) = url.split_once('?').unwrap();
    for bent in [
        format!("{path}/extra?{query}"),
        format!("{}?{query}", path.rsplit_once('/').unwrap().0),
        format!("{}/?{query}", path.rsplit_once('/').unwrap().0),
        app.url("/files"),
    ] {
        assert_eq!(
            code(app.client.get(&bent).send().await.unwrap()).await.0,
            404,
            "{bent}"
        );
    }
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
}
