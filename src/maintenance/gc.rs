//! `attache gc`: orphan files, stale temporary files and expired pending uploads.

use super::*;

/// Removes orphan files, stale temporary files and expired pending uploads; says what went.
pub fn gc(data_dir: &Path) -> Result<String> {
    ensure_store(data_dir)?;
    let core = Core::open(Config::new(data_dir.to_path_buf()), String::new())?;
    let expired = actix_web::rt::System::new()
        .block_on(pending::sweep(&core))
        .context("expiring pending uploads")?;
    let mut lines = Vec::new();
    let (orphans, misplaced) = remove_orphans(data_dir, &core.db, &core.blobs)?;
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
            "left {} under blobs/ alone (see attache fsck)",
            count(misplaced, "misplaced file", "misplaced files")
        ));
    }
    Ok(lines.join("\n"))
}

/// Removes each file no row names, each in its own short write transaction that checks
/// again that no row names it: an upload of that content either committed before (its row
/// keeps the file) or will place its own copy after. Returns what went, and how many files
/// were left alone because their names are not blob names.
fn remove_orphans(data_dir: &Path, db: &Db, blobs: &Blobs) -> Result<(Vec<(Sha256, u64)>, usize)> {
    let rows = read_blob_rows(db)?;
    let (named, misplaced) = scan_blob_files(data_dir, blobs)?;
    let mut removed = Vec::new();
    for sha in named.into_iter().filter(|sha| !rows.contains_key(sha)) {
        let gone = under_write_lock(db, |tx| {
            if blob_row_exists(tx, &sha).context("reading a blobs row")? {
                return Ok(None);
            }
            let size = file_len(&blobs.path_of(&sha))?;
            blobs
                .remove(&sha)
                .with_context(|| format!("removing orphan blob {}", sha.hex()))?;
            Ok(size)
        })?;
        removed.extend(gone.map(|size| (sha, size)));
    }
    Ok((removed, misplaced.len()))
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
