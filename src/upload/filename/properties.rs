//! Properties of `sanitize` over any text: what SPEC section 4 promises of a stored name.

use proptest::prelude::*;
use unicode_normalization::is_nfc;

use super::{sanitize, RESERVED, WINDOWS_DEVICES};

/// Characters that path tricks, spoofing and normalization are made of, mixed with any
/// character at all: a uniform `char` almost never hits them.
const NASTY: &[char] = &[
    '/', '\\', '.', ' ', '\0', '\t', '\n', '\r', '\u{7f}', '\u{85}', '<', '>', ':', '"', '|', '?',
    '*', '\u{301}', '\u{338}', 'e', 'A', 'é', '图', '\u{3000}', '\u{a0}', '\u{2028}', '\u{61c}',
    '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}', '\u{200b}', '\u{feff}',
];

/// Unicode's Bidi_Control characters: they reorder how a name is shown.
const BIDI_CONTROLS: &[char] = &[
    '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

const SEPARATOR: &str = "[/\\\\]";
/// Names with nothing to clean: no dot or space at either end, no reserved character.
const ORDINARY: &str = "[a-zA-Z0-9é图_-]([a-zA-Z0-9é图 ._-]{0,60}[a-zA-Z0-9é图_-])?";

fn raw_name(max_chars: usize) -> impl Strategy<Value = String> {
    let c = prop_oneof![3 => any::<char>(), 2 => prop::sample::select(NASTY)];
    prop::collection::vec(c, 0..max_chars).prop_map(|cs| cs.into_iter().collect())
}

fn stem(name: &str) -> String {
    name.split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

proptest! {
    #[test]
    fn every_name_comes_out_clean(raw in prop_oneof![raw_name(40), raw_name(400)]) {
        let name = sanitize(&raw);
        prop_assert!(!name.is_empty());
        prop_assert!(name.len() <= 255, "{} bytes", name.len());
        prop_assert!(!name.contains(['/', '\\']), "{name:?}");
        prop_assert!(!name.starts_with('.'), "{name:?}");
        prop_assert!(!name.chars().any(char::is_control), "{name:?}");
        prop_assert!(!name.contains(RESERVED), "{name:?}");
        prop_assert!(!name.contains(BIDI_CONTROLS), "{name:?}");
        prop_assert!(is_nfc(&name), "{name:?} is not NFC");
        prop_assert_eq!(name.trim(), name.as_str());
        prop_assert!(!WINDOWS_DEVICES.contains(&stem(&name).as_str()), "{name:?}");
    }

    #[test]
    fn a_clean_name_stays_as_it_is(raw in prop_oneof![raw_name(40), raw_name(400)]) {
        let name = sanitize(&raw);
        prop_assert_eq!(sanitize(&name), name);
    }

    #[test]
    fn only_the_last_segment_counts(
        folders in prop::collection::vec((raw_name(12), SEPARATOR), 1..4),
        last in raw_name(40).prop_map(|last| last.replace(['/', '\\'], "")),
    ) {
        let path: String = folders.iter().map(|(f, sep)| format!("{f}{sep}")).collect();
        prop_assert_eq!(sanitize(&format!("{path}{last}")), sanitize(&last));
    }

    #[test]
    fn long_names_keep_their_extension(
        stem in "[a-zA-Z0-9][a-zA-Z0-9é图 _-]{0,300}",
        ext in "[a-z0-9]{1,10}",
    ) {
        let name = sanitize(&format!("{stem}.{ext}"));
        prop_assert!(name.len() <= 255);
        prop_assert!(name.ends_with(&format!(".{ext}")), "{name:?}");
    }

    #[test]
    fn ordinary_names_are_kept(name in ORDINARY) {
        prop_assume!(!WINDOWS_DEVICES.contains(&stem(&name).as_str()));
        prop_assert_eq!(sanitize(&name), name);
    }
}
