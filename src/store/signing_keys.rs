//! The keys that sign download URLs and the server's secrets. A single node keeps them in its
//! data directory: `signing-keys`, one `<kid> <64 hex>` line per HMAC key, newest last, and
//! `aksk-secret`, both mode 0600. Several key lines are kept so URLs signed before a rotation
//! stay valid until they expire. Nodes that share a PostgreSQL database keep both in it
//! (migration 8), so a rotation on one node signs on all of them within a second.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::domain::now;
use crate::error::Result;
use crate::signing::{Keyring, SigningKey};
use crate::store::sql::shared as sql;
use crate::store::Db;

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
    crate::random::fill(&mut secret);
    let mut kid = [0u8; 4];
    crate::random::fill(&mut kid);
    SigningKey {
        kid: hex::encode(kid),
        secret,
    }
}

fn parse(text: &str) -> Option<Keyring> {
    parse_keys(text).and_then(Keyring::new)
}

fn parse_keys(text: &str) -> Option<Vec<SigningKey>> {
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
    Some(keys)
}

/// The keys of a `signing-keys` file, oldest first, without creating it: `None` when there is
/// no such file.
pub fn read_keys(path: &Path) -> io::Result<Option<Vec<SigningKey>>> {
    let text = match fs::read_to_string(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        text => text?,
    };
    parse_keys(&text)
        .map(Some)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed signing-keys file"))
}

/// The secret of a file `load_or_create_secret` made, without creating it: `None` when there
/// is no such file.
pub fn read_secret(path: &Path) -> io::Result<Option<[u8; 32]>> {
    let text = match fs::read_to_string(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        text => text?,
    };
    let mut secret = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut secret)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "malformed secret file"))?;
    Ok(Some(secret))
}

/// A 32-byte server secret kept in its own 0600 file (for example, the one Huawei secret
/// keys are derived from), created on first use.
pub fn load_or_create_secret(path: &Path) -> io::Result<[u8; 32]> {
    if !path.exists() {
        let mut secret = [0u8; 32];
        crate::random::fill(&mut secret);
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

/// The signing keys of a running server, re-read when `attache secret rotate` replaces the
/// file (its modification time is looked at no more than once a second), or, in a shared
/// database, when `follow` sees a newer key there.
pub struct LiveKeyring {
    /// The file; `None` when the keys are in the database.
    path: Option<PathBuf>,
    state: Mutex<Loaded>,
}

struct Loaded {
    keyring: Arc<Keyring>,
    modified: Option<SystemTime>,
    checked: Instant,
    /// In the database: the newest key's `seq` when last read.
    newest: Option<i64>,
}

const RECHECK: Duration = Duration::from_secs(1);

impl LiveKeyring {
    pub fn open(path: &Path) -> io::Result<LiveKeyring> {
        let keyring = Arc::new(load_or_create(path)?);
        let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
        let state = Mutex::new(Loaded {
            keyring,
            modified,
            checked: Instant::now(),
            newest: None,
        });
        Ok(LiveKeyring {
            path: Some(path.to_owned()),
            state,
        })
    }

    /// The keys in the shared database, the first one made if there is none yet.
    pub fn open_shared(db: &Db) -> Result<LiveKeyring> {
        let (keys, newest) = db.write_now(|tx| {
            if sql::signing_keys(tx)?.is_empty() {
                sql::insert_signing_key(tx, &generate(), &now())?;
            }
            Ok((sql::signing_keys(tx)?, sql::newest_signing_key(tx)?))
        })?;
        let keyring = Keyring::new(keys).expect("at least one key");
        let state = Mutex::new(Loaded {
            keyring: Arc::new(keyring),
            modified: None,
            checked: Instant::now(),
            newest,
        });
        Ok(LiveKeyring { path: None, state })
    }

    /// With the keys in the database: re-reads them when another node (or `attache secret
    /// rotate`) added one. The server calls it every second.
    pub async fn follow(&self, db: &Db) -> Result<()> {
        if self.path.is_some() {
            return Ok(());
        }
        let newest = db.run(|conn| Ok(sql::newest_signing_key(conn)?)).await?;
        if newest == self.lock().newest {
            return Ok(());
        }
        let keys = db.run(|conn| Ok(sql::signing_keys(conn)?)).await?;
        if let Some(keyring) = Keyring::new(keys) {
            let mut loaded = self.lock();
            loaded.keyring = Arc::new(keyring);
            loaded.newest = newest;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The keys as the file has them now. A file that cannot be read keeps the last good keys.
    pub fn current(&self) -> Arc<Keyring> {
        let mut loaded = self.lock();
        let Some(path) = &self.path else {
            return loaded.keyring.clone();
        };
        if loaded.checked.elapsed() >= RECHECK {
            loaded.checked = Instant::now();
            let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
            if modified != loaded.modified {
                match load_or_create(path) {
                    Ok(keyring) => {
                        loaded.keyring = Arc::new(keyring);
                        loaded.modified = modified;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "keeping the signing keys loaded before")
                    }
                }
            }
        }
        loaded.keyring.clone()
    }
}

/// Appends a new key, which signs from now on; older keys stay to verify URLs they signed.
/// The file is replaced atomically (write, fsync, rename). Returns the new key id.
pub fn rotate(path: &Path) -> io::Result<String> {
    let mut text = fs::read_to_string(path)?;
    parse(&text)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed signing-keys file"))?;
    let key = generate();
    if !text.ends_with('\n') && !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&format!("{} {}\n", key.kid, hex::encode(key.secret)));
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut staged = tempfile::Builder::new()
        .prefix(".signing-keys")
        .tempfile_in(dir)?;
    staged.write_all(text.as_bytes())?;
    staged.as_file().sync_all()?;
    fs::set_permissions(staged.path(), fs::Permissions::from_mode(0o600))?;
    staged.persist(path).map_err(|e| e.error)?;
    fs::File::open(dir)?.sync_all()?;
    Ok(key.kid)
}

/// Adds a new signing key to the shared database; every node signs with it within a second.
pub fn rotate_shared(db: &Db) -> Result<String> {
    let key = generate();
    db.write_now(|tx| Ok(sql::insert_signing_key(tx, &key, &now())?))?;
    Ok(key.kid)
}

/// A 32-byte server secret in the shared database, made by the first node that asks.
pub fn load_or_create_shared_secret(db: &Db, name: &'static str) -> Result<[u8; 32]> {
    let mut fresh = [0u8; 32];
    crate::random::fill(&mut fresh);
    db.write_now(|tx| {
        sql::insert_server_secret(tx, name, &fresh)?;
        Ok(sql::server_secret(tx, name)?.expect("just stored"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rotation_adds_a_current_key_and_keeps_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing-keys");
        let before = load_or_create(&path).unwrap();
        let kid = rotate(&path).unwrap();
        let after = load_or_create(&path).unwrap();
        assert_eq!(after.current().kid, kid);
        assert_ne!(kid, before.current().kid);
        let grant = crate::signing::Grant {
            attachment_id: crate::ids::Id::new(),
            filename: "a.txt".into(),
            expires: 100,
            disposition: crate::signing::Disposition::Attachment,
        };
        let (old_kid, sig) = before.sign(&grant);
        assert!(
            after.verify(&grant, &old_kid, &sig, 0).is_ok(),
            "old URLs still verify"
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
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
