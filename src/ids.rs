//! The 128-bit id behind every object, and its spellings: a UUID (native API), a prefixed
//! 26-character lowercase Crockford base32 string (HostUp: `tkt_…`, `tatt_…`, `req_…`), and 32
//! hex digits (Waldur). Every spelling of one object names the same 16 bytes.

use std::fmt;

use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::random::{self, Use};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(Uuid);

/// Crockford's base32 alphabet, lower case: ids and API key secrets.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl Id {
    /// A new time-ordered id (UUIDv7), so that ordering by id is ordering by creation. Under
    /// `--deterministic`, from the server's clock and the seeded generator (`random`).
    pub fn new() -> Self {
        Self::drawn(Use::Record)
    }

    /// A new id for what only one response names (a request id, a multipart boundary): the
    /// same as `new`, but drawn apart from records' ids under `--deterministic`.
    pub fn transient() -> Self {
        Self::drawn(Use::Transient)
    }

    fn drawn(which: Use) -> Self {
        match random::seeded_v7(which, || crate::domain::now().unix_ms()) {
            Some(bits) => Id(Uuid::from_u128(bits)),
            None => Id(Uuid::now_v7()),
        }
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Id(Uuid::from_bytes(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// The canonical UUID spelling, as parsed from any form `uuid` accepts.
    pub fn parse_uuid(text: &str) -> Option<Self> {
        // Only the hyphenated and the simple (32 hex) forms: no braces, no URNs.
        if text.len() != 36 && text.len() != 32 {
            return None;
        }
        Uuid::try_parse(text).ok().map(Id)
    }

    /// 26 lowercase Crockford base32 characters (the top two bits of the first are zero).
    pub fn base32(&self) -> String {
        let value = self.0.as_u128();
        (0..26)
            .map(|i| CROCKFORD[((value >> (125 - 5 * i)) & 31) as usize] as char)
            .collect()
    }

    /// Parses 26 Crockford characters, case-insensitively, with the usual aliases (o→0, i/l→1).
    pub fn parse_base32(text: &str) -> Option<Self> {
        if text.len() != 26 {
            return None;
        }
        let mut value: u128 = 0;
        for (i, c) in text.bytes().enumerate() {
            let c = match c.to_ascii_lowercase() {
                b'o' => b'0',
                b'i' | b'l' => b'1',
                other => other,
            };
            let digit = CROCKFORD.iter().position(|&d| d == c)? as u128;
            if i == 0 && digit > 7 {
                return None; // would overflow 128 bits
            }
            value = (value << 5) | digit;
        }
        Some(Id(Uuid::from_u128(value)))
    }

    /// `prefix` + `_` + base32, e.g. `tkt_01hxa3b4c5d6e7f8g9h0j1k2m3`.
    pub fn prefixed(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.base32())
    }

    pub fn parse_prefixed(prefix: &str, text: &str) -> Option<Self> {
        let rest = text.strip_prefix(prefix)?.strip_prefix('_')?;
        Self::parse_base32(rest)
    }

    /// 32 lowercase hex digits, no hyphens.
    pub fn hex(&self) -> String {
        self.0.simple().to_string()
    }
}

impl Default for Id {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0.hyphenated())
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A request id, `req_` + base32, on every response and every log line.
pub fn request_id() -> String {
    Id::transient().prefixed("req")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for _ in 0..100 {
            let id = Id::new();
            assert_eq!(Id::parse_uuid(&id.to_string()), Some(id));
            assert_eq!(Id::parse_uuid(&id.hex()), Some(id));
            assert_eq!(Id::parse_base32(&id.base32()), Some(id));
            assert_eq!(Id::parse_prefixed("tkt", &id.prefixed("tkt")), Some(id));
        }
        let max = Id::from_bytes([0xff; 16]);
        assert_eq!(max.base32(), "7zzzzzzzzzzzzzzzzzzzzzzzzz");
        assert_eq!(Id::parse_base32(&max.base32()), Some(max));
    }

    #[test]
    fn malformed_spellings_are_refused() {
        assert_eq!(
            Id::parse_base32("8zzzzzzzzzzzzzzzzzzzzzzzzz"),
            None,
            "overflow"
        );
        assert_eq!(
            Id::parse_base32("uzzzzzzzzzzzzzzzzzzzzzzzzz"),
            None,
            "u is not Crockford"
        );
        assert_eq!(
            Id::parse_prefixed("tkt", "tatt_01hxa3b4c5d6e7f8g9h0j1k2m3"),
            None
        );
        assert_eq!(
            Id::parse_uuid("{0190a3b4-c5d6-7e7f-8a9b-0c1d2e3f4a5b}"),
            None
        );
        assert_eq!(Id::parse_uuid("not-a-uuid"), None);
        assert_eq!(Id::parse_uuid(""), None);
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = Id::new();
        let b = Id::new();
        assert!(a < b);
        assert!(a.base32() < b.base32());
    }
}

#[cfg(test)]
mod properties;
