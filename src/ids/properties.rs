//! Properties of the id spellings: round trips, case and aliases, and nothing else accepted.

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
