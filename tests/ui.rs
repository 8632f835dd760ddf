//! The web UI in a real browser: headless Chromium driven through chromedriver (WebDriver),
//! against the real server. Without `/usr/bin/chromium` or `chromedriver` the tests say
//! `SKIPPED` and pass, unless `ATTACHE_REQUIRE_BROWSER` is set.

mod common;

use attache::demo::{log_text, png as png_image};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{spawn_app, spawn_with, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long any wait for the page may take.
const TIMEOUT: Duration = Duration::from_secs(20);
const ESCAPE: &str = "\u{e00c}";
const ENTER: &str = "\u{e007}";

/// Put before every script the tests run in the page.
const HELPERS: &str = "const $ = (s) => document.querySelector(s); \
    const $$ = (s) => document.querySelectorAll(s); \
    const rows = () => [...$$('#ticket-list .ticket-row')];";

/// What a browser does when a file is dropped on the drop zone.
const DROP_A_FILE: &str = "const dt = new DataTransfer(); \
    dt.items.add(new File(['Dropped notes.'], 'dropped.txt', {type: 'text/plain'})); \
    for (const type of ['dragenter', 'dragover', 'drop']) \
      $('#dropzone').dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));";

/// chromedriver as a child process, with its own browser profile; both go on drop.
struct Browser {
    driver: Child,
    port: u16,
    session: Option<String>,
    client: Option<Client>,
    profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the WebDriver session (chromedriver then quits Chromium), then chromedriver. Plain
    /// blocking HTTP: a test that panicked has no runtime left to await on.
    fn drop(&mut self) {
        if let Some(id) = &self.session {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.port
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let _ = stream.read_to_end(&mut Vec::new());
                }
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
}

/// Starts chromedriver and a headless Chromium session, or says why it cannot.
async fn browser() -> Option<Browser> {
    // The build has two rustls crypto providers (ring for attache's TLS, aws-lc-rs through
    // fantoccini), so rustls will not pick one for the WebDriver client: name it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let driver_path = chromedriver();
    let missing = match (Path::new(CHROMIUM).is_file(), &driver_path) {
        (false, _) => Some(format!("{CHROMIUM} is not installed")),
        (_, None) => Some("chromedriver is not on PATH".to_owned()),
        _ => None,
    };
    if let Some(reason) = missing {
        if std::env::var_os("ATTACHE_REQUIRE_BROWSER").is_some() {
            panic!("ATTACHE_REQUIRE_BROWSER is set but {reason}");
        }
        eprintln!("SKIPPED: {reason} (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(driver_path.unwrap())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser {
        driver,
        port,
        session: None,
        client: None,
        profile,
    };
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--force-device-scale-factor=1",
        &format!("--user-data-dir={}", browser.profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + TIMEOUT;
    let mut builder = ClientBuilder::rustls().expect("a WebDriver client");
    builder.capabilities(caps);
    let client = loop {
        match builder.connect(&url).await {
            Ok(client) => break client,
            Err(e) if Instant::now() > deadline => panic!("no WebDriver session: {e}"),
            // chromedriver is still starting: try again shortly.
            Err(_) => actix_web::rt::time::sleep(Duration::from_millis(100)).await,
        }
    };
    browser.session = client.session_id().await.unwrap();
    browser.client = Some(client);
    Some(browser)
}

impl Browser {
    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Runs a script, with `$`, `$$` and `rows()` (the ticket rows) at hand.
    async fn js(&self, script: &str) -> Value {
        let script = format!("{HELPERS}\n{script}");
        self.c().execute(&script, vec![]).await.unwrap()
    }

    async fn exists(&self, selector: &str) -> bool {
        self.c().find(Locator::Css(selector)).await.is_ok()
    }

    async fn type_into(&self, selector: &str, text: &str) {
        self.css(selector).await.send_keys(text).await.unwrap();
    }

    /// A key press on whatever has the focus.
    async fn press(&self, key: &str) {
        let focused = self.c().active_element().await.unwrap();
        focused.send_keys(key).await.unwrap();
    }

    /// The words shown for a refused upload.
    async fn upload_error(&self, filename: &str) -> String {
        let selector =
            format!(".upload[data-filename='{filename}'][data-state='error'] .upload-error");
        let expression = format!("$(\"{selector}\")?.textContent");
        let text = self.until("the refusal", &expression).await;
        text.as_str().unwrap().to_owned()
    }

    /// Polls a JavaScript expression until it is truthy; returns its value.
    async fn until(&self, what: &str, expression: &str) -> Value {
        let script = format!("return ({expression});");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let value = self.js(&script).await;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let text = self.js("return document.body.innerText").await;
                panic!("timed out waiting for {what} ({expression}); page text:\n{text}");
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        let query = serde_json::to_string(selector).unwrap();
        self.until(selector, &format!("$({query})")).await;
        self.c().find(Locator::Css(selector)).await.unwrap()
    }

    async fn click(&self, selector: &str) {
        self.css(selector).await.click().await.unwrap();
    }

    /// The README's screenshots are refreshed with ATTACHE_UPDATE_SCREENSHOTS=1; other runs
    /// write under target/, so a test run leaves the checkout as it was.
    async fn screenshot(&self, name: &str) {
        let folder = match std::env::var_os("ATTACHE_UPDATE_SCREENSHOTS") {
            Some(_) => "docs/screenshots",
            None => "target/screenshots",
        };
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.c().screenshot().await.unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    async fn sign_in(&self, app: &TestApp, key: &str) {
        self.c().goto(&app.url("/")).await.unwrap();
        self.type_into("#signin-key", key).await;
        self.click("#signin-submit").await;
        self.until("the ticket list", "$('#ticket-list, #tickets-empty')")
            .await;
    }

    /// Nothing sticks out sideways on a 390-px-wide screen.
    async fn assert_fits_390(&self, what: &str) {
        let widths = self
            .js("const e = document.documentElement; return [e.scrollWidth, e.clientWidth]")
            .await;
        let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert!(
            scroll <= 390 && scroll <= client,
            "{what} is {scroll} px wide in a {client}-px viewport"
        );
    }

    /// Every resource the page loaded came from the app itself.
    async fn assert_no_foreign_requests(&self, app: &TestApp) {
        let names = self
            .js("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => e.name)")
            .await;
        let names = names.as_array().unwrap();
        assert!(!names.is_empty());
        for name in names {
            let name = name.as_str().unwrap();
            assert!(
                name.starts_with(&format!("{}/", app.base)),
                "request to another host: {name}"
            );
        }
    }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A message on `ticket` by `key`'s user, carrying earlier uploads.
async fn post(app: &TestApp, key: &str, ticket: &str, body: &str, attachments: &[&Value]) {
    let ids: Vec<&Value> = attachments.iter().map(|a| &a["id"]).collect();
    let res = app
        .post_json(
            key,
            &format!("/v1/tickets/{ticket}/messages"),
            json!({ "body": body, "attachment_ids": ids }),
        )
        .await;
    assert_eq!(res.status(), 201, "posting a message");
}

/// A few realistic tickets; returns the id of the printer ticket (with a screenshot and a log).
async fn seed(app: &TestApp) -> String {
    let printer = app
        .ticket(&app.customer, "Printer shows error E-42 after the update")
        .await;
    let shot = app
        .upload_ok(
            &app.customer,
            &printer,
            "printer-error.png",
            png_image(320, 200),
        )
        .await;
    let log = app
        .upload_ok(&app.customer, &printer, "spooler.log", log_text())
        .await;
    post(
        app,
        &app.customer,
        &printer,
        "Since this morning's update the office printer refuses every job.\nScreenshot and the spooler log attached.",
        &[&shot, &log],
    )
    .await;
    post(
        app,
        &app.agent,
        &printer,
        "Thanks, Casey. E-42 is a firmware mismatch; I have queued a rollback for tonight.",
        &[],
    )
    .await;
    let invoice = app
        .ticket(&app.customer, "Invoice 2026-0113 was charged twice")
        .await;
    let pdf = app
        .upload_ok(
            &app.customer,
            &invoice,
            "invoice-2026-0113.pdf",
            PDF.to_vec(),
        )
        .await;
    post(
        app,
        &app.customer,
        &invoice,
        "My card shows two charges.",
        &[&pdf],
    )
    .await;
    for subject in [
        "VPN disconnects every ten minutes",
        "Scanner jams on A3 paper",
        "Password reset link has expired",
        "Laptop fan is loud after the BIOS update",
    ] {
        app.ticket(&app.other, subject).await;
    }
    printer
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn an_agent_signs_in_finds_a_ticket_and_manages_its_files() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let printer = seed(&app).await;

    b.sign_in(&app, &app.agent).await;
    b.until("six tickets", "rows().length === 6").await;
    let subjects = b.js("return rows().map(r => r.querySelector('.ticket-subject').textContent)");
    assert_eq!(
        subjects.await[0],
        "Laptop fan is loud after the BIOS update",
        "newest first"
    );
    let counts = b.js("return rows().map(r => r.querySelector('.count').dataset.count)");
    assert_eq!(counts.await, json!(["0", "0", "0", "0", "1", "2"]));
    b.screenshot("tickets.png").await;

    // Search by subject; the search lands in the address, so reload keeps it.
    b.type_into("#ticket-search", "printer").await;
    b.until("one search result", "rows().length === 1").await;
    let hash = b.js("return location.hash").await;
    assert!(hash.as_str().unwrap().contains("q=printer"), "{hash}");
    b.click(&format!(".ticket-row[data-ticket-id='{printer}']"))
        .await;

    // The ticket: its messages, and the screenshot's thumbnail actually decoded.
    b.css(&format!("#ticket-view[data-ticket-id='{printer}']"))
        .await;
    let authors = b.js("return [...$$('.message-author')].map(e => e.textContent)");
    assert_eq!(authors.await, json!(["casey", "alex"]), "messages in order");
    b.until(
        "the thumbnail",
        "[...$$('img.thumb')].some(i => i.naturalWidth > 0)",
    )
    .await;
    b.screenshot("ticket.png").await;

    // Preview in the page; Escape closes it.
    b.click("[data-filename='printer-error.png'] .attachment-preview")
        .await;
    b.until(
        "the preview",
        "$('#preview-dialog[open] img')?.naturalWidth > 0",
    )
    .await;
    b.press(ESCAPE).await;
    b.until("the preview to close", "!$('#preview-dialog').open")
        .await;

    // Upload through the file input, and by dropping a file on the page.
    let files = tempfile::tempdir().unwrap();
    let notes = temp_file(&files, "notes.txt", b"Rollback scheduled for 22:00.\n");
    b.type_into("#file-input", &notes).await;
    b.css("#ticket-files .attachment[data-filename='notes.txt']")
        .await;
    b.js(DROP_A_FILE).await;
    b.css("#ticket-files .attachment[data-filename='dropped.txt']")
        .await;
    b.until("the count", "$('#file-count').textContent === '4 files'")
        .await;

    // A refused file: the server's reason, in words.
    let exe = temp_file(&files, "setup.exe", b"MZ\x90\x00\x03\x00\x00\x00PE\x00\x00");
    b.type_into("#file-input", &exe).await;
    let error = b.upload_error("setup.exe").await;
    assert!(error.contains("not accepted"), "{error}");
    assert!(
        error.contains("Allowed types"),
        "the server's detail: {error}"
    );

    // Delete: Escape on the confirmation keeps the file; confirming removes it.
    let row = "#ticket-files .attachment[data-filename='notes.txt']";
    b.click(&format!("{row} .attachment-delete")).await;
    b.until("the confirmation", "$('#confirm-dialog').open")
        .await;
    b.press(ESCAPE).await;
    b.until("the confirmation to close", "!$('#confirm-dialog').open")
        .await;
    assert!(b.exists(row).await, "Escape deleted nothing");
    b.click(&format!("{row} .attachment-delete")).await;
    b.click("#confirm-dialog[open] #confirm-ok").await;
    b.until("the file to go", &format!("!$(\"{row}\")")).await;
    let left: Value = app
        .get(&app.agent, &format!("/v1/tickets/{printer}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["printer-error.png", "spooler.log", "dropped.txt"]);
    b.assert_no_foreign_requests(&app).await;

    // Reload keeps the page; nothing was fetched from anywhere else.
    b.c().refresh().await.unwrap();
    b.css(&format!("#ticket-view[data-ticket-id='{printer}']"))
        .await;
    b.assert_no_foreign_requests(&app).await;
}

#[actix_web::test]
async fn a_customer_on_a_phone_sees_limits_and_only_their_delete_buttons() {
    let Some(b) = browser().await else { return };
    let app = spawn_with(|c| c.max_upload_bytes = 1024).await;
    let ticket = app
        .ticket(&app.customer, "Receipt printer cuts too early")
        .await;
    let long = "a-very-long-file-name-without-any-spaces-that-could-push-the-layout-sideways.log";
    let mine = app.upload_ok(&app.customer, &ticket, long, log_text()[..900].to_vec());
    let mine = mine.await;
    let theirs = app.upload_ok(&app.agent, &ticket, "firmware.txt", b"v2.1".to_vec());
    let theirs = theirs.await;
    post(&app, &app.customer, &ticket, "Log attached.", &[&mine]).await;

    // A wrong key is refused in words; the right one signs in, and is kept nowhere.
    b.c().goto(&app.url("/")).await.unwrap();
    b.type_into("#signin-key", "atk_not_a_key").await;
    b.click("#signin-submit").await;
    b.until("the sign-in error", "$('#signin-error:not([hidden])')")
        .await;
    b.sign_in(&app, &app.customer).await;
    let stored = b.js("return JSON.stringify([localStorage, sessionStorage, document.cookie])");
    let stored = stored.await;
    assert!(!stored.as_str().unwrap().contains("atk_"), "{stored}");

    b.c().set_window_size(390, 844).await.unwrap();
    b.until("a 390-px viewport", "window.innerWidth === 390")
        .await;
    b.until("the ticket", "rows().length === 1").await;
    b.assert_fits_390("the ticket list").await;

    // The rows are links: Enter opens the ticket.
    b.js("$('.ticket-row').focus()").await;
    b.press(ENTER).await;
    b.css(&format!("#ticket-view[data-ticket-id='{ticket}']"))
        .await;
    let theirs_row = format!("[data-attachment-id='{}']", theirs["id"].as_str().unwrap());
    b.css(&theirs_row).await;
    b.assert_fits_390("the ticket page").await;

    // Delete only where allowed: the customer's own upload, not the agent's.
    let mine_row = format!("[data-attachment-id='{}']", mine["id"].as_str().unwrap());
    b.css(&format!("{mine_row} .attachment-delete")).await;
    assert!(!b.exists(&format!("{theirs_row} .attachment-delete")).await);

    // Over the limit: refused before sending, with the limit in words.
    let files = tempfile::tempdir().unwrap();
    let big = temp_file(&files, "scan.txt", &[b'x'; 2048]);
    b.type_into("#file-input", &big).await;
    let error = b.upload_error("scan.txt").await;
    assert!(error.contains("the limit is 1 KB"), "{error}");
    b.assert_fits_390("the ticket page with an error").await;

    b.assert_no_foreign_requests(&app).await;

    // Sign out; a reload stays signed out.
    b.click("#signout").await;
    b.css("#signin-key").await;
    b.c().refresh().await.unwrap();
    b.css("#signin-key").await;
    b.assert_no_foreign_requests(&app).await;
}
