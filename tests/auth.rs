//! Credentials, scopes and who sees what (SPEC §3).

mod common;

use attache::core::users;
use attache::domain::{Role, Scopes};
use attache::store::sql::params;
use common::{png, spawn_app, spawn_with};
use serde_json::{json, Value};

async fn problem(res: reqwest::Response, status: u16, code: &str) -> reqwest::header::HeaderMap {
    assert_eq!(res.status(), status);
    let headers = res.headers().clone();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    headers
}

#[actix_web::test]
async fn every_accepted_credential_form_works() {
    let app = spawn_app().await;
    let url = app.url("/v1/me");
    let key = &app.agent;
    let forms = [
        app.client
            .get(&url)
            .header("Authorization", format!("Bearer {key}")),
        app.client
            .get(&url)
            .header("Authorization", format!("Token {key}")),
        app.client
            .get(&url)
            .header("Authorization", format!("bearer   {key}")),
        app.client.get(&url).header("X-Auth-Token", key.as_str()),
        // An unknown scheme is ignored when X-Auth-Token is present.
        app.client
            .get(&url)
            .header("Authorization", "SDK-HMAC-SHA256 Access=x")
            .header("X-Auth-Token", key.as_str()),
    ];
    for request in forms {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["user"]["name"], "alex");
        assert_eq!(me["user"]["role"], "agent");
        let scopes: Vec<&str> = me["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(
            scopes.contains(&"attachments:delete") && !scopes.contains(&"admin"),
            "{scopes:?}"
        );
    }
}

