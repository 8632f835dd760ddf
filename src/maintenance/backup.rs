//! `attache backup` and `attache restore`: a consistent snapshot while the server runs, and
//! bringing it back into an empty data directory. A backup is always a folder (the database,
//! `blobs/sha256/…` and the key files), whichever store the files come from or go to.

use super::*;
use crate::store::migrate;
use rusqlite::Connection;

/// Copies a consistent snapshot into `to`: the database (online backup API), every blob it
/// names, and the key files. Under the write lock (which holds commits back briefly) the
/// database is copied and, on the local store, each named blob hard-linked into a staging
/// folder in `tmp/`, so a delete after that cannot take a blob the snapshot needs; the slow
/// copy runs after. From an object store the objects are copied after the lock, each checked
/// against its hash; one deleted meanwhile is named in the summary as missing.
pub fn backup(store: &StoreAt, to: &Path) -> Result<String> {
    refuse_postgres(store, "backup")?;
    let data_dir = store.data_dir;
    let (db, blobs) = open_store(store)?;
    refuse_backup_inside(data_dir, to)?;
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let staging = tempfile::Builder::new()
        .prefix("backup-")
        .tempdir_in(blobs.tmp_dir())
        .context("creating a staging folder in tmp/")?;
    let partial = to.join(PARTIAL_DATABASE);
    remove_database_files(&partial)?; // what an interrupted backup left
    let (staged, missing, copied) = if blobs.is_local() {
        let (staged, missing) = snapshot_and_stage(&db, &blobs, &partial, staging.path())?;
        let copied = copy_staged(&staged, staging.path(), to)?;
        (staged, missing, copied)
    } else {
        let rows = snapshot_and_stage(&db, &blobs, &partial, staging.path())?.0;
        copy_objects(&blobs, rows, to)?
    };
    let keys = copy_key_files(data_dir, to)?;
    publish_database(&partial, &to.join(DATABASE))?;
    staging.close().context("removing the staging folder")?;
    let mut summary = format!(
        "backed up the database, {} and {} into {}: {} copied ({}), {} already there",
        count(staged.len(), "blob", "blobs"),
        count(keys, "key file", "key files"),
        to.display(),
        copied.files,
        human(copied.bytes),
        copied.present,
    );
    summary.push_str(&missing_warning(&missing, "the store"));
    Ok(summary)
}

fn refuse_backup_inside(data_dir: &Path, to: &Path) -> Result<()> {
    ensure!(
        !resolved(to)?.starts_with(resolved(data_dir)?),
        "a backup inside the data directory would be lost with it: choose a folder outside {}",
        data_dir.display()
    );
    Ok(())
}

/// `path` made absolute, with the symbolic links of the part that exists resolved.
fn resolved(path: &Path) -> Result<PathBuf> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
    let existing = absolute
        .ancestors()
        .find(|dir| dir.exists())
        .context("the root folder exists")?;
    let canonical = existing
        .canonicalize()
        .with_context(|| format!("resolving {}", existing.display()))?;
    Ok(canonical.join(absolute.strip_prefix(existing)?))
}

/// Under the write lock, so that nothing commits meanwhile, copies the database to `partial`
/// and stages every blob it names. SQLite copies only from a connection that is not writing,
/// so a second connection makes the copy; it sees the state the lock holds still.
fn snapshot_and_stage(
    db: &Db,
    blobs: &Blobs,
    partial: &Path,
    staging: &Path,
) -> Result<(Vec<StoredBlob>, Vec<Sha256>)> {
    under_write_lock(db, |_locked| {
        let copy_and_stage = |conn: &mut Connection| -> Result<_> {
            sql::snapshot(conn, partial).context("copying the database")?;
            let rows = sql::blobs(&Conn::sqlite(conn)).context("reading the blobs table")?;
            stage(blobs, &rows, staging)
        };
        db.sqlite_now("backup", |conn| Ok(copy_and_stage(conn)))
            .context("opening a second database connection")?
    })
}

/// Hard-links the file of every row into `staging` (same file system: instant). Returns the
/// blobs staged, and those whose file is missing from the store (fsck reports them too).
/// On an object store nothing is staged: every row is returned for `copy_objects`.
fn stage(
    blobs: &Blobs,
    rows: &[StoredBlob],
    staging: &Path,
) -> Result<(Vec<StoredBlob>, Vec<Sha256>)> {
    let (mut staged, mut missing) = (Vec::new(), Vec::new());
    for row in rows {
        let Some(source) = blobs.local_path(&row.sha) else {
            staged.push(*row);
            continue;
        };
        match fs::hard_link(&source, staging.join(row.sha.hex())) {
            Ok(()) => staged.push(*row),
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(row.sha),
            Err(e) => return Err(e).with_context(|| format!("linking {}", source.display())),
        }
    }
    Ok((staged, missing))
}

#[derive(Default)]
struct Copied {
    files: usize,
    bytes: u64,
    present: usize,
}

