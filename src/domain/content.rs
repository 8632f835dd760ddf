//! What is known of a file's content: its hash, and an upload staged on disk but not yet placed
//! under it.

use tempfile::NamedTempFile;

/// The SHA-256 of a blob's content, which is also its name in the store.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Sha256(bytes))
    }
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sha256({})", self.hex())
    }
}

/// An upload written to `tmp/` and fsynced, with what was learned while streaming it.
///
/// `file` is the guard for the half-finished upload: a `NamedTempFile` removes its file when
/// dropped (an error, a refusal, a client gone, a panic) unless the store persists it under
/// its hash, which disarms it. What a crash leaves in `tmp/` goes at the next start.
pub struct StagedUpload {
    pub file: NamedTempFile,
    pub sha256: Sha256,
    pub size: u64,
    pub content_type: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha_parses_only_64_hex_digits() {
        let sha = Sha256([7; 32]);
        assert_eq!(Sha256::parse(&sha.hex()), Some(sha));
        assert_eq!(Sha256::parse("abc"), None);
        assert_eq!(Sha256::parse(&"g".repeat(64)), None);
    }
}
