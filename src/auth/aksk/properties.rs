//! Properties of the AK/SK `Authorization` header, `X-Sdk-Date`, and the signature over a request.

use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;

/// `X-Sdk-Date` spelled from the calendar fields, independently of `parse_sdk_date`.
fn sdk_date(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Unix times from 1970 to the end of 9999, the years four digits can spell.
const LAST_SECOND: i64 = 253_402_300_799;

/// Printable ASCII but the comma that separates the header's parts.
const VALUE: &str = "[!-+\\--~]{1,40}";

fn parts() -> impl Strategy<Value = (String, Vec<String>, String)> {
    let names = prop::collection::vec("[a-zA-Z0-9-]{1,16}", 1..6);
    (VALUE, names, "[0-9a-fA-F]{64}")
}

/// The header as an SDK writes it, its three parts in any order.
fn header_text((access, names, signature): &(String, Vec<String>, String), order: usize) -> String {
    let mut parts = [
        format!("Access={access}"),
        format!("SignedHeaders={}", names.join(";")),
        format!("Signature={signature}"),
    ];
    parts.rotate_left(order % 3);
    format!("{ALGORITHM} {}", parts.join(", "))
}

/// A valid header with one character replaced, added or removed, or any text.
fn near_miss() -> impl Strategy<Value = String> {
    let edited = (
        parts(),
        0..3usize,
        any::<prop::sample::Index>(),
        any::<char>(),
        any::<bool>(),
    )
        .prop_map(|(parts, order, at, c, insert)| {
            let mut chars: Vec<char> = header_text(&parts, order).chars().collect();
            let at = at.index(chars.len());
            if insert {
                chars.insert(at, c);
            } else {
                chars[at] = c;
            }
            chars.into_iter().collect()
        });
    prop_oneof![edited, "SDK-HMAC-SHA256 .{0,60}", ".{0,60}"]
}

/// A valid `X-Sdk-Date` with one character replaced, added or removed.
fn edited_date() -> impl Strategy<Value = String> {
    let c = prop::sample::select(&['0', '1', '2', '5', '9', '+', '-', 'T', 'Z', ' ', 'z'][..]);
    (0..=LAST_SECOND, any::<prop::sample::Index>(), c, 0..3).prop_map(|(unix, at, c, how)| {
        let mut text = sdk_date(unix).into_bytes();
        let at = at.index(text.len());
        match how {
            0 => text[at] = c as u8,
            1 => text.insert(at, c as u8),
            _ => {
                text.remove(at);
            }
        }
        String::from_utf8(text).expect("ASCII")
    })
}

/// A request as an SDK sends it: method, path, query, the headers it signs (names
/// lower case, `x-sdk-date` among them) with their values, a body or none, the SK.
#[derive(Debug, Clone)]
struct SdkRequest {
    method: &'static str,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    secret_key: String,
}

fn sdk_request() -> impl Strategy<Value = SdkRequest> {
    let method = prop::sample::select(&["GET", "POST", "DELETE"][..]);
    let path = "(/[a-zA-Z0-9%._~-]{0,10}){1,4}";
    let query = "([a-z_]{1,6}=[a-zA-Z0-9%]{0,6}&){0,3}";
    let headers = prop::collection::btree_map("[a-z][a-z0-9-]{0,12}", "[ -~]{0,20}", 0..4);
    let body = prop::option::of(prop::collection::vec(any::<u8>(), 0..64));
    let date = (0..=LAST_SECOND).prop_map(sdk_date);
    (method, path, query, headers, body, date, "[A-Z2-9]{40}").prop_map(
        |(method, path, query, headers, body, date, secret_key)| {
            let mut headers: Vec<_> = headers.into_iter().collect();
            headers.retain(|(name, _)| name != "x-sdk-date");
            headers.push(("x-sdk-date".to_owned(), date));
            SdkRequest {
                method,
                path,
                query,
                headers,
                body,
                secret_key,
            }
        },
    )
}

impl SdkRequest {
    fn date(&self) -> &str {
        &self.headers.last().expect("x-sdk-date").1
    }

    /// Checks `auth` as the server does, `declared` sent as `X-Sdk-Content-Sha256` (not
    /// among the signed headers) and `body` as the body it read.
    fn verifies(
        &self,
        auth: &Authorization,
        declared: Option<String>,
        body: Option<&[u8]>,
    ) -> bool {
        let header = |name: &str| match name {
            "x-sdk-content-sha256" => declared.clone(),
            _ => self
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        };
        let req = Request {
            method: self.method,
            path: &self.path,
            query: &self.query,
            header: &header,
            body,
        };
        verify(&req, auth, self.date(), &self.secret_key)
    }

    /// The `Authorization` header the SDK would send.
    fn sign(&self) -> String {
        let header = |name: &str| {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let req = Request {
            method: self.method,
            path: &self.path,
            query: &self.query,
            header: &header,
            body: self.body.as_deref(),
        };
        let names: Vec<String> = self.headers.iter().map(|(n, _)| n.clone()).collect();
        let unsigned = Authorization {
            access_key: "AK".to_owned(),
            signed_headers: names.clone(),
            signature: String::new(),
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret_key.as_bytes()).unwrap();
        mac.update(string_to_sign(&req, &unsigned, self.date()).as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        header_text(&("AK".to_owned(), names, signature), 0)
    }
}

proptest! {
    #[test]
    fn a_header_from_valid_parts_reads_back(parts in parts(), order in 0..3usize) {
        let (access, names, signature) = &parts;
        let expected = Authorization {
            access_key: access.clone(),
            signed_headers: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
            signature: signature.to_ascii_lowercase(),
        };
        prop_assert_eq!(parse_authorization(&header_text(&parts, order)), Some(expected));
    }

    /// Any text: no panic, and what is read was in the header.
    #[test]
    fn any_header_is_read_or_refused(text in near_miss()) {
        if let Some(auth) = parse_authorization(&text) {
            prop_assert!(text.trim_start().starts_with(ALGORITHM));
            let access = format!("Access={}", auth.access_key);
            prop_assert!(text.contains(&access), "{:?}", text);
        }
    }

    /// A request signed with the SK verifies; with another SK, another path or another
    /// body (whatever unsigned hash is declared for it), it does not.
    #[test]
    fn a_signed_request_verifies_and_an_altered_one_does_not(
        req in sdk_request(),
        other_key in "[A-Z2-9]{40}",
        other_body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let auth = parse_authorization(&req.sign()).unwrap();
        let body = req.body.as_deref();
        prop_assert!(req.verifies(&auth, None, body));
        if other_key != req.secret_key {
            let other = SdkRequest { secret_key: other_key, ..req.clone() };
            prop_assert!(!other.verifies(&auth, None, body));
        }
        let moved = SdkRequest { path: format!("{}x", req.path), ..req.clone() };
        prop_assert!(!moved.verifies(&auth, None, body));
        if body.is_some_and(|b| b != other_body) {
            let declared = hex::encode(Sha256::digest(&other_body));
            prop_assert!(!req.verifies(&auth, Some(declared), Some(&other_body)));
            prop_assert!(!req.verifies(&auth, None, Some(&other_body)));
        }
    }

    #[test]
    fn sdk_dates_read_back(unix in 0..=LAST_SECOND) {
        prop_assert_eq!(parse_sdk_date(&sdk_date(unix)), Some(unix));
    }

    /// Any text: no panic, and an accepted date is the SDK's spelling of its time.
    #[test]
    fn an_accepted_sdk_date_is_the_spelling_of_its_time(
        text in prop_oneof![edited_date(), "[+-]?[0-9]{6,10}T?[0-9]{5,7}Z?", ".{0,20}"],
    ) {
        if let Some(unix) = parse_sdk_date(&text) {
            // `time` also reads a year with a `+` sign. Harmless: the date is signed as sent,
            // so no one without the SK can change it.
            prop_assert_eq!(sdk_date(unix), text.strip_prefix('+').unwrap_or(&text));
        }
    }
}
