//! The store's upkeep, for the command line: fsck, gc, backup, restore and migrate-blobs, each
//! safe while the server runs, on either blob store; and migrate-db, which wants it stopped.
//! An upload makes sure its content is stored and inserts its row inside one write transaction
//! (`BEGIN IMMEDIATE`), so whatever here decides that a blob is an orphan, or which blobs a
//! snapshot names, decides it under that same lock.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::store::sql::Conn;
use anyhow::{bail, ensure, Context, Result};
use sha2::Digest;

use crate::config::Config;
use crate::core::{pending, Core, AKSK_SECRET, SIGNING_KEYS};
use crate::domain::Sha256;
use crate::metrics::ObjectStoreMetrics;
use crate::store::blobs::{self, blob_path, BlobLocation};
use crate::store::sql::attachments::blob_row_exists;
use crate::store::sql::maintenance::{self as sql, StoredBlob};
use crate::store::{Blobs, Db};

use crate::store::db::DATABASE_FILE as DATABASE;
use crate::store::Database;
/// What a backup or restore writes the database to before it is complete.
const PARTIAL_DATABASE: &str = "attache.db.partial";
const KEY_FILES: [&str; 2] = [SIGNING_KEYS, AKSK_SECRET];
/// A temporary file untouched this long belongs to no live upload (the server cuts off an
/// upload idle for 60 s) nor to a running backup (which touches its folder as it copies).
const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

mod backup;
mod fsck;
mod gc;
mod migrate_blobs;
mod migrate_db;

pub use backup::{backup, restore};
pub use fsck::{fsck, FsckReport, Problem};
pub use gc::gc;
pub use migrate_blobs::migrate_blobs;
pub use migrate_db::migrate_db;

/// Refuses a directory that holds no store, rather than creating one in it.
fn ensure_store(store: &StoreAt) -> Result<()> {
    let data_dir = store.data_dir;
    if store.database.is_postgres() {
        ensure!(data_dir.is_dir(), "{} does not exist", data_dir.display());
        return Ok(());
    }
    ensure!(
        data_dir.join(DATABASE).is_file(),
        "{} holds no attache store (no {DATABASE})",
        data_dir.display()
    );
    Ok(())
}

/// Backup and restore copy the SQLite file; PostgreSQL has its own tools for that.
fn refuse_postgres(store: &StoreAt, what: &str) -> Result<()> {
    ensure!(
        !store.database.is_postgres(),
        "{what} works on the SQLite database; with PostgreSQL ({}), back up the database with \
         pg_dump and the blob store with its own tools (see the README)",
        store.database
    );
    Ok(())
}

/// An install as the command line names it: its data directory and its blob store.
#[derive(Clone, Copy)]
pub struct StoreAt<'a> {
    pub data_dir: &'a Path,
    pub blobs: &'a BlobLocation,
    pub database: &'a Database,
}

impl StoreAt<'_> {
    fn open_blobs(&self) -> Result<Blobs> {
        open_blobs(self.data_dir, self.blobs)
    }
}

fn open_blobs(data_dir: &Path, location: &BlobLocation) -> Result<Blobs> {
    Blobs::open(data_dir, location, ObjectStoreMetrics::default())
        .with_context(|| format!("opening the blob store ({location})"))
}

/// The database and blobs of an existing install.
fn open_store(store: &StoreAt) -> Result<(Db, Blobs)> {
    ensure_store(store)?;
    let db = Db::open(store.database)?;
    Ok((db, store.open_blobs()?))
}

/// Lists the store, naming it when that fails.
fn list_blobs(blobs: &Blobs) -> Result<blobs::Listing> {
    blobs
        .list()
        .with_context(|| format!("listing the blob store ({})", blobs.describe()))
}

/// Runs `job` inside a write transaction (`BEGIN IMMEDIATE`). Its errors come back as they
/// are, not as the server's generic internal error; it writes nothing, so none needs undoing.
fn under_write_lock<R: Send>(db: &Db, job: impl FnOnce(&Conn) -> Result<R> + Send) -> Result<R> {
    db.write_now(|tx| Ok(job(tx)))
        .context("taking the database's write lock")?
}

fn read_blob_rows(db: &Db) -> Result<HashMap<Sha256, u64>> {
    let rows = db
        .run_now(|conn| Ok(sql::blobs(conn)))?
        .context("reading the blobs table")?;
    Ok(rows.into_iter().map(|b| (b.sha, b.size)).collect())
}