#[actix_web::test]
async fn no_or_bad_credentials_get_401_with_a_challenge() {
    let app = spawn_app().await;
    let url = app.url("/v1/tickets");
    let headers = problem(
        app.client.get(&url).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer realm=\"attache\""));

    for bad in [
        app.client
            .get(&url)
            .bearer_auth("atk_0000000000000000000000000000000"),
        app.client.get(&url).bearer_auth("not-a-key"),
        app.client
            .get(&url)
            .header("Authorization", "Basic dXNlcjpwYXNz"),
        app.client.get(&url).header("Authorization", "Bearer"),
    ] {
        let headers = problem(bad.send().await.unwrap(), 401, "invalid_credentials").await;
        assert!(headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token"));
    }

    let revoked = users::create_key(&app.core.db, "alex", Role::Agent, None, "").unwrap();
    assert_eq!(app.get(&revoked.secret, "/v1/me").await.status(), 200);
    assert_eq!(
        users::revoke_key(&app.core.db, &revoked.secret[..12]).unwrap(),
        1
    );
    problem(
        app.get(&revoked.secret, "/v1/me").await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[actix_web::test]
async fn a_key_without_the_scope_gets_403_insufficient_scope() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Scoped").await;
    let read_only = users::create_key(
        &app.core.db,
        "reader",
        Role::Agent,
        Some(Scopes::parse(["read:support"]).unwrap()),
        "",
    )
    .unwrap()
    .secret;

    assert_eq!(
        app.get(&read_only, &format!("/v1/tickets/{ticket}/attachments"))
            .await
            .status(),
        200
    );
    let headers = problem(
        app.upload(&read_only, &ticket, "a.png", png("a")).await,
        403,
        "insufficient_scope",
    )
    .await;
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("scope=\"attachments:write\""));
    problem(
        app.post_json(&read_only, "/v1/tickets", json!({"subject": "x"}))
            .await,
        403,
        "insufficient_scope",
    )
    .await;

    let uploaded = app.upload_ok(&app.agent, &ticket, "a.png", png("a")).await;
    let path = format!(
        "/v1/tickets/{ticket}/attachments/{}",
        uploaded["id"].as_str().unwrap()
    );
    problem(
        app.delete(&read_only, &path).await,
        403,
        "insufficient_scope",
    )
    .await;
    assert_eq!(app.blob_files().len(), 1);

    let write_only = users::create_key(
        &app.core.db,
        "writer",
        Role::Agent,
        Some(Scopes::parse(["attachments:write"]).unwrap()),
        "",
    )
    .unwrap()
    .secret;
    problem(
        app.get(&write_only, &format!("/v1/tickets/{ticket}/attachments"))
            .await,
        403,
        "insufficient_scope",
    )
    .await;
    problem(
        app.get(&write_only, "/v1/tickets").await,
        403,
        "insufficient_scope",
    )
    .await;
    // Any valid key may read its own identity and the limits.
    assert_eq!(app.get(&write_only, "/v1/me").await.status(), 200);
    assert_eq!(
        app.get(&write_only, "/v1/attachment-restrictions")
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn a_customer_sees_only_their_own_tickets_and_others_look_missing() {
    let app = spawn_app().await;
    let theirs = app.ticket(&app.other, "Sam's ticket").await;
    let file = app
        .upload_ok(&app.other, &theirs, "a.png", png("sam"))
        .await;
    let file_id = file["id"].as_str().unwrap();
    let mine = app.ticket(&app.customer, "Casey's ticket").await;

    let listed: Vec<Value> = app
        .get(&app.customer, "/v1/tickets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [mine.as_str()]
    );

    let missing = format!("/v1/tickets/{}", uuid_like());
    let not_found = app
        .get(&app.customer, &missing)
        .await
        .json::<Value>()
        .await
        .unwrap();
    for path in [
        format!("/v1/tickets/{theirs}"),
        format!("/v1/tickets/{theirs}/messages"),
        format!("/v1/tickets/{theirs}/attachments"),
        format!("/v1/tickets/{theirs}/attachments/{file_id}"),
        format!("/v1/tickets/{theirs}/attachments/{file_id}/download"),
    ] {
        let res = app.get(&app.customer, &path).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            (body["code"].clone(), body["detail"].clone()),
            (not_found["code"].clone(), not_found["detail"].clone()),
            "{path}: indistinguishable from missing"
        );
    }
    assert_eq!(
        app.upload(&app.customer, &theirs, "x.png", png("x"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete(
            &app.customer,
            &format!("/v1/tickets/{theirs}/attachments/{file_id}")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.patch_json(
            &app.customer,
            &format!("/v1/tickets/{theirs}"),
            json!({"status": "closed"})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(&app.agent, &format!("/v1/tickets/{theirs}"))
            .await
            .status(),
        200,
        "agents see all"
    );
}

fn uuid_like() -> String {
    attache::ids::Id::new().to_string()
}

#[actix_web::test]
async fn a_customer_may_delete_only_what_they_uploaded() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "Shared").await;
    let agents = app
        .upload_ok(&app.agent, &ticket, "from-agent.png", png("agent"))
        .await;
    let own = app
        .upload_ok(&app.customer, &ticket, "mine.png", png("mine"))
        .await;
    let path = |a: &Value| {
        format!(
            "/v1/tickets/{ticket}/attachments/{}",
            a["id"].as_str().unwrap()
        )
    };
    problem(
        app.delete(&app.customer, &path(&agents)).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.delete(&app.customer, &path(&own)).await.status(), 204);
    assert_eq!(
        app.get(&app.customer, &path(&agents)).await.status(),
        200,
        "still there"
    );
}

#[actix_web::test]
async fn rate_limits_count_per_key_and_answer_429_with_retry_after() {
    let app = spawn_with(|c| c.rate_limit_per_minute = 5).await;
    // The first request of a key proves it and counts against the address (see below);
    // from then on the key has its own budget.
    assert_eq!(app.get(&app.agent, "/v1/me").await.status(), 200);
    let mut last = None;
    for i in 0..5 {
        let res = app.get(&app.agent, "/v1/me").await;
        assert_eq!(res.status(), 200);
        let h = res.headers();
        assert_eq!(h["x-ratelimit-limit"], "5");
        assert_eq!(
            h["x-ratelimit-remaining"].to_str().unwrap(),
            (4 - i).to_string()
        );
        assert!(
            h["x-ratelimit-reset"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                <= 60
        );
        last = Some(res);
    }
    drop(last);
    let res = app.get(&app.agent, "/v1/me").await;
    let headers = problem(res, 429, "rate_limited").await;
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(headers["x-ratelimit-remaining"], "0");

    // Over its limit, the key stays limited whatever else the request carries (issue 12,
    // finding 3: a bogus AK/SK header once moved it to a fresh bucket).
    let res = app
        .client
        .get(app.url("/v2/servicerequest/accessorys/limits"))
        .header("X-Auth-Token", &app.agent)
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=RANDOM123, SignedHeaders=host, Signature=00",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);

    // Another key has its own budget; requests without a key, or with keys that are not
    // valid, count per address: the agent's and this key's first requests took two of it.
    assert_eq!(app.get(&app.customer, "/v1/me").await.status(), 200);
    for i in 0..3 {
        let res = if i % 2 == 0 {
            app.client.get(app.url("/v1/me")).send().await.unwrap()
        } else {
            app.get(&format!("atk_invalid{i}"), "/v1/me").await
        };
        assert_eq!(res.status(), 401);
    }
    assert_eq!(app.get("atk_invalid_again", "/v1/me").await.status(), 429);
    assert_eq!(
        app.client
            .get(app.url("/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        429
    );
}

/// An AK/SK pair for the test app's customer.
fn access_key(app: &common::TestApp) -> (String, String) {
    let pair = attache::core::access_keys::create_access_key(
        &app.core.db,
        &app.core.aksk_secret,
        "aksk-user",
        attache::domain::Role::Customer,
        None,
        "",
    )
    .unwrap();
    (pair.access_key, pair.secret_key)
}

async fn send_signed(
    app: &common::TestApp,
    method: reqwest::Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<Vec<u8>>,
) -> reqwest::StatusCode {
    let mut req = app.client.request(method, url);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    if let Some(body) = body {
        req = req.header("Content-Type", "application/json").body(body);
    }
    req.send().await.unwrap().status()
}

/// Issue 12, finding 4: a declared body hash outside the signed headers is checked against
/// the body, so whoever sees a signed request cannot send it with another body.
#[actix_web::test]
async fn an_aksk_request_with_its_body_replaced_is_refused() {
    let app = spawn_app().await;
    let (ak, sk) = access_key(&app);
    let url = app.url("/v2/servicerequest/cases");
    let case = |text: &str| {
        serde_json::to_vec(
            &json!({"simple_description": text, "business_type_id": "1", "source_id": "x"}),
        )
        .unwrap()
    };
    let headers = common::aksk::signed_headers("POST", &url, Some(&case("mine")), &ak, &sk);
    let post = reqwest::Method::POST;
    let status = send_signed(&app, post.clone(), &url, &headers, Some(case("theirs"))).await;
    assert_eq!(status, 401, "the body does not match its declared hash");
    let status = send_signed(&app, post, &url, &headers, Some(case("mine"))).await;
    assert_eq!(status, 200, "the body the signer sent");
}

/// Issue 12, finding 4: a signed request that changes something is accepted once; sent again
/// unchanged within its 15-minute date window, it is refused. Identical reads (the SDK polling
/// within one second signs alike) are answered each time.
#[actix_web::test]
async fn an_aksk_request_replayed_unchanged_is_refused() {
    let app = spawn_app().await;
    let (ak, sk) = access_key(&app);
    let url = app.url("/v2/servicerequest/cases");
    let body = json!({"simple_description": "Replay me", "business_type_id": "1"}).to_string();
    let body = body.into_bytes();
    let headers = common::aksk::signed_headers("POST", &url, Some(&body), &ak, &sk);
    let post = reqwest::Method::POST;
    let first = send_signed(&app, post.clone(), &url, &headers, Some(body.clone())).await;
    assert_eq!(first, 200);
    let again = send_signed(&app, post, &url, &headers, Some(body)).await;
    assert_eq!(again, 401, "the same signed POST again");
    let cases = app.core.db.run(|conn| {
        Ok(
            conn.query_row("SELECT count(*) FROM tickets", params![], |r| {
                r.get::<i64>(0)
            })?,
        )
    });
    assert_eq!(cases.await.unwrap(), 1, "one case, not two");

    let url = app.url("/v2/servicerequest/accessorys/limits");
    let headers = common::aksk::signed_headers("GET", &url, None, &ak, &sk);
    let get = reqwest::Method::GET;
    for _ in 0..2 {
        assert_eq!(
            send_signed(&app, get.clone(), &url, &headers, None).await,
            200
        );
    }
}
