//! `attache migrate-blobs --to STORE`: copies every blob the database names from the store in
//! use to another one (local to S3, S3 to local, bucket to bucket), each checked against its
//! SHA-256 on the way. It only adds to the target, so it is safe while the server runs and
//! resumable: a second run skips what is already there and copies what arrived since.

use super::*;

/// Copies what `target` lacks; says how much it copied, skipped and could not find.
pub fn migrate_blobs(store: &StoreAt, target: &BlobLocation) -> Result<String> {
    let (db, source) = open_store(store)?;
    let target = open_blobs(store.data_dir, target)?;
    ensure!(
        source.describe() != target.describe(),
        "the blobs are already in {}",
        target.describe()
    );
    let rows = db
        .run_now(|conn| Ok(sql::blobs(conn)))?
        .context("reading the blobs table")?;
    let (mut copied, mut bytes, mut present, mut gone) = (0, 0, 0, Vec::new());
    for row in &rows {
        let stored = target.size_of(&row.sha).with_context(|| {
            format!("looking up blob {} in {}", row.sha.hex(), target.describe())
        })?;
        if stored == Some(row.size) {
            present += 1;
            continue;
        }
        match copy_verified_into(&source, &target, row) {
            Ok(()) => (copied, bytes) = (copied + 1, bytes + row.size),
            // Deleted since the rows were read (or missing: `fsck` names it).
            Err(e) if is_not_found(&e) => gone.push(row.sha),
            Err(e) => return Err(e),
        }
    }
    let mut summary = format!(
        "copied {} ({}) from {} to {}; {} already there",
        count(copied, "blob", "blobs"),
        human(bytes),
        source.describe(),
        target.describe(),
        present
    );
    summary.push_str(&missing_warning(&gone, &source.describe()));
    Ok(summary)
}

/// Stages the blob of `row` from `source` in `tmp/`, checked against its hash, then stores it
/// in `target`.
fn copy_verified_into(source: &Blobs, target: &Blobs, row: &StoredBlob) -> Result<()> {
    let mut staged = source.new_temp().context("staging in tmp/")?;
    copy_verified(source, row, staged.as_file_mut())?;
    target
        .put_path(staged.path(), &row.sha)
        .with_context(|| format!("storing blob {} in {}", row.sha.hex(), target.describe()))?;
    Ok(())
}
