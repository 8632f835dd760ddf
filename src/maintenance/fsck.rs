//! `attache fsck`: rows and files that disagree, and files whose content is not their name.

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
    /// A file under `blobs/` whose path is not `blobs/sha256/ab/cd/<64 hex>`.
    Misplaced {
        path: PathBuf,
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
                "misplaced file: {} is not blobs/sha256/ab/cd/<its 64-hex SHA-256>",
                path.display()
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

/// Compares the `blobs` rows with the files under `blobs/`, and with `verify_content` the
/// files' contents with their names. Changes nothing.
pub fn fsck(data_dir: &Path, verify_content: bool) -> Result<FsckReport> {
    let (db, blobs) = open_store(data_dir)?;
    let rows = read_blob_rows(&db)?;
    let (named, misplaced) = scan_blob_files(data_dir, &blobs)?;
    let mut problems = structural_problems(&db, &blobs, &rows, &named)?;
    if verify_content {
        problems.extend(content_problems(&blobs, &named)?);
    }
    problems.extend(misplaced.into_iter().map(|path| Problem::Misplaced {
        path: path.strip_prefix(data_dir).unwrap_or(&path).to_path_buf(),
    }));
    problems.sort_by_cached_key(ToString::to_string);
    Ok(FsckReport {
        blobs: rows.len(),
        bytes: rows.values().sum(),
        rehashed: verify_content,
        problems,
    })
}

/// Rows and files that disagree. A first look runs without a lock; what it finds is looked
/// at again under the write lock, so an upload or a delete half done is not reported.
fn structural_problems(
    db: &Db,
    blobs: &Blobs,
    rows: &HashMap<Sha256, u64>,
    named: &[Sha256],
) -> Result<Vec<Problem>> {
    let all: HashSet<Sha256> = rows.keys().chain(named).copied().collect();
    let mut suspects = Vec::new();
    for sha in all {
        if disagreement(blobs, sha, rows.get(&sha).copied())?.is_some() {
            suspects.push(sha);
        }
    }
    under_write_lock(db, |tx| {
        let mut confirmed = Vec::new();
        for sha in suspects {
            let recorded = sql::blob_size(tx, &sha).context("reading a blobs row")?;
            confirmed.extend(disagreement(blobs, sha, recorded)?);
        }
        Ok(confirmed)
    })
}

/// How the row of `sha` (its recorded size, if any) and its file disagree, if they do.
fn disagreement(blobs: &Blobs, sha: Sha256, recorded: Option<u64>) -> Result<Option<Problem>> {
    Ok(match (recorded, file_len(&blobs.path_of(&sha))?) {
        (Some(size), None) => Some(Problem::MissingFile { sha, size }),
        (None, Some(size)) => Some(Problem::Orphan { sha, size }),
        (Some(recorded), Some(actual)) if recorded != actual => Some(Problem::SizeMismatch {
            sha,
            recorded,
            actual,
        }),
        _ => None,
    })
}

/// Re-hashes every well-named file. A file's content never changes under its name (files
/// are only renamed into place and removed), so this needs no lock.
fn content_problems(blobs: &Blobs, named: &[Sha256]) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    for sha in named {
        let path = blobs.path_of(sha);
        let actual = match hash_file(&path) {
            Ok(actual) => actual,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // deleted meanwhile
            Err(e) => return Err(e).with_context(|| format!("hashing {}", path.display())),
        };
        if actual != *sha {
            problems.push(Problem::ContentMismatch { sha: *sha, actual });
        }
    }
    Ok(problems)
}
