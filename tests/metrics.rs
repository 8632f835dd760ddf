//! `/metrics`: what happened, in Prometheus text.

mod common;

use common::{metric as value, png, spawn_with};

#[actix_web::test]
async fn metrics_count_requests_bytes_dedup_signatures_and_limits() {
    let app = spawn_with(|c| c.rate_limit_per_minute = 30).await;
    let ticket = app.ticket(&app.agent, "Metrics").await;
    let bytes = png("counted");
    let a = app
        .upload_ok(&app.agent, &ticket, "a.png", bytes.clone())
        .await;
    app.upload_ok(&app.agent, &ticket, "b.png", bytes.clone())
        .await;
    let url = app
        .signed_url(&app.agent, &ticket, a["id"].as_str().unwrap(), false)
        .await;
    assert_eq!(
        app.client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        bytes
    );
    let tampered = url.replace("disp=attachment", "disp=inline");
    assert_eq!(
        app.client.get(&tampered).send().await.unwrap().status(),
        403
    );
    let mut limited = 0;
    for _ in 0..40 {
        if app.get(&app.customer, "/v1/me").await.status() == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0);

    // Metrics are for admins (issue 12, finding 7: dedup hits told anyone whether a file is
    // stored).
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.get(&app.customer, "/metrics").await.status(), 403);
    assert_eq!(app.get(&app.agent, "/metrics").await.status(), 403);
    let res = app.get(&app.admin, "/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    assert_eq!(value(&text, "attache_dedup_hits_total"), 1.0);
    assert_eq!(
        value(&text, "attache_upload_bytes_total"),
        2.0 * bytes.len() as f64
    );
    assert_eq!(
        value(&text, "attache_download_bytes_total"),
        bytes.len() as f64
    );
    assert_eq!(value(&text, "attache_signature_failures_total"), 1.0);
    assert_eq!(value(&text, "attache_rate_limited_total"), limited as f64);
    assert_eq!(value(&text, "attache_blobs_stored"), 1.0);
    assert_eq!(
        value(&text, "attache_blob_bytes_stored"),
        bytes.len() as f64
    );
    let uploads = r#"attache_http_requests_total{route="/v1/tickets/{ticket_id}/attachments",method="POST",status="201"}"#;
    assert_eq!(value(&text, uploads), 2.0);
    assert!(
        text.contains(r#"attache_http_request_duration_seconds_bucket{le="+Inf",route="/v1/me"}"#)
            || text.contains(
                r#"attache_http_request_duration_seconds_bucket{route="/v1/me",le="+Inf"}"#
            ),
        "{text}"
    );
    assert!(!text.contains(&ticket), "no ids in labels");
}
