//! File names as stored and returned: the last path segment, NFC, no control or bidi
//! characters, no leading dots, reserved characters replaced, at most 255 bytes with the
//! extension kept, and `file` when nothing is left.

use unicode_normalization::UnicodeNormalization;

const MAX_BYTES: usize = 255;
const RESERVED: &[char] = &['<', '>', ':', '"', '|', '?', '*', '\u{7f}'];
const WINDOWS_DEVICES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Characters that reorder or hide text (bidi overrides, zero-width marks), used to disguise
/// an extension (`evil\u{202e}gnp.exe`).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// What a name may not start or end with: dots (hidden files, `..`) and any kind of space,
/// together, so that trimming one never leaves the other at the edge.
fn is_edge(c: char) -> bool {
    c == '.' || c.is_whitespace()
}

pub fn sanitize(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    // Filtered before composing: a control character between a letter and its accent would
    // otherwise keep them apart, and the name would not be NFC once it is gone.
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .nfc()
        .map(|c| if RESERVED.contains(&c) { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim_matches(is_edge);
    let mut name = truncate_keeping_extension(trimmed, MAX_BYTES);
    let stem = name.split('.').next().unwrap_or_default();
    if WINDOWS_DEVICES.contains(&stem.to_ascii_uppercase().as_str()) {
        name.insert(0, '_');
        name = truncate_keeping_extension(&name, MAX_BYTES);
    }
    if name.is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 32 => (stem, ext),
        _ => (name, ""),
    };
    let room = if ext.is_empty() {
        max
    } else {
        max - ext.len() - 1
    };
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    let stem = stem[..cut].trim_end_matches(is_edge);
    if ext.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn path_tricks_lose_their_folders() {
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(sanitize("/"), "file");
        assert_eq!(sanitize(".."), "file");
        assert_eq!(sanitize(".htaccess"), "htaccess");
        assert_eq!(sanitize(""), "file");
    }

    #[test]
    fn control_reserved_and_invisible_characters_go() {
        assert_eq!(sanitize("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(sanitize("what?<now>.txt"), "what__now_.txt");
        assert_eq!(sanitize("evil\u{202e}gnp.exe"), "evilgnp.exe");
        assert_eq!(sanitize("con.txt"), "_con.txt");
    }

    /// Found by `properties::a_clean_name_stays_as_it_is`: the NUL kept the accent from
    /// composing, then went, and the name came out decomposed (not NFC, and changed again by a
    /// second pass).
    #[test]
    fn a_removed_control_character_does_not_keep_an_accent_apart() {
        assert_eq!(sanitize("k\0\u{301}.txt"), "\u{1e31}.txt");
    }

    /// Found by `properties::every_name_comes_out_clean`: the Arabic letter mark is a bidi
    /// control like U+200F.
    #[test]
    fn the_arabic_letter_mark_goes_with_the_other_bidi_marks() {
        assert_eq!(sanitize("\u{61c}report.pdf"), "report.pdf");
    }

    /// Found by `properties::a_clean_name_stays_as_it_is`: trimming dots after the spaces left
    /// a space that a second pass trimmed.
    #[test]
    fn dots_and_spaces_of_any_kind_are_trimmed_together() {
        assert_eq!(sanitize(".\u{3000}notes.txt"), "notes.txt");
        assert_eq!(sanitize("notes.txt\u{3000}."), "notes.txt");
        let long = format!("{}\u{3000}{}", "x".repeat(252), "y".repeat(10));
        assert_eq!(sanitize(&long), "x".repeat(252));
    }

    #[test]
    fn unicode_is_kept_in_nfc() {
        assert_eq!(sanitize("Cafe\u{301} menu.pdf"), "Caf\u{e9} menu.pdf");
        assert_eq!(sanitize("отчёт 2024.pdf"), "отчёт 2024.pdf");
        assert_eq!(sanitize("图片.png"), "图片.png");
    }

    #[test]
    fn long_names_keep_their_extension_within_255_bytes() {
        let long = format!("{}.pdf", "é".repeat(300));
        let name = sanitize(&long);
        assert!(name.len() <= 255, "{} bytes", name.len());
        assert!(name.ends_with("é.pdf"));
        let no_ext = "x".repeat(400);
        assert_eq!(sanitize(&no_ext).len(), 255);
    }
}

#[cfg(test)]
mod properties;
