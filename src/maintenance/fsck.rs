//! `attache fsck`: rows and stored blobs that disagree, and blobs whose content is not their
//! name, on either blob store.

use super::*;

/// One thing wrong in the store, as `fsck` reports it.
#[derive(Debug)]
pub enum Problem {
    /// A row whose file is gone: its attachments cannot be downloaded.
    MissingFile {
        sha: Sha256,
        size: u64,
    },
    /// A file no row names: left by a crash, removed by `gc`.
    Orphan {
        sha: Sha256,
        size: u64,
    },
    SizeMismatch {
        sha: Sha256,
        recorded: u64,
        actual: u64,
    },
    ContentMismatch {
        sha: Sha256,
        actual: Sha256,
    },
    /// A file under `blobs/` (an object under the prefix) whose name is not
    /// `blobs/sha256/ab/cd/<64 hex>` (`sha256/ab/cd/<64 hex>`).
    Misplaced {
        path: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingFile { sha, size } => write!(
                f,
                "missing file: blob {} ({}) has a row but no file",
                sha.hex(),
                human(*size)
            ),
            Problem::Orphan { sha, size } => write!(
                f,
                "orphan file: blob {} ({}) has no row (attache gc removes it)",
                sha.hex(),
                human(*size)
            ),
            Problem::SizeMismatch {
                sha,
                recorded,
                actual,
            } => write!(
                f,
                "size mismatch: blob {}: its row says {recorded} bytes, its file has {actual}",
                sha.hex()
            ),
            Problem::ContentMismatch { sha, actual } => write!(
                f,
                "content mismatch: blob {}: its file's content hashes to {}",
                sha.hex(),
                actual.hex()
            ),
            Problem::Misplaced { path } => write!(
                f,
                "misplaced file: {path} is not blobs/sha256/ab/cd/<its 64-hex SHA-256>"
            ),
        }
    }
}

/// What `fsck` found.
pub struct FsckReport {
    /// How many `blobs` rows were checked, and the bytes they record.
    pub blobs: usize,
    pub bytes: u64,
    /// Whether every file's content was hashed (`--verify-content`).
    pub rehashed: bool,
    pub problems: Vec<Problem>,
}

impl FsckReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for FsckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let how = if self.rehashed {
            "sizes and contents"
        } else {
            "sizes only"
        };
        write!(
            f,
            "checked {} ({}), {how}: {}",
            count(self.blobs, "blob", "blobs"),
            human(self.bytes),
            count(self.problems.len(), "problem", "problems")
        )
    }
}

/// Compares the `blobs` rows with the stored blobs, and with `verify_content` the blobs'
/// contents with their names. Changes nothing.
pub fn fsck(store: &StoreAt, verify_content: bool) -> Result<FsckReport> {
    let (db, blobs) = open_store(store)?;
    let rows = read_blob_rows(&db)?;
    let listing = list_blobs(&blobs)?;
    let stored: HashMap<Sha256, u64> = listing.blobs.iter().map(|b| (b.sha, b.size)).collect();
    let mut problems = structural_problems(&db, &blobs, &rows, &stored)?;
    if verify_content {
        problems.extend(content_problems(&blobs, &stored)?);
    }
    problems.extend(
        listing
            .misplaced
            .into_iter()
            .map(|path| Problem::Misplaced { path }),
    );
    problems.sort_by_cached_key(ToString::to_string);
    Ok(FsckReport {
        blobs: rows.len(),
        bytes: rows.values().sum(),
        rehashed: verify_content,
        problems,
    })
}

/// Rows and stored blobs that disagree. A first look compares the rows with the listing,
/// without a lock; what it finds is looked at again under the write lock, so an upload or a
/// delete half done is not reported.
fn structural_problems(
    db: &Db,
    blobs: &Blobs,
    rows: &HashMap<Sha256, u64>,
    stored: &HashMap<Sha256, u64>,
) -> Result<Vec<Problem>> {
    let all: HashSet<Sha256> = rows.keys().chain(stored.keys()).copied().collect();
    let suspects: Vec<Sha256> = all
        .into_iter()
        .filter(|sha| {
            let (recorded, actual) = (rows.get(sha).copied(), stored.get(sha).copied());
            disagreement(*sha, recorded, actual).is_some()
        })
        .collect();
    under_write_lock(db, |tx| {
        let mut confirmed = Vec::new();
        for sha in suspects {
            let recorded = sql::blob_size(tx, &sha).context("reading a blobs row")?;
            let actual = blobs
                .size_of(&sha)
                .with_context(|| format!("looking up blob {}", sha.hex()))?;
            confirmed.extend(disagreement(sha, recorded, actual));
        }
        Ok(confirmed)
    })
}

/// How the row of `sha` (its recorded size, if any) and its stored size disagree, if they do.
fn disagreement(sha: Sha256, recorded: Option<u64>, actual: Option<u64>) -> Option<Problem> {
    match (recorded, actual) {
        (Some(size), None) => Some(Problem::MissingFile { sha, size }),
        (None, Some(size)) => Some(Problem::Orphan { sha, size }),
        (Some(recorded), Some(actual)) if recorded != actual => Some(Problem::SizeMismatch {
            sha,
            recorded,
            actual,
        }),
        _ => None,
    }
}

/// Re-hashes every well-named blob. A blob's content never changes under its name (blobs
/// are only placed whole and removed), so this needs no lock.
fn content_problems(blobs: &Blobs, stored: &HashMap<Sha256, u64>) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut named: Vec<_> = stored.iter().collect();
    named.sort_by_key(|(sha, _)| sha.hex());
    for (sha, size) in named {
        let actual = match hash_blob(blobs, sha, *size) {
            Ok(actual) => actual,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // deleted meanwhile
            Err(e) => return Err(e).with_context(|| format!("hashing blob {}", sha.hex())),
        };
        if actual != *sha {
            problems.push(Problem::ContentMismatch { sha: *sha, actual });
        }
    }
    Ok(problems)
}