/// Copies each staged blob to its place under `to`, skipping a file already there with the
/// right size (a repeated backup into one folder), and drops each staging link once done.
fn copy_staged(staged: &[StoredBlob], staging: &Path, to: &Path) -> Result<Copied> {
    let mut copied = Copied::default();
    let mut dirs = BTreeSet::new();
    for blob in staged {
        let link = staging.join(blob.sha.hex());
        let target = blob_path(to, &blob.sha);
        let size = file_len(&link)?.context("a staged blob vanished")?;
        if file_len(&target)? == Some(size) {
            copied.present += 1;
        } else {
            copied.bytes += copy_file(&link, &target)?;
            copied.files += 1;
            dirs.extend(folders_between(&target, to));
        }
        // Removing the link also keeps the staging folder fresh, so `gc` leaves it alone.
        fs::remove_file(&link).with_context(|| format!("removing {}", link.display()))?;
    }
    sync_dirs(&dirs)?;
    Ok(copied)
}

/// Copies the object of each row to its place under `to`, checking its hash on the way,
/// skipping a file already there with the right size. Returns the rows copied or present, the
/// blobs that had no object, and the counts.
fn copy_objects(
    blobs: &Blobs,
    rows: Vec<StoredBlob>,
    to: &Path,
) -> Result<(Vec<StoredBlob>, Vec<Sha256>, Copied)> {
    let (mut copied, mut done, mut missing) = (Copied::default(), Vec::new(), Vec::new());
    let mut dirs = BTreeSet::new();
    for row in rows {
        let target = blob_path(to, &row.sha);
        if file_len(&target)? == Some(row.size) {
            copied.present += 1;
            done.push(row);
            continue;
        }
        match fetch_verified(blobs, &row, &target) {
            Ok(()) => {}
            Err(e) if is_not_found(&e) => {
                missing.push(row.sha);
                continue;
            }
            Err(e) => return Err(e),
        }
        copied.files += 1;
        copied.bytes += row.size;
        dirs.extend(folders_between(&target, to));
        done.push(row);
    }
    sync_dirs(&dirs)?;
    Ok((done, missing, copied))
}

/// Writes the content of `row` from `blobs` to `target` durably, refusing content that does
/// not hash to its name.
fn fetch_verified(blobs: &Blobs, row: &StoredBlob, target: &Path) -> Result<()> {
    let dir = target.parent().context("a blob path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut staged = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    copy_verified(blobs, row, staged.as_file_mut())?;
    staged.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Brings a backup back into `store` (its data directory must hold no install yet): the
/// blobs its database names (into the store's blob store), the key files, and last the
/// database itself.
pub fn restore(from: &Path, store: &StoreAt) -> Result<String> {
    refuse_postgres(store, "restore")?;
    let data_dir = store.data_dir;
    let source = from.join(DATABASE);
    ensure!(
        source.is_file(),
        "{} is not an attache backup: it has no {DATABASE}",
        from.display()
    );
    refuse_unless_empty(data_dir)?;
    // A backup written by a newer attache is refused before anything is copied.
    migrate::refuse_newer(&source)?;
    let blobs = store.open_blobs()?;
    let partial = data_dir.join(PARTIAL_DATABASE);
    remove_database_files(&partial)?;
    copy_file(&source, &partial)?;
    // A backup taken by an older attache is brought to this one's schema before it is read.
    let migrated = migrate::migrate_file(&partial)
        .with_context(|| format!("migrating the database of {}", source.display()))?;
    migrated.log();
    let rows = sql::blobs_in_file(&partial)
        .with_context(|| format!("reading the blobs table of {}", source.display()))?;
    let (mut restored, mut bytes, mut missing) = (0, 0, Vec::new());
    for row in &rows {
        let source = blob_path(from, &row.sha);
        match blobs.put_path(&source, &row.sha) {
            Ok(_) => (restored, bytes) = (restored + 1, bytes + row.size),
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(row.sha),
            Err(e) => {
                return Err(e).with_context(|| format!("storing {}", source.display()));
            }
        }
    }
    let keys = copy_key_files(from, data_dir)?;
    publish_database(&partial, &data_dir.join(DATABASE))?;
    let mut summary = format!(
        "restored the database, {} ({}) and {} into {}",
        count(restored, "blob", "blobs"),
        human(bytes),
        count(keys, "key file", "key files"),
        data_dir.display()
    );
    summary.push_str(&missing_warning(&missing, "the backup"));
    Ok(summary)
}

fn refuse_unless_empty(data_dir: &Path) -> Result<()> {
    for name in [DATABASE, SIGNING_KEYS, AKSK_SECRET] {
        if data_dir.join(name).exists() {
            bail!(
                "{} already holds {name}: restore only into an empty or new data directory",
                data_dir.display()
            );
        }
    }
    if !files_below(&data_dir.join("blobs"))?.is_empty() {
        bail!(
            "{} already holds blobs: restore only into an empty or new data directory",
            data_dir.display()
        );
    }
    Ok(())
}
