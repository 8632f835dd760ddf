//! Huawei-style access keys (AK/SK), for the request signatures of Huawei Cloud's SDKs. The AK
//! is stored as a hash like any API key; the SK is never stored: it is derived from the
//! server's secret and the AK whenever a signature is checked.

use rand::RngCore;
use sha2::Sha256;

use crate::core::access::Caller;
use crate::core::model::{Role, Scopes};
use crate::core::users::{hash, new_credential};
use crate::core::Core;
use crate::error::{Error, Result};
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

/// The SK of an AK: 40 characters of HMAC-SHA256(server secret, AK).
pub fn secret_key(server_secret: &[u8; 32], access_key: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(server_secret).expect("any key length works");
    mac.update(access_key.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes
        .iter()
        .chain(bytes.iter())
        .take(40)
        .map(|b| AK_ALPHABET[(b & 31) as usize] as char)
        .collect()
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
    rand::thread_rng().fill_bytes(&mut raw);
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
        &access_key_hash(&access_key),
        &access_key,
    )?;
    Ok(NewAccessKey {
        secret_key: secret_key(server_secret, &access_key),
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
        .run(move |conn| Ok(sql::key_owner(conn, &key_hash)?))
        .await?;
    let (user, key_id, scopes) = owner.ok_or(Error::InvalidCredentials)?;
    Ok((
        Caller {
            user,
            key_id,
            scopes,
        },
        secret_key(&core.aksk_secret, access_key),
    ))
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
