//! Credentials, scopes and who sees what (SPEC §3).

mod common;

use attache::core::model::{Role, Scopes};
use attache::core::users;
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

    // Another key has its own budget; requests without a key count per address.
    assert_eq!(app.get(&app.customer, "/v1/me").await.status(), 200);
    for _ in 0..5 {
        assert_eq!(
            app.client
                .get(app.url("/v1/me"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
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
