//! `attache gc`: orphan blobs, stale temporary files and expired pending uploads.

use super::*;
use crate::store::duty::{Duty, DutyLock};

/// How long an orphan object stays on an object store by default: an upload writes its
/// object before its row commits, and re-writing one that `gc` took meanwhile would happen
/// inside the write lock. Locally, putting a file back is a rename, so no grace is needed.
pub const OBJECT_STORE_GRACE: Duration = Duration::from_secs(15 * 60);

/// Removes orphan blobs at least `grace` old (by default none locally, 15 minutes on an object
/// store), stale temporary files and expired pending uploads; says what went.
pub fn gc(store: &StoreAt, grace: Option<Duration>) -> Result<String> {
    let data_dir = store.data_dir;
    ensure_store(store)?;
    let mut config = Config::new(data_dir.to_path_buf());
    config.blob_store = store.blobs.clone();
    config.database = Some(store.database.clone());
    let grace = grace.unwrap_or(match store.blobs {
        BlobLocation::Local => Duration::ZERO,
        BlobLocation::Object(_) => OBJECT_STORE_GRACE,
    });
    let core = Core::open(config, String::new())?;
    // One at a time with the servers' sweeps, on every node (a no-op on SQLite).
    let duty = DutyLock::new(&core.db, Duty::Sweep);
    duty.take_now().context("waiting for the sweep's lock")?;
    let expired = actix_web::rt::System::new()
        .block_on(pending::sweep(&core))
        .context("expiring pending uploads")?;
    let mut lines = Vec::new();
    let (orphans, misplaced) = remove_orphans(&core.db, &core.blobs, grace)?;
    for (sha, size) in &orphans {
        lines.push(format!(
            "removed orphan blob {} ({})",
            sha.hex(),
            human(*size)
        ));
    }
    let stale = remove_stale_temporaries(core.blobs.tmp_dir())?;
    for path in &stale {
        let shown = path.strip_prefix(data_dir).unwrap_or(path);
        lines.push(format!("removed stale temporary {}", shown.display()));
    }
    lines.push(format!(
        "expired {}; removed {} ({}) and {}",
        count(expired, "pending upload", "pending uploads"),
        count(orphans.len(), "orphan file", "orphan files"),
        human(orphans.iter().map(|(_, size)| size).sum()),
        count(stale.len(), "stale temporary", "stale temporaries"),
    ));
    if misplaced > 0 {
        lines.push(format!(
            "left {} in the blob store alone (see attache fsck)",
            count(misplaced, "misplaced file", "misplaced files")
        ));
    }
    Ok(lines.join("\n"))
}

/// Removes each blob no row names and older than `grace`, each in its own short write
/// transaction that checks again that no row names it: an upload of that content either
/// committed before (its row keeps the blob) or will store its own copy after. Returns what
/// went, and how many names were left alone because they are not blob names.
fn remove_orphans(db: &Db, blobs: &Blobs, grace: Duration) -> Result<(Vec<(Sha256, u64)>, usize)> {
    let rows = read_blob_rows(db)?;
    let listing = list_blobs(blobs)?;
    let now = SystemTime::now();
    let old_enough =
        |modified: SystemTime| now.duration_since(modified).unwrap_or_default() >= grace;
    let mut removed = Vec::new();
    for blob in listing.blobs {
        if rows.contains_key(&blob.sha) || !old_enough(blob.modified) {
            continue;
        }
        let sha = blob.sha;
        let gone = under_write_lock(db, |tx| {
            if blob_row_exists(tx, &sha).context("reading a blobs row")? {
                return Ok(false);
            }
            blobs
                .remove(&sha)
                .with_context(|| format!("removing orphan blob {}", sha.hex()))?;
            Ok(true)
        })?;
        if gone {
            removed.push((sha, blob.size));
        }
    }
    Ok((removed, listing.misplaced.len()))
}

/// Removes what in `tmp/` has not been modified for `STALE_AFTER`: files of uploads that
/// died, and staging folders of backups that did.
fn remove_stale_temporaries(tmp: &Path) -> Result<Vec<PathBuf>> {
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for entry in fs::read_dir(tmp).with_context(|| format!("listing {}", tmp.display()))? {
        let entry = entry.with_context(|| format!("listing {}", tmp.display()))?;
        let path = entry.path();
        let meta = match entry.metadata() {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // an upload just placed
            meta => meta.with_context(|| format!("reading {}", path.display()))?,
        };
        let modified = meta
            .modified()
            .with_context(|| format!("reading {}", path.display()))?;
        if now.duration_since(modified).unwrap_or_default() < STALE_AFTER {
            continue;
        }
        let outcome = if meta.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        match outcome {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {} // its owner removed it
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    removed.sort();
    Ok(removed)
}
