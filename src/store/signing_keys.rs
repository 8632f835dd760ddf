//! The `signing-keys` file: one `<kid> <64 hex>` line per HMAC key, newest last, mode 0600.
//! Several lines are kept so URLs signed before a rotation stay valid until they expire.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rand::RngCore;

use crate::signing::{Keyring, SigningKey};

pub fn load_or_create(path: &Path) -> io::Result<Keyring> {
    if !path.exists() {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        let key = generate();
        writeln!(file, "{} {}", key.kid, hex::encode(key.secret))?;
        file.sync_all()?;
    }
    parse(&fs::read_to_string(path)?)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed signing-keys file"))
}

fn generate() -> SigningKey {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let mut kid = [0u8; 4];
    rand::thread_rng().fill_bytes(&mut kid);
    SigningKey {
        kid: hex::encode(kid),
        secret,
    }
}

fn parse(text: &str) -> Option<Keyring> {
    let mut keys = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (kid, secret) = line.trim().split_once(' ')?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(secret, &mut bytes).ok()?;
        keys.push(SigningKey {
            kid: kid.to_owned(),
            secret: bytes,
        });
    }
    Keyring::new(keys)
}

/// A 32-byte server secret kept in its own 0600 file (for example, the one Huawei secret
/// keys are derived from), created on first use.
pub fn load_or_create_secret(path: &Path) -> io::Result<[u8; 32]> {
    if !path.exists() {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        writeln!(file, "{}", hex::encode(secret))?;
        file.sync_all()?;
    }
    let mut secret = [0u8; 32];
    hex::decode_to_slice(fs::read_to_string(path)?.trim(), &mut secret)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "malformed secret file"))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing-keys");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.current().kid, again.current().kid);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_secret_is_created_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aksk-secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
