//! Huawei SDK-style AK/SK request signatures (`SDK-HMAC-SHA256`), made with attache's own
//! canonical request so tests can sign what the SDK would.

use attache::auth::aksk;
use hmac::{Hmac, Mac};
use reqwest::Url;
use sha2::{Digest, Sha256};

/// The headers of a request signed over `host`, `x-sdk-date` and, when given, the body's hash
/// (sent in `X-Sdk-Content-Sha256` but left out of the signed headers, as the SDK may).
pub fn signed_headers(
    method: &str,
    url: &str,
    body: Option<&[u8]>,
    access_key: &str,
    secret_key: &str,
) -> Vec<(String, String)> {
    let url = Url::parse(url).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap();
    let declared = body.map(|b| hex::encode(Sha256::digest(b)));
    let auth = aksk::Authorization {
        access_key: access_key.to_owned(),
        signed_headers: vec!["host".into(), "x-sdk-date".into()],
        signature: String::new(),
    };
    let header = |name: &str| match name {
        "host" => Some(host.clone()),
        "x-sdk-date" => Some(date.clone()),
        "x-sdk-content-sha256" => declared.clone(),
        _ => None,
    };
    let request = aksk::Request {
        method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        header: &header,
        body,
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).unwrap();
    mac.update(aksk::string_to_sign(&request, &auth, &date).as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut headers = vec![
        ("Host".to_owned(), host.clone()),
        ("X-Sdk-Date".to_owned(), date.clone()),
        (
            "Authorization".to_owned(),
            format!(
                "{} Access={access_key}, SignedHeaders=host;x-sdk-date, Signature={signature}",
                aksk::ALGORITHM
            ),
        ),
    ];
    if let Some(declared) = declared {
        headers.push(("X-Sdk-Content-Sha256".to_owned(), declared));
    }
    headers
}
