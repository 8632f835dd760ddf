//! TLS on the server itself: HTTPS with `--tls-cert`/`--tls-key`, https URLs, Secure cookies.

mod common;

use std::process::Command;

use attache::config::Tls;
use common::{png, spawn_with};
use serde_json::{json, Value};

#[actix_web::test]
async fn with_a_certificate_attache_speaks_https_only() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        // A server certificate, not a CA (the client's verifier insists).
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a throwaway certificate");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let app = spawn_with(|c| {
        c.tls = Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
        })
    })
    .await;
    let https = format!("https://{}", app.address);
    assert_eq!(app.core.public_url, https);

    let root = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let ticket: Value = client
        .post(format!("{https}/v1/tickets"))
        .bearer_auth(&app.agent)
        .json(&json!({"subject": "over TLS"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = ticket["id"].as_str().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png("tls")).file_name("t.png"),
    );
    let up: Value = client
        .post(format!("{https}/v1/tickets/{ticket}/attachments"))
        .bearer_auth(&app.agent)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let signed: Value = client
        .get(format!(
            "{https}/v1/tickets/{ticket}/attachments/{}/download",
            up["id"].as_str().unwrap()
        ))
        .bearer_auth(&app.agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = signed["signed_url"].as_str().unwrap();
    assert!(url.starts_with(&https), "{url}");
    assert_eq!(
        client.get(url).send().await.unwrap().bytes().await.unwrap(),
        png("tls")
    );

    let res = client
        .post(format!("{https}/ui/session"))
        .json(&json!({"key": app.customer}))
        .send()
        .await
        .unwrap();
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));

    // A head actix-http would refuse bare is answered in the dialect's shape over TLS too,
    // and the connection after it serves again.
    let mut many = reqwest::header::HeaderMap::new();
    for i in 0..100 {
        let name = reqwest::header::HeaderName::try_from(format!("x-h{i}")).unwrap();
        many.insert(name, reqwest::header::HeaderValue::from_static("h"));
    }
    let res = client
        .get(format!("{https}/v1/me"))
        .headers(many)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["code"], "headers_too_large");
    let res = client.get(format!("{https}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Plain HTTP on the same port gets no answer it could use.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/healthz", app.address))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
}
