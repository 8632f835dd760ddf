//! Content-addressed blobs: one copy of each file under its SHA-256, in the data directory
//! (`local`, the default) or in an S3-compatible bucket (`--blob-store s3://…`). The core and
//! the dialects see only [`Blobs`]; which store runs is chosen once, at start.
//!
//! Uploads always stream into `tmp/` first (hashed and fsynced there, never held whole in
//! memory); a `NamedTempFile` removes a half-written upload when it is dropped (error,
//! disconnect, panic), and the server empties `tmp/` at start for what a crash left. Then
//! `place_early` stores the content under its hash before the write transaction, and `place`,
//! inside it, makes sure it is still there: a delete of the same content that committed in
//! between cannot leave a row naming nothing.

mod local;
mod location;
mod object;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tempfile::NamedTempFile;

pub use local::{append, blob_path, read_cached, sync_dir};
pub use location::{BlobLocation, Credentials, ObjectLocation};
pub use object::{ObjectBlobs, StorageUnavailable};

use crate::domain::Sha256;
use crate::metrics::ObjectStoreMetrics;
use local::LocalBlobs;

#[derive(Clone, Debug)]
pub struct Blobs {
    /// `tmp/` in the data directory, where uploads are staged whatever the store.
    tmp: PathBuf,
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Local(LocalBlobs),
    Object(ObjectBlobs),
}

/// The content of one blob, ready to be read by a download.
#[derive(Clone)]
pub enum Content {
    File(Arc<File>),
    Object { blobs: ObjectBlobs, sha: Sha256 },
}

/// A stored blob as a listing finds it.
pub struct ListedBlob {
    pub sha: Sha256,
    pub size: u64,
    pub modified: SystemTime,
}

/// What a listing of the store found: blobs, and names that are not a blob's (left alone).
#[derive(Default)]
pub struct Listing {
    pub blobs: Vec<ListedBlob>,
    pub misplaced: Vec<String>,
}

impl Blobs {
    /// Opens the store `location` for the data directory `data_dir`, creating `tmp/` (and for
    /// the local store `blobs/`) when missing.
    pub fn open(
        data_dir: &Path,
        location: &BlobLocation,
        metrics: ObjectStoreMetrics,
    ) -> io::Result<Blobs> {
        let tmp = data_dir.join("tmp");
        fs::create_dir_all(&tmp)?;
        let backend = match location {
            BlobLocation::Local => Backend::Local(LocalBlobs::open(data_dir)?),
            BlobLocation::Object(at) => Backend::Object(ObjectBlobs::open(at, metrics)?),
        };
        Ok(Blobs { tmp, backend })
    }

    /// The local store of `data_dir`.
    pub fn open_local(data_dir: &Path) -> io::Result<Blobs> {
        Blobs::open(
            data_dir,
            &BlobLocation::Local,
            ObjectStoreMetrics::default(),
        )
    }

