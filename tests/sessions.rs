//! The web UI's session: a key exchanged for a cookie, guarded against cross-site requests.

mod common;

use attache::core::users;
use common::{spawn_app, spawn_with, TestApp};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

/// Signs in with `key`; returns the `Cookie` header value, the CSRF token and the Set-Cookie.
async fn sign_in(app: &TestApp, key: &str) -> (String, String, String) {
    let res = app
        .client
        .post(app.url("/ui/session"))
        .json(&json!({"key": key}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (
        cookie,
        body["csrf"].as_str().unwrap().to_owned(),
        set_cookie,
    )
}

fn status_of(headers: &HeaderMap) -> &str {
    headers
        .get("content-type")
        .map_or("", |v| v.to_str().unwrap())
}

#[actix_web::test]
async fn a_key_becomes_a_strict_http_only_cookie_and_the_key_is_not_echoed() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/ui/session"))
        .json(&json!({"key": "atk_wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(status_of(res.headers()), "application/problem+json");

    let res = app
        .client
        .post(app.url("/ui/session"))
        .json(&json!({"key": app.customer}))
        .send()
        .await
        .unwrap();
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let text = res.text().await.unwrap();
    assert!(
        !text.contains(&app.customer) && !set_cookie.contains(&app.customer),
        "the key is not handed back"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["user"]["name"], "casey");
    assert!(body["csrf"].as_str().unwrap().len() >= 32);
    for flag in [
        "attache_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=43200",
    ] {
        assert!(set_cookie.contains(flag), "{flag} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http: no Secure flag");
}

#[actix_web::test]
async fn under_tls_the_cookie_is_secure() {
    let app = spawn_with(|c| c.public_url = Some("https://help.example".into())).await;
    let (_, _, set_cookie) = sign_in(&app, &app.customer).await;
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
}

#[actix_web::test]
async fn writes_with_the_cookie_need_the_csrf_token() {
    let app = spawn_app().await;
    let (cookie, csrf, _) = sign_in(&app, &app.customer).await;
    let me: Value = app
        .client
        .get(app.url("/v1/me"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["name"], "casey");
    let resumed: Value = app
        .client
        .get(app.url("/ui/session"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resumed["csrf"], csrf.as_str());

    let post = |token: Option<&str>| {
        let mut req = app
            .client
            .post(app.url("/v1/tickets"))
            .header("Cookie", &cookie)
            .json(&json!({"subject": "From the page"}));
        if let Some(token) = token {
            req = req.header("X-CSRF-Token", token);
        }
        req.send()
    };
    for token in [None, Some("forged"), Some("")] {
        let res = post(token).await.unwrap();
        assert_eq!(res.status(), 403, "{token:?}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "forbidden");
    }
    assert_eq!(post(Some(&csrf)).await.unwrap().status(), 201);

    // What a cross-site form can send: the cookie (were it not Strict) and form fields, no header.
    let res = app
        .client
        .post(app.url("/v1/tickets"))
        .header("Cookie", &cookie)
        .header("Origin", "https://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("subject=pwned")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let tickets: Vec<Value> = app
        .get(&app.customer, "/v1/tickets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "only the ticket made with the token");
}

#[actix_web::test]
async fn sign_out_ends_the_session_and_so_does_revoking_the_key() {
    let app = spawn_app().await;
    let (cookie, csrf, _) = sign_in(&app, &app.agent).await;
    let res = app
        .client
        .delete(app.url("/ui/session"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "sign-out is a write: it needs the token");
    let res = app
        .client
        .delete(app.url("/ui/session"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        app.client
            .get(app.url("/v1/me"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        app.client
            .get(app.url("/ui/session"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let key =
        users::create_key(&app.core.db, "alex", attache::domain::Role::Agent, None, "").unwrap();
    let (cookie, _, _) = sign_in(&app, &key.secret).await;
    assert_eq!(
        app.client
            .get(app.url("/v1/me"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    users::revoke_key(&app.core.db, &key.secret[..12]).unwrap();
    assert_eq!(
        app.client
            .get(app.url("/v1/me"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[actix_web::test]
async fn the_page_is_served_with_its_own_content_security_policy() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    let lower = html.to_ascii_lowercase();
    for script in lower.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(tag.contains("src="), "an inline script: <script{tag}>");
    }
    assert!(
        !lower.contains(" onclick=") && !lower.contains(" onload="),
        "inline handlers"
    );
    for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !lower.contains(attribute),
            "the page loads {attribute}… from another host"
        );
    }
    assert_eq!(
        app.client
            .get(app.url("/no-such-file.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// Issue 12, finding 3: sign-in had no rate limit at all. It is limited per client address
/// (the key is in the body), more tightly than the API, and a refusal is a problem document.
#[actix_web::test]
async fn sign_in_is_rate_limited_per_client_address() {
    let app = spawn_with(|c| c.rate_limit_per_minute = 1200).await;
    let limit = attache::ratelimit::SIGN_INS_PER_MINUTE;
    let attempt = |key: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/ui/session"))
                .json(&json!({ "key": key }))
                .send()
                .await
                .unwrap()
        }
    };
    // Wrong keys and right ones count alike.
    for i in 0..limit {
        let key = if i % 2 == 0 {
            app.customer.clone()
        } else {
            format!("wrong{i}")
        };
        let res = attempt(key).await;
        assert!(
            matches!(res.status().as_u16(), 200 | 401),
            "{i}: {}",
            res.status()
        );
    }
    let res = attempt(app.customer.clone()).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["code"], "rate_limited", "{doc}");

    // The API, under its own limit, still answers the same address.
    let res = app.get(&app.customer, "/v1/me").await;
    assert_eq!(res.status(), 200);
}
