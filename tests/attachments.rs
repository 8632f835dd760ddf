//! The five attachment routes, and what they do to the disk.

mod common;

use common::{png, spawn_app};
use serde_json::Value;

#[actix_web::test]
async fn upload_list_get_and_delete_as_the_toptickets_document_shows() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.customer, "Screen flickers").await;

    let uploaded = app
        .upload_ok(&app.customer, &ticket, "screenshot.png", png("one"))
        .await;
    for field in [
        "id",
        "ticket_id",
        "filename",
        "content_type",
        "size_bytes",
        "uploaded_by_user_id",
        "created_at",
        "sha256",
    ] {
        assert!(!uploaded[field].is_null(), "{field} missing in {uploaded}");
    }
    assert_eq!(uploaded["ticket_id"], ticket.as_str());
    assert_eq!(uploaded["filename"], "screenshot.png");
    assert_eq!(uploaded["content_type"], "image/png");
    assert_eq!(uploaded["size_bytes"], png("one").len());
    let id = uploaded["id"].as_str().unwrap();

    let list: Vec<Value> = app
        .get(&app.customer, &format!("/v1/tickets/{ticket}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id);

    let one = app
        .get(
            &app.agent,
            &format!("/v1/tickets/{ticket}/attachments/{id}"),
        )
        .await;
    assert_eq!(one.status(), 200);
    assert_eq!(one.json::<Value>().await.unwrap(), uploaded);

    let ticket_view: Value = app
        .get(&app.agent, &format!("/v1/tickets/{ticket}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ticket_view["attachment_count"], 1);

    let res = app
        .delete(
            &app.customer,
            &format!("/v1/tickets/{ticket}/attachments/{id}"),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.bytes().await.unwrap().len(), 0);
    let gone = app
        .get(
            &app.customer,
            &format!("/v1/tickets/{ticket}/attachments/{id}"),
        )
        .await;
    assert_eq!(gone.status(), 404);
    let again = app
        .delete(
            &app.customer,
            &format!("/v1/tickets/{ticket}/attachments/{id}"),
        )
        .await;
    assert_eq!(again.status(), 404);
}

#[actix_web::test]
async fn the_same_bytes_are_stored_once_and_go_with_their_last_attachment() {
    let app = spawn_app().await;
    let first_ticket = app.ticket(&app.customer, "First").await;
    let second_ticket = app.ticket(&app.agent, "Second").await;
    let bytes = png("same content");

    let a = app
        .upload_ok(&app.customer, &first_ticket, "a.png", bytes.clone())
        .await;
    let b = app
        .upload_ok(&app.agent, &second_ticket, "renamed.png", bytes.clone())
        .await;
    assert_eq!(a["sha256"], b["sha256"]);
    assert_ne!(a["id"], b["id"]);
    assert_eq!(
        b["filename"], "renamed.png",
        "each attachment keeps its own name"
    );

    let files = app.blob_files();
    assert_eq!(files.len(), 1, "one file for one content: {files:?}");
    let sha = a["sha256"].as_str().unwrap();
    assert!(files[0].ends_with(format!("sha256/{}/{}/{sha}", &sha[0..2], &sha[2..4])));
    assert_eq!(app.blob_content(sha), bytes);

    let res = app
        .delete(
            &app.customer,
            &format!(
                "/v1/tickets/{first_ticket}/attachments/{}",
                a["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.blob_files().len(),
        1,
        "still named by the second attachment"
    );
    let url = app
        .signed_url(&app.agent, &second_ticket, b["id"].as_str().unwrap(), false)
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

    let res = app
        .delete(
            &app.agent,
            &format!(
                "/v1/tickets/{second_ticket}/attachments/{}",
                b["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(
        app.blob_files().is_empty(),
        "the last attachment took the file with it"
    );
    assert_eq!(app.tmp_files(), 0);
}

#[actix_web::test]
async fn concurrent_uploads_of_one_content_keep_one_file_and_every_row() {
    let app = spawn_app().await;
    let ticket = app.ticket(&app.agent, "Busy").await;
    let bytes = png("raced");
    let names: Vec<String> = (0..8).map(|i| format!("copy-{i}.png")).collect();
    let uploads = names
        .iter()
        .map(|name| app.upload(&app.agent, &ticket, name, bytes.clone()));
    for res in futures::future::join_all(uploads).await {
        assert_eq!(res.status(), 201);
    }
    assert_eq!(app.blob_files().len(), 1);
    let list: Vec<Value> = app
        .get(&app.agent, &format!("/v1/tickets/{ticket}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 8);
    assert_eq!(app.tmp_files(), 0);
}

#[actix_web::test]
async fn an_attachment_is_found_only_under_its_own_ticket() {
    let app = spawn_app().await;
    let mine = app.ticket(&app.agent, "Mine").await;
    let other = app.ticket(&app.agent, "Other").await;
    let a = app.upload_ok(&app.agent, &mine, "a.png", png("a")).await;
    let id = a["id"].as_str().unwrap();
    for path in [
        format!("/v1/tickets/{other}/attachments/{id}"),
        format!("/v1/tickets/{other}/attachments/{id}/download"),
    ] {
        assert_eq!(app.get(&app.agent, &path).await.status(), 404, "{path}");
    }
    assert_eq!(
        app.delete(&app.agent, &format!("/v1/tickets/{other}/attachments/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(app.blob_files().len(), 1);
}

#[actix_web::test]
async fn restrictions_report_the_limits_in_force() {
    let app = common::spawn_with(|c| {
        c.max_upload_bytes = 1234;
        c.max_attachments_per_ticket = 7;
    })
    .await;
    let body: Value = app
        .get(&app.customer, "/v1/attachment-restrictions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["max_file_size_bytes"], 1234);
    assert_eq!(body["max_attachments_per_ticket"], 7);
    let types: Vec<&str> = body["allowed_content_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 14);
    assert!(types.contains(&"application/pdf") && types.contains(&"video/quicktime"));
}