    /// `local`, or the bucket and prefix (no secrets): for logs and command output.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(_) => "local".to_owned(),
            Backend::Object(object) => object.describe().to_owned(),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self.backend, Backend::Local(_))
    }

    /// Where the file of `sha` is, for the local store.
    pub fn local_path(&self, sha: &Sha256) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(local) => Some(local.path_of(sha)),
            Backend::Object(_) => None,
        }
    }

    /// Removes what a crash left in `tmp/`. Only the server calls this, at start: other
    /// commands may run beside a server whose uploads are in flight.
    pub fn remove_stale_temporaries(&self) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    pub fn new_temp(&self) -> io::Result<NamedTempFile> {
        // `make_in`, not `tempfile_in`: its errors keep their OS code (out of descriptors is
        // `busy`), which `tempfile_in` hides under the path.
        tempfile::Builder::new()
            .prefix("upload-")
            .make_in(&self.tmp, |path| {
                use std::os::unix::fs::OpenOptionsExt;
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
            })
    }

    /// Stores the content of `staged` (written and fsynced) under `sha` ahead of the write
    /// transaction, outside the database's write lock; `staged` stays for `place`. Returns
    /// whether it stored a new copy (which the caller removes if its transaction fails).
    pub fn place_early(&self, staged: &NamedTempFile, sha: &Sha256) -> io::Result<bool> {
        match &self.backend {
            Backend::Local(local) => local.place_early(staged, sha),
            Backend::Object(object) => object.put_file(&staged.reopen()?, sha),
        }
    }

    /// Makes sure the content of `sha` is stored, storing `staged` again if a delete removed
    /// it since `place_early`; after `place_early` this is one `stat` (or one HEAD). Call it
    /// inside the write transaction that records the blob, so it cannot interleave with a
    /// delete, which removes content inside a write transaction too.
    pub fn place(&self, staged: NamedTempFile, sha: &Sha256) -> io::Result<()> {
        match &self.backend {
            Backend::Local(local) => local.place(staged, sha),
            Backend::Object(object) => object.put_file(&staged.reopen()?, sha).map(drop),
        }
    }

    /// Stores the file at `path` as the content of `sha` (restore, migrate-blobs): staged
    /// first for the local store, so a crash never leaves half a file under a blob's name.
    pub fn put_path(&self, path: &Path, sha: &Sha256) -> io::Result<bool> {
        match &self.backend {
            Backend::Local(local) => {
                if local.path_of(sha).exists() {
                    return Ok(false);
                }
                let mut staged = self.new_temp()?;
                io::copy(&mut File::open(path)?, staged.as_file_mut())?;
                staged.as_file().sync_all()?;
                local.place(staged, sha)?;
                Ok(true)
            }
            Backend::Object(object) => object.put_file(&File::open(path)?, sha),
        }
    }

    /// Removes the content of a blob; a missing one is not an error.
    pub fn remove(&self, sha: &Sha256) -> io::Result<()> {
        match &self.backend {
            Backend::Local(local) => local.remove(sha),
            Backend::Object(object) => object.remove(sha),
        }
    }

    /// Opens the content of `sha` for a download; `NotFound` when it is missing.
    pub fn open_content(&self, sha: &Sha256) -> io::Result<Content> {
        match &self.backend {
            Backend::Local(local) => Ok(Content::File(Arc::new(local.open_blob(sha)?))),
            Backend::Object(object) => match object.size_of(sha)? {
                Some(_) => Ok(Content::Object {
                    blobs: object.clone(),
                    sha: *sha,
                }),
                None => Err(io::ErrorKind::NotFound.into()),
            },
        }
    }

    /// The stored size of `sha`, if it is stored.
    pub fn size_of(&self, sha: &Sha256) -> io::Result<Option<u64>> {
        match &self.backend {
            Backend::Local(local) => match fs::metadata(local.path_of(sha)) {
                Ok(meta) => Ok(Some(meta.len())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Backend::Object(object) => object.size_of(sha),
        }
    }

    /// Copies the content of `sha` (`size` bytes as recorded) into `to`; returns the bytes
    /// copied.
    pub fn copy_to(&self, sha: &Sha256, size: u64, to: &mut dyn io::Write) -> io::Result<u64> {
        match &self.backend {
            Backend::Local(local) => io::copy(&mut local.open_blob(sha)?, to),
            Backend::Object(object) => object.copy_to(sha, size, to),
        }
    }

    /// Every blob stored, and every name below the store's root that is not a blob's.
    pub fn list(&self) -> io::Result<Listing> {
        match &self.backend {
            Backend::Local(local) => local.list(),
            Backend::Object(object) => {
                let mut listing = Listing::default();
                for listed in object.list()? {
                    match listed.sha {
                        Some(sha) => listing.blobs.push(ListedBlob {
                            sha,
                            size: listed.size,
                            modified: listed.modified,
                        }),
                        None => listing.misplaced.push(listed.key),
                    }
                }
                Ok(listing)
            }
        }
    }

    /// Whether new content can be stored: a file in `tmp/` can be made, and the bucket
    /// answers (for `/readyz`).
    pub fn check(&self) -> io::Result<()> {
        drop(self.new_temp()?);
        match &self.backend {
            Backend::Local(_) => Ok(()),
            Backend::Object(object) => object.check(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporary_files_go_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open_local(dir.path()).unwrap();
        let staged = blobs.new_temp().unwrap();
        let (_, path) = staged.keep().unwrap();
        assert!(path.exists());
        Blobs::open_local(dir.path()).unwrap();
        assert!(path.exists(), "opening alone keeps uploads in flight");
        assert_eq!(blobs.remove_stale_temporaries().unwrap(), 1);
        assert!(!path.exists());
    }
}
