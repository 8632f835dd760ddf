//! The local blob store: files at `blobs/sha256/ab/cd/<64 hex>` below the data directory. A
//! staged upload (fsynced in `tmp/`) is hard-linked or renamed into place, and the folder
//! synced, so a placed blob survives a crash.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use actix_web::web::BytesMut;
use tempfile::NamedTempFile;

use super::{ListedBlob, Listing};
use crate::domain::Sha256;

/// Where the file of `sha` lives below a data directory (or below a backup of one).
pub fn blob_path(data_dir: &Path, sha: &Sha256) -> PathBuf {
    let hex = sha.hex();
    let shard = data_dir
        .join("blobs")
        .join("sha256")
        .join(&hex[0..2])
        .join(&hex[2..4]);
    shard.join(hex)
}

/// Blobs as files below the data directory.
#[derive(Clone, Debug)]
pub struct LocalBlobs {
    data_dir: PathBuf,
    root: PathBuf,
}

impl LocalBlobs {
    /// Creates the folders when missing.
    pub fn open(data_dir: &Path) -> io::Result<LocalBlobs> {
        let blobs = LocalBlobs {
            data_dir: data_dir.to_owned(),
            root: data_dir.join("blobs").join("sha256"),
        };
        fs::create_dir_all(&blobs.root)?;
        Ok(blobs)
    }

    pub fn path_of(&self, sha: &Sha256) -> PathBuf {
        blob_path(&self.data_dir, sha)
    }

    /// Makes the content of `staged` (already written and fsynced) durable under its hash,
    /// ahead of the write transaction: a hard link, and the folder synced, outside the write
    /// lock and beside other uploads' syncs. (Inside the lock, each upload's folder sync
    /// serialised all uploads: one fsync each, on top of the database's.) `staged` stays for
    /// `place`. Returns whether a new file was made (which the caller removes if its
    /// transaction fails).
    pub fn place_early(&self, staged: &NamedTempFile, sha: &Sha256) -> io::Result<bool> {
        let target = self.path_of(sha);
        if target.exists() {
            return Ok(false);
        }
        self.make_folders(&target)?;
        match fs::hard_link(staged.path(), &target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(e),
        }
        sync_dir(target.parent().expect("blob paths have a parent"))?;
        Ok(true)
    }

    /// Makes sure the content of `staged` is stored under its hash; after `place_early` this is
    /// one `stat`. Call it inside the write transaction that records the blob, so it cannot
    /// interleave with a delete removing the file (then it is placed again here).
    pub fn place(&self, staged: NamedTempFile, sha: &Sha256) -> io::Result<()> {
        let target = self.path_of(sha);
        if target.exists() {
            return Ok(()); // `staged` is removed when dropped
        }
        self.make_folders(&target)?;
        staged.persist(&target).map_err(|e| e.error)?;
        sync_dir(target.parent().expect("blob paths have a parent"))
    }

    fn make_folders(&self, target: &Path) -> io::Result<()> {
        let dir = target.parent().expect("blob paths have a parent");
        if !dir.exists() {
            fs::create_dir_all(dir)?;
            // The new folders must survive a crash too: sync them and their parents.
            sync_dir(dir.parent().expect("two levels"))?;
            sync_dir(&self.root)?;
        }
        Ok(())
    }

