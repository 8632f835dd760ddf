//! Huawei-style access keys (AK/SK), for the request signatures of Huawei Cloud's SDKs. The AK
//! is stored as a hash like any API key; the SK is never stored: it is derived from the
//! server's secret and the AK whenever a signature is checked.

use sha2::Sha256;

use crate::core::access::Caller;
use crate::core::users::{hash, new_credential, Credential};
use crate::core::Core;
use crate::domain::{Role, Scopes, Timestamp};
use crate::error::{Error, Result};
use crate::store::sql::shared;
use crate::store::sql::users as sql;
use crate::store::Db;

/// A new AK/SK pair; the SK is shown once.
pub struct NewAccessKey {
    pub access_key: String,
    pub secret_key: String,
}

const AK_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn access_key_hash(access_key: &str) -> [u8; 32] {
    hash(&format!("ak:{access_key}"))
}

/// How the SKs of new pairs are derived (`api_keys.sk_scheme`).
const SK_SCHEME: u8 = 2;

/// The SK of an AK: 40 characters from HMAC-SHA256(server secret, AK). Scheme 1 (attache
/// 0.1.0) took the low 5 bits of each byte and, short of bytes, repeated its first 8
/// characters at the end; scheme 2 packs the first 200 bits, 5 to a character. A pair keeps
/// its scheme, so no SK ever changes.
pub fn secret_key(server_secret: &[u8; 32], access_key: &str, scheme: u8) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(server_secret).expect("any key length works");
    mac.update(access_key.as_bytes());
    let bytes = mac.finalize().into_bytes();
    if scheme == 1 {
        return bytes
            .iter()
            .chain(bytes.iter())
            .take(40)
            .map(|b| AK_ALPHABET[(b & 31) as usize] as char)
            .collect();
    }
    // Base32 with the AK alphabet over the first 25 bytes (200 bits, 40 characters): a few
    // lines, where a base32 crate would need a custom alphabet spelled out anyway.
    let (mut sk, mut acc, mut held) = (String::with_capacity(40), 0u32, 0);
    for &byte in &bytes[..25] {
        (acc, held) = ((acc << 8) | u32::from(byte), held + 8);
        while held >= 5 {
            held -= 5;
            sk.push(AK_ALPHABET[((acc >> held) & 31) as usize] as char);
        }
    }
    sk
}

/// Creates an AK/SK pair for `user_name` (the user is created when missing, as for keys).
pub fn create_access_key(
    db: &Db,
    server_secret: &[u8; 32],
    user_name: &str,
    role: Role,
    scopes: Option<Scopes>,
    label: &str,
) -> Result<NewAccessKey> {
    let mut raw = [0u8; 20];
    crate::random::fill(&mut raw);
    let access_key: String = raw
        .iter()
        .map(|b| AK_ALPHABET[(b & 31) as usize] as char)
        .collect();
    new_credential(
        db,
        user_name,
        role,
        scopes,
        label,
        Credential {
            key_hash: &access_key_hash(&access_key),
            prefix: &access_key,
            sk_scheme: Some(SK_SCHEME),
        },
    )?;
    Ok(NewAccessKey {
        secret_key: secret_key(server_secret, &access_key, SK_SCHEME),
        access_key,
    })
}

/// The caller an access key belongs to, and its secret key, for checking a signature.
pub async fn access_key_owner(core: &Core, access_key: &str) -> Result<(Caller, String)> {
    if access_key.is_empty() || access_key.len() > 64 {
        return Err(Error::InvalidCredentials);
    }
    let key_hash = access_key_hash(access_key);
    let owner = core
        .db
        .run(move |conn| {
            let owner = sql::key_owner(conn, &key_hash)?;
            Ok(owner.zip(sql::sk_scheme(conn, &key_hash)?))
        })
        .await?;
    let ((user, key_id, scopes), scheme) = owner.ok_or(Error::InvalidCredentials)?;
    Ok((
        Caller {
            user,
            key_id,
            scopes,
        },
        secret_key(&core.aksk_secret, access_key, scheme),
    ))
}

/// Records an AK/SK signature as served (usable until `until`, Unix seconds); `false` if it
/// was served before: by this node (in memory), or with a shared database by any node.
pub async fn first_use(core: &Core, signature: &str, until: i64, now: i64) -> Result<bool> {
    if !core.db.is_postgres() {
        return Ok(core.seen_signatures.first_use(signature, until, now));
    }
    let signature = signature.as_bytes().to_vec();
    let expires = Timestamp::from_unix(until).ok_or(Error::InvalidCredentials)?;
    core.db
        .run(move |conn| Ok(shared::first_sighting(conn, &signature, &expires)?))
        .await
}

/// The signatures of AK/SK requests already accepted, until their `X-Sdk-Date` leaves the
/// window in which it is accepted: a signed request seen by someone else cannot be sent again.
/// Only verified signatures are kept, so only key holders fill it, and the rate limit bounds
/// them; past `CAPACITY` the oldest half is dropped.
#[derive(Default)]
pub struct SeenSignatures {
    seen: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl SeenSignatures {
    const CAPACITY: usize = 100_000;

    /// Records `signature` (usable until `until`, Unix seconds); `false` if it was seen before.
    pub fn first_use(&self, signature: &str, until: i64, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= Self::CAPACITY {
            seen.retain(|_, expires| *expires >= now);
        }
        if seen.len() >= Self::CAPACITY {
            let mut ends: Vec<i64> = seen.values().copied().collect();
            let (_, median, _) = ends.select_nth_unstable(Self::CAPACITY / 2);
            let median = *median;
            seen.retain(|_, expires| *expires > median);
        }
        match seen.get(signature) {
            Some(expires) if *expires >= now => false,
            _ => {
                seen.insert(signature.to_owned(), until);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, finding 12: the SK repeated its first 8 characters at its end. Scheme 1 stays
    /// exactly as 0.1.0 derived it (pinned), so the pairs it made keep working.
    #[test]
    fn secret_keys_by_scheme() {
        let secret = [7u8; 32];
        let old = secret_key(&secret, "AKEXAMPLE", 1);
        // Both values computed apart from this code (Python's hmac, the same two rules).
        assert_eq!(old, "AAVUZZFM6WUPHZR3JBLLGTX6JHHVXLUGAAVUZZFM");
        assert_eq!(
            old[..8],
            old[32..],
            "scheme 1's repetition, kept for old pairs"
        );
        let new = secret_key(&secret, "AKEXAMPLE", 2);
        assert_eq!(new, "ABADGWYZG6U2ZRAWQLGWQP9RHFELDLTL2329MZGJ");
        assert_ne!(new[..8], new[32..]);
        assert!(new.bytes().all(|c| AK_ALPHABET.contains(&c)));
        // Every character is 5 bits of the MAC: flipping the AK changes most of them.
        let other = secret_key(&secret, "AKEXAMPLF", 2);
        assert!(
            new.bytes()
                .zip(other.bytes())
                .filter(|(a, b)| a != b)
                .count()
                > 30
        );
    }

    #[test]
    fn a_signature_is_accepted_once_within_its_window() {
        let seen = SeenSignatures::default();
        assert!(seen.first_use("abc", 100, 0));
        assert!(!seen.first_use("abc", 100, 50));
        assert!(seen.first_use("def", 100, 50));
        // Past its window the date check refuses it anyway; the entry may be reused.
        assert!(seen.first_use("abc", 300, 101));
    }
}