/// Every file (anything but a folder) below `dir`, sorted; none when `dir` does not exist.
fn files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let (mut found, mut folders) = (Vec::new(), vec![dir.to_path_buf()]);
    while let Some(folder) = folders.pop() {
        let entries = match fs::read_dir(&folder) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            entries => entries.with_context(|| format!("listing {}", folder.display()))?,
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", folder.display()))?;
            let kind = entry
                .file_type()
                .with_context(|| format!("reading {}", entry.path().display()))?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The length of a file, or `None` when there is none.
fn file_len(path: &Path) -> Result<Option<u64>> {
    match fs::metadata(path) {
        Ok(meta) => Ok(Some(meta.len())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The SHA-256 of a stored blob's content, read as a stream.
fn hash_blob(blobs: &Blobs, sha: &Sha256, size: u64) -> io::Result<Sha256> {
    let mut hasher = sha2::Sha256::new();
    blobs.copy_to(sha, size, &mut hasher)?;
    Ok(Sha256(hasher.finalize().into()))
}

/// Copies the content of `row` from `blobs` into `staged` and syncs it, refusing content that
/// does not hash to its name (backup and migrate-blobs never copy a damaged blob on).
fn copy_verified(blobs: &Blobs, row: &StoredBlob, staged: &mut File) -> Result<()> {
    let mut hashing = HashingWriter::new(&mut *staged);
    blobs.copy_to(&row.sha, row.size, &mut hashing)?;
    let actual = hashing.finish();
    ensure!(
        actual == row.sha,
        "blob {} in {} hashes to {}: not copied (see attache fsck --verify-content)",
        row.sha.hex(),
        blobs.describe(),
        actual.hex()
    );
    staged.sync_all()?;
    Ok(())
}

/// The warning that ends a summary when blobs the database names had no content in `place`.
fn missing_warning(missing: &[Sha256], place: &str) -> String {
    if missing.is_empty() {
        return String::new();
    }
    let list: Vec<String> = missing.iter().map(Sha256::hex).collect();
    format!(
        "\nwarning: {} named by the database had no file in {place}: {}",
        count(missing.len(), "blob", "blobs"),
        list.join(", ")
    )
}

/// Passes what is written on to `inner`, hashing it on the way.
struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
}

impl<W: io::Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    fn finish(self) -> Sha256 {
        Sha256(self.hasher.finalize().into())
    }
}

impl<W: io::Write> io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `from` to `to` durably: into a temporary file beside `to`, fsynced, then renamed,
/// so `to` is never seen half written. The caller syncs the folder. Returns the bytes copied.
fn copy_file(from: &Path, to: &Path) -> Result<u64> {
    let dir = to.parent().context("a file path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut source = File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut staged = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let copying = || format!("copying {} to {}", from.display(), to.display());
    let bytes = io::copy(&mut source, staged.as_file_mut()).with_context(copying)?;
    staged.as_file().sync_all().with_context(copying)?;
    staged
        .persist(to)
        .map_err(|e| e.error)
        .with_context(copying)?;
    Ok(bytes)
}

fn is_not_found(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
}

/// Copies the key files that exist in `from` (0600, like the originals); returns how many.
fn copy_key_files(from: &Path, to: &Path) -> Result<usize> {
    let mut copied = 0;
    for name in KEY_FILES {
        if from.join(name).is_file() {
            copy_file(&from.join(name), &to.join(name))?;
            copied += 1;
        }
    }
    sync_dir(to)?;
    Ok(copied)
}

/// Puts a complete database copy in place, last, so an interrupted backup or restore never
/// leaves a database that names blobs not yet copied.
fn publish_database(partial: &Path, target: &Path) -> Result<()> {
    // The database holds key hashes and every file name: as private as the key files.
    fs::set_permissions(partial, fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", partial.display()))?;
    File::open(partial)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("syncing {}", partial.display()))?;
    // Side files of an earlier database would be read as this one's.
    remove_side_files(target)?;
    fs::rename(partial, target)
        .with_context(|| format!("renaming {} to {}", partial.display(), target.display()))?;
    sync_dir(target.parent().context("a file path has a parent")?)
}

/// Removes a database file and its side files (`-wal`, `-shm`, `-journal`) when present.
fn remove_database_files(path: &Path) -> Result<()> {
    remove_if_present(path)?;
    remove_side_files(path)
}

fn remove_side_files(path: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        remove_if_present(Path::new(&side))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The folders from the one holding `file` up to `root`, inclusive: what to sync so that
/// new entries in them survive a crash.
fn folders_between(file: &Path, root: &Path) -> Vec<PathBuf> {
    file.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root))
        .map(Path::to_path_buf)
        .collect()
}

fn sync_dirs(dirs: &BTreeSet<PathBuf>) -> Result<()> {
    dirs.iter().try_for_each(|dir| sync_dir(dir))
}

fn sync_dir(dir: &Path) -> Result<()> {
    blobs::sync_dir(dir).with_context(|| format!("syncing {}", dir.display()))
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A size a person reads at a glance: `512 B`, `3.4 MiB`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = None;
    for name in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = Some(name);
    }
    match unit {
        None => format!("{bytes} B"),
        Some(unit) => format!("{value:.1} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_at_a_glance() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(3_565_158), "3.4 MiB");
        assert_eq!(count(1, "blob", "blobs"), "1 blob");
        assert_eq!(count(12, "blob", "blobs"), "12 blobs");
    }

    #[test]
    fn the_folders_to_sync_stop_at_the_root() {
        let root = Path::new("/b");
        let found = folders_between(Path::new("/b/blobs/sha256/ab/cd/abcd"), root);
        let expected = [
            "/b/blobs/sha256/ab/cd",
            "/b/blobs/sha256/ab",
            "/b/blobs/sha256",
        ];
        assert_eq!(found[..3], expected.map(PathBuf::from));
        assert_eq!(found.last().map(PathBuf::as_path), Some(root));
    }
}