    /// Removes the file of a blob; a missing file is not an error.
    pub fn remove(&self, sha: &Sha256) -> io::Result<()> {
        let path = self.path_of(sha);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(path.parent().expect("blob paths have a parent")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub fn open_blob(&self, sha: &Sha256) -> io::Result<File> {
        File::open(self.path_of(sha))
    }
}

impl LocalBlobs {
    /// Every file below `blobs/`: the blobs among them, and the paths (relative to the data
    /// directory) of those whose name or place is not a blob's.
    pub fn list(&self) -> io::Result<Listing> {
        let mut listing = Listing::default();
        let mut folders = vec![self.data_dir.join("blobs")];
        while let Some(folder) = folders.pop() {
            let entries = match fs::read_dir(&folder) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                entries => entries?,
            };
            for entry in entries {
                let entry = entry?;
                let path = entry.path();
                let meta = match entry.metadata() {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // just removed
                    meta => meta?,
                };
                if meta.is_dir() {
                    folders.push(path);
                    continue;
                }
                let sha = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .and_then(Sha256::parse)
                    .filter(|sha| self.path_of(sha) == path);
                match sha {
                    Some(sha) => listing.blobs.push(ListedBlob {
                        sha,
                        size: meta.len(),
                        modified: meta.modified()?,
                    }),
                    None => {
                        let shown = path.strip_prefix(&self.data_dir).unwrap_or(&path);
                        listing.misplaced.push(shown.display().to_string());
                    }
                }
            }
        }
        listing.blobs.sort_by_key(|blob| blob.sha.hex());
        listing.misplaced.sort();
        Ok(listing)
    }
}

/// Appends up to `want` bytes of `file` from `offset` to `buf`, but only what the page cache
/// already holds: `preadv2` with `RWF_NOWAIT` returns at once instead of waiting for the disk.
/// `Ok(None)` means "would wait" (or a kernel or file system that cannot tell): read on the
/// blocking pool instead. This lets an async worker serve a hot file without a thread hop,
/// while a cold read never stalls it. No crate wraps this with an uninitialised buffer
/// (rustix's `preadv2` wants initialised slices, and zeroing each chunk costs ~8 % of a 100 KB
/// download), hence the few lines of `unsafe`.
pub fn read_cached(
    file: &File,
    buf: &mut BytesMut,
    want: usize,
    offset: u64,
) -> io::Result<Option<usize>> {
    use std::os::fd::AsRawFd;
    buf.reserve(want);
    let spare = &mut buf.spare_capacity_mut()[..want];
    let iov = libc::iovec {
        iov_base: spare.as_mut_ptr().cast(),
        iov_len: spare.len(),
    };
    let offset = libc::off_t::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: the kernel writes at most `iov_len` bytes into `spare`, which `buf` owns, and
    // `set_len` below covers only the bytes it reports written.
    let read = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, libc::RWF_NOWAIT) };
    if read < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EAGAIN | libc::EOPNOTSUPP | libc::EINVAL | libc::ENOSYS) => Ok(None),
            _ => Err(err),
        };
    }
    let read = read as usize;
    // SAFETY: `read` <= `want` bytes after the old length were just written by the kernel.
    unsafe { buf.set_len(buf.len() + read) };
    Ok((read > 0).then_some(read))
}

/// Makes a folder's entries (a rename, a new file) survive a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `data` to a staged upload. (A tiny helper so the write path reads as one verb.)
pub fn append(staged: &mut NamedTempFile, data: &[u8]) -> io::Result<()> {
    staged.as_file_mut().write_all(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Blobs;

    fn sha_of(byte: u8) -> Sha256 {
        Sha256([byte; 32])
    }

    #[test]
    fn place_is_idempotent_and_remove_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open_local(dir.path()).unwrap();
        let sha = sha_of(0xab);
        for round in 0..2 {
            let mut staged = blobs.new_temp().unwrap();
            append(&mut staged, b"hello").unwrap();
            assert_eq!(blobs.place_early(&staged, &sha).unwrap(), round == 0);
            blobs.place(staged, &sha).unwrap();
        }
        // A delete between the early placement and the transaction: placed again.
        blobs.remove(&sha).unwrap();
        let mut staged = blobs.new_temp().unwrap();
        append(&mut staged, b"hello").unwrap();
        blobs.place(staged, &sha).unwrap();
        let path = blobs.local_path(&sha).unwrap();
        assert!(path.ends_with(format!("ab/ab/{}", sha.hex())));
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        assert_eq!(
            fs::read_dir(blobs.tmp_dir()).unwrap().count(),
            0,
            "tmp/ is empty"
        );
        blobs.remove(&sha).unwrap();
        assert!(!path.exists());
        blobs.remove(&sha).unwrap();
    }

    #[test]
    fn cached_reads_return_the_bytes_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &data).unwrap();
        let file = File::open(&path).unwrap();
        let mut buf = BytesMut::from(&b"head"[..]);
        // Just written, so cached; a file system that cannot tell answers None, never wrong bytes.
        if let Some(n) = read_cached(&file, &mut buf, 1000, 5).unwrap() {
            assert_eq!(&buf[..4], b"head");
            assert_eq!(&buf[4..], &data[5..5 + n]);
        }
        let mut past_end = BytesMut::new();
        assert_eq!(
            read_cached(&file, &mut past_end, 10, 400_000).unwrap(),
            None
        );
        assert!(past_end.is_empty());
    }
}
