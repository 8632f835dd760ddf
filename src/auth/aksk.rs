//! The AK/SK request signature of Huawei Cloud's SDKs (`SDK-HMAC-SHA256`), verified exactly as
//! their signer computes it: a canonical request (method, path, sorted query, the signed
//! headers, payload hash), hashed into a string to sign with the `X-Sdk-Date`, HMAC-SHA256'd
//! with the secret key. Pure functions; `verify` compares in constant time.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Python's `quote(s, safe='~')`: everything but `A-Za-z0-9-._~` is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The parts of `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.trim();
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Access" => access = Some(value.to_owned()),
            "SignedHeaders" => {
                signed = Some(value.split(';').map(str::to_ascii_lowercase).collect())
            }
            "Signature" => signature = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    Some(Authorization {
        access_key: access?,
        signed_headers: signed?,
        signature: signature?,
    })
}

/// What the signature covers, as the server received it.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    /// The query string as sent, without `?`.
    pub query: &'a str,
    /// Looks up a header by its lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<String>,
    /// The body, when the route reads one; `None` for requests without a body.
    pub body: Option<&'a [u8]>,
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn canonical_uri(path: &str) -> String {
    let mut uri = decode(path)
        .split('/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The payload hash the signer used. A body the route read is hashed here (or was hashed as
/// it streamed in), whatever a header declares (a declared hash that differs fails `verify`);
/// a streamed multipart body is not read before the signature is checked, so its declared
/// hash (the SDK's `UNSIGNED-PAYLOAD`) is taken as signed.
fn payload_hash(req: &Request, body_sha256: Option<&str>) -> String {
    match (body_sha256, (req.header)("x-sdk-content-sha256")) {
        (Some(hash), _) => hash.to_owned(),
        (None, Some(declared)) => declared,
        (None, None) => EMPTY_HASH.to_owned(),
    }
}

/// Whether a body the route read is the one its declared hash names. An
/// `X-Sdk-Content-Sha256` outside the signed headers was once trusted as the body's hash, so
/// anyone who saw a signed request could replace its body.
fn declared_hash_holds(req: &Request, body_sha256: Option<&str>) -> bool {
    match (body_sha256, (req.header)("x-sdk-content-sha256")) {
        (Some(hash), Some(declared)) => declared.eq_ignore_ascii_case(hash),
        _ => true,
    }
}

fn body_sha256(req: &Request) -> Option<String> {
    req.body.map(|body| hex::encode(Sha256::digest(body)))
}

/// The string the SDK signs, from the request and the headers it says it signed.
pub fn string_to_sign(req: &Request, auth: &Authorization, sdk_date: &str) -> String {
    string_to_sign_hashed(req, auth, sdk_date, body_sha256(req).as_deref())
}

fn string_to_sign_hashed(
    req: &Request,
    auth: &Authorization,
    sdk_date: &str,
    body_sha256: Option<&str>,
) -> String {
    let mut headers = String::new();
    for name in &auth.signed_headers {
        let value = (req.header)(name).unwrap_or_default();
        headers.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let hash = payload_hash(req, body_sha256);
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        headers,
        auth.signed_headers.join(";"),
        hash
    );
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// Whether `auth.signature` is the SDK's signature of `req` with `secret_key`.
pub fn verify(req: &Request, auth: &Authorization, sdk_date: &str, secret_key: &str) -> bool {
    verify_hashed(req, auth, sdk_date, secret_key, body_sha256(req).as_deref())
}

/// `verify`, for a body hashed as it streamed in (`req.body` is then `None`): `body_sha256`
/// is its SHA-256 in hex.
pub fn verify_hashed(
    req: &Request,
    auth: &Authorization,
    sdk_date: &str,
    secret_key: &str,
    body_sha256: Option<&str>,
) -> bool {
    let Ok(expected) = hex::decode(&auth.signature) else {
        return false;
    };
    if !declared_hash_holds(req, body_sha256) {
        return false;
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("any key length works");
    mac.update(string_to_sign_hashed(req, auth, sdk_date, body_sha256).as_bytes());
    mac.verify_slice(&expected).is_ok()
}

/// `X-Sdk-Date` (`20261124T054801Z`) as Unix seconds.
pub fn parse_sdk_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(text, format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from huaweicloudsdkcore 3.1.219 signing a GET with AK=AKTEST, SK=SKTEST.
    #[test]
    fn verifies_the_sdks_own_signature() {
        let headers = [
            ("content-type", "application/json"),
            ("host", "127.0.0.1:18765"),
            (
                "user-agent",
                "huaweicloud-usdk-python/3.0; attache-compat-test",
            ),
            ("x-domain-id", "0123456789abcdef0123456789abcdef"),
            ("x-sdk-date", "20261124T054801Z"),
        ];
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        let auth = parse_authorization("SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=7430290d0a118f44b05657e269de2b8a27853602511fe767944dc516a3592693").unwrap();
        assert_eq!(auth.access_key, "AKTEST");
        let req = Request {
            method: "GET",
            path: "/v2/servicerequest/accessorys/limits",
            query: "",
            header: &header,
            body: None,
        };
        let to_sign = string_to_sign(&req, &auth, "20261124T054801Z");
        assert_eq!(to_sign, "SDK-HMAC-SHA256\n20261124T054801Z\ncf6bc393892ebfa9344582dd815a7e4d1999aa210f02ba5f87367295182dac79");
        assert!(verify(&req, &auth, "20261124T054801Z", "SKTEST"));
        assert!(!verify(&req, &auth, "20261124T054801Z", "SKWRONG"));
        let other_path = Request {
            path: "/v2/servicerequest/accessorys",
            ..req
        };
        assert!(!verify(&other_path, &auth, "20261124T054801Z", "SKTEST"));
    }

    #[test]
    fn canonical_parts_follow_the_sdk() {
        assert_eq!(canonical_uri("/v2/a%20b/c"), "/v2/a%20b/c/");
        assert_eq!(canonical_uri("/v2/x/"), "/v2/x/");
        assert_eq!(
            canonical_query("b=2&a=1&accessory_ids=z&accessory_ids=y"),
            "a=1&accessory_ids=y&accessory_ids=z&b=2"
        );
        assert_eq!(canonical_query("q=a%2Fb%20c"), "q=a%2Fb%20c");
        assert_eq!(parse_sdk_date("20261124T054801Z"), Some(1_795_499_281));
        assert_eq!(parse_sdk_date("yesterday"), None);
        assert!(parse_authorization("Bearer x").is_none());
    }
}

#[cfg(test)]
mod properties;
