//! The 128-bit id behind every object, and its spellings: a UUID (native API), a prefixed
//! 26-character lowercase Crockford base32 string (HostUp: `tkt_…`, `tatt_…`, `req_…`), and 32
//! hex digits (Waldur). Every spelling of one object names the same 16 bytes.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Serialize, Serializer};
use uuid::Uuid;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(Uuid);

/// Crockford's base32 alphabet, lower case: ids and API key secrets.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl Id {
    /// A new time-ordered id (UUIDv7), so that ordering by id is ordering by creation.
    pub fn new() -> Self {
        Id(Uuid::now_v7())
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

impl ToSql for Id {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(&self.as_bytes()[..]))
    }
}

impl FromSql for Id {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let bytes = value.as_blob()?;
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| FromSqlError::InvalidBlobSize {
                expected_size: 16,
                blob_size: bytes.len(),
            })?;
        Ok(Id::from_bytes(bytes))
    }
}

/// A request id, `req_` + base32, on every response and every log line.
pub fn request_id() -> String {
    Id::new().prefixed("req")
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
mod properties {
    use proptest::prelude::*;

    use super::{Id, CROCKFORD};

    const PREFIXES: &[&str] = &["tkt", "tmsg", "satt", "tatt", "req"];

    fn id() -> impl Strategy<Value = Id> {
        prop_oneof![
            1 => Just([0u8; 16]),
            1 => Just([0xff; 16]),
            8 => any::<[u8; 16]>(),
        ]
        .prop_map(Id::from_bytes)
    }

    /// What `parse_base32` reads a character as: lower case, `o` as `0`, `i` and `l` as `1`.
    fn canonical_base32(text: &str) -> String {
        text.chars()
            .map(|c| match c.to_ascii_lowercase() {
                'o' => '0',
                'i' | 'l' => '1',
                other => other,
            })
            .collect()
    }

    /// A spelling of some id with one character replaced, inserted or removed: text that
    /// is almost an id, which uniform random text never is.
    fn near_miss() -> impl Strategy<Value = String> {
        let spelling = (id(), 0..5usize).prop_map(|(id, form)| match form {
            0 => id.to_string(),
            1 => id.hex(),
            2 => id.base32(),
            3 => id.to_string().to_uppercase(),
            _ => id.prefixed("tkt"),
        });
        let c = prop_oneof![
            any::<char>(),
            prop::sample::select(&['0', '7', '8', 'f', 'g', 'o', 'I', 'u', 'Z', '-', '_', 'é'][..])
        ];
        (spelling, any::<prop::sample::Index>(), 0..3usize, c).prop_map(|(s, at, how, c)| {
            let mut chars: Vec<char> = s.chars().collect();
            let at = at.index(chars.len());
            match how {
                0 => chars[at] = c,
                1 => chars.insert(at, c),
                _ => {
                    chars.remove(at);
                }
            }
            chars.into_iter().collect()
        })
    }

    proptest! {
        #[test]
        fn every_spelling_round_trips(id in id(), prefix in "[a-z]{1,6}") {
            prop_assert_eq!(Id::parse_uuid(&id.to_string()), Some(id));
            prop_assert_eq!(Id::parse_uuid(&id.hex()), Some(id));
            prop_assert_eq!(Id::parse_base32(&id.base32()), Some(id));
            prop_assert_eq!(Id::parse_prefixed(&prefix, &id.prefixed(&prefix)), Some(id));
            for prefix in PREFIXES {
                prop_assert_eq!(Id::parse_prefixed(prefix, &id.prefixed(prefix)), Some(id));
            }
        }

        #[test]
        fn spellings_are_canonical_and_sort_as_the_bytes(a in id(), b in id()) {
            let base32 = a.base32();
            prop_assert_eq!(base32.len(), 26);
            prop_assert!(base32.bytes().all(|c| CROCKFORD.contains(&c)), "{}", base32);
            prop_assert!(base32.as_bytes()[0] <= b'7');
            prop_assert_eq!(a.hex().len(), 32);
            prop_assert!(a.hex().bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
            prop_assert_eq!(a.to_string().replace('-', ""), a.hex());
            prop_assert_eq!(a.cmp(&b), a.as_bytes().cmp(b.as_bytes()));
            prop_assert_eq!(a.base32().cmp(&b.base32()), a.cmp(&b));
            prop_assert_eq!(a.hex().cmp(&b.hex()), a.cmp(&b));
        }

        /// Base32 is read in any case and with Crockford's aliases; UUIDs and hex in any case.
        #[test]
        fn case_and_aliases_name_the_same_id(
            id in id(),
            choices in prop::collection::vec(0..4usize, 26),
        ) {
            let base32: String = id
                .base32()
                .chars()
                .zip(&choices)
                .map(|(c, choice)| match (c, choice) {
                    ('0', 0) => 'o',
                    ('0', 1) => 'O',
                    ('1', 0) => 'i',
                    ('1', 1) => 'I',
                    ('1', 2) => 'l',
                    ('1', 3) => 'L',
                    (c, 0 | 1) => c.to_ascii_uppercase(),
                    (c, _) => c,
                })
                .collect();
            prop_assert_eq!(Id::parse_base32(&base32), Some(id));
            prop_assert_eq!(Id::parse_prefixed("tatt", &format!("tatt_{base32}")), Some(id));
            prop_assert_eq!(Id::parse_uuid(&id.to_string().to_uppercase()), Some(id));
            prop_assert_eq!(Id::parse_uuid(&id.hex().to_uppercase()), Some(id));
        }

        /// Whatever text is accepted is a spelling of the id it names, up to case and aliases:
        /// two texts that differ otherwise never name the same id.
        #[test]
        fn only_spellings_are_accepted(text in prop_oneof![near_miss(), ".{0,40}"]) {
            if let Some(id) = Id::parse_uuid(&text) {
                let lower = text.to_ascii_lowercase();
                prop_assert!(lower == id.to_string() || lower == id.hex(), "{:?}", text);
            }
            if let Some(id) = Id::parse_base32(&text) {
                prop_assert_eq!(canonical_base32(&text), id.base32());
            }
            if let Some(id) = Id::parse_prefixed("tkt", &text) {
                prop_assert_eq!(text.get(..4), Some("tkt_"));
                prop_assert_eq!(canonical_base32(&text[4..]), id.base32());
            }
        }

        /// No spelling of one id is read as another id, in any spelling or prefix.
        #[test]
        fn spellings_do_not_cross(id in id(), p in 0..5usize, q in 0..5usize) {
            let (p, q) = (PREFIXES[p], PREFIXES[q]);
            prop_assert_eq!(Id::parse_prefixed(p, &id.prefixed(q)), (p == q).then_some(id));
            prop_assert_eq!(Id::parse_base32(&id.hex()), None);
            prop_assert_eq!(Id::parse_base32(&id.to_string()), None);
            prop_assert_eq!(Id::parse_uuid(&id.base32()), None);
            prop_assert_eq!(Id::parse_uuid(&id.prefixed(p)), None);
            prop_assert_eq!(Id::parse_prefixed(p, &id.base32()), None);
            prop_assert_eq!(Id::parse_prefixed(p, &id.hex()), None);
        }
    }
}
