//! What a file is, from its bytes: magic numbers by `infer`, and for the types without one, a
//! streaming UTF-8 check plus a look at how the text starts (HTML, SVG, XML).

use crate::error::Error;

pub const ALLOWED: &[&str] = &[
    "text/plain",
    "text/html",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/ogg",
    "video/quicktime",
    "application/zip",
    "application/x-7z-compressed",
    "application/gzip",
];

/// Types a browser may show in place (when the signed URL asks for it): raster images, PDF,
/// video. HTML, SVG and everything else is always a download.
pub fn inline_safe(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    ) || content_type.starts_with("video/")
}

fn unsupported(detected: &str) -> Error {
    Error::UnsupportedFileType {
        detected: detected.to_owned(),
        allowed: ALLOWED.join(", "),
    }
}

/// Tags HTML starts with, after optional whitespace (as browsers sniff it).
const HTML_STARTS: &[&str] = &[
    "<!doctype html",
    "<html",
    "<head",
    "<body",
    "<script",
    "<iframe",
    "<title",
    "<style",
    "<div",
    "<table",
    "<h1",
    "<a ",
    "<a>",
    "<p>",
    "<p ",
    "<br",
    "<b>",
    "<font",
    "<!--",
];

enum State {
    Start,
    Decided(&'static str),
    Text { html: bool, carry: Vec<u8> },
}

pub struct Sniffer {
    state: State,
}

impl Default for Sniffer {
    fn default() -> Self {
        Sniffer {
            state: State::Start,
        }
    }
}

impl Sniffer {
    /// Feeds the next bytes. The first call should carry the head of the file (a few KiB at
    /// least, or the whole file); a type not on the allow-list is refused right there.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        if let State::Start = self.state {
            self.state = classify_head(data)?;
        }
        if let State::Text { carry, .. } = &mut self.state {
            if !still_text(carry, data) {
                return Err(unsupported("application/octet-stream"));
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<&'static str, Error> {
        match self.state {
            State::Start => Err(Error::EmptyFile),
            State::Decided(mime) => Ok(mime),
            State::Text { carry, .. } if !carry.is_empty() => {
                Err(unsupported("application/octet-stream"))
            }
            State::Text { html: true, .. } => Ok("text/html"),
            State::Text { html: false, .. } => Ok("text/plain"),
        }
    }
}

fn classify_head(head: &[u8]) -> Result<State, Error> {
    if let Some(kind) = infer::get(head) {
        let mime = kind.mime_type();
        if let Some(allowed) = ALLOWED
            .iter()
            .find(|a| **a == mime && !a.starts_with("text/"))
        {
            return Ok(State::Decided(allowed));
        }
        if mime == "audio/ogg" || mime == "video/ogg" || mime == "application/ogg" {
            let window = &head[..head.len().min(512)];
            if window.windows(6).any(|w| w == b"theora")
                || window.windows(6).any(|w| w == b"\x01video")
            {
                return Ok(State::Decided("video/ogg"));
            }
            return Err(unsupported(mime));
        }
        if !mime.starts_with("text/") && mime != "application/xml" {
            return Err(unsupported(mime));
        }
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let lead: Vec<u8> = text[start..text.len().min(start + 1024)].to_ascii_lowercase();
    if is_svg(&lead) {
        return Err(unsupported("image/svg+xml"));
    }
    if lead.starts_with(b"<?xml") {
        return Err(unsupported("application/xml"));
    }
    let html = HTML_STARTS
        .iter()
        .any(|tag| lead.starts_with(tag.as_bytes()));
    Ok(State::Text {
        html,
        carry: Vec::new(),
    })
}

/// Whether the text is an SVG document: its first element is `<svg`, after any comments,
/// processing instructions (`<?xml …?>`) and a doctype, or its doctype names SVG.
fn is_svg(lead: &[u8]) -> bool {
    let mut rest = lead;
    loop {
        rest = rest.trim_ascii_start();
        let skip_past = |end: &[u8]| {
            rest.windows(end.len())
                .position(|w| w == end)
                .map(|at| at + end.len())
        };
        let skipped = if rest.starts_with(b"<!--") {
            skip_past(b"-->")
        } else if rest.starts_with(b"<?") {
            skip_past(b"?>")
        } else if rest.starts_with(b"<!doctype html") {
            return false;
        } else if rest.starts_with(b"<!doctype") {
            let end = skip_past(b">");
            if rest[..end.unwrap_or(rest.len())]
                .windows(3)
                .any(|w| w == b"svg")
            {
                return true;
            }
            end
        } else {
            return rest.starts_with(b"<svg");
        };
        match skipped {
            Some(at) => rest = &rest[at..],
            // A prolog longer than the window: an XML document of some kind, never plain text.
            None => return lead.windows(4).any(|w| w == b"<svg"),
        }
    }
}

/// Streaming UTF-8 validation: `carry` holds an incomplete sequence across chunk boundaries.
/// NUL bytes mark binary data.
fn still_text(carry: &mut Vec<u8>, mut data: &[u8]) -> bool {
    if data.contains(&0) {
        return false;
    }
    if !carry.is_empty() {
        let need = match carry[0] {
            b if b >= 0xf0 => 4,
            b if b >= 0xe0 => 3,
            _ => 2,
        };
        let take = (need - carry.len()).min(data.len());
        carry.extend_from_slice(&data[..take]);
        data = &data[take..];
        if carry.len() < need {
            return true;
        }
        if std::str::from_utf8(carry).is_err() {
            return false;
        }
        carry.clear();
    }
    match std::str::from_utf8(data) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => {
            carry.extend_from_slice(&data[e.valid_up_to()..]);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(chunks: &[&[u8]]) -> Result<&'static str, Error> {
        let mut s = Sniffer::default();
        for c in chunks {
            s.feed(c)?;
        }
        s.finish()
    }

    #[test]
    fn magic_numbers_win_over_names() {
        assert_eq!(
            sniff(&[b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"]).unwrap(),
            "image/png"
        );
        assert_eq!(sniff(&[b"%PDF-1.7\n%\xe2\xe3"]).unwrap(), "application/pdf");
        assert_eq!(
            sniff(&[b"\x1f\x8b\x08\0\0\0\0\0"]).unwrap(),
            "application/gzip"
        );
    }

    #[test]
    fn text_is_checked_across_chunk_boundaries() {
        let text = "naïve café ✓".as_bytes();
        let (a, b) = text.split_at(3); // splits the two-byte ï
        assert_eq!(sniff(&[a, b]).unwrap(), "text/plain");
        assert_eq!(sniff(&[b"  <!DOCTYPE html><p>hi"]).unwrap(), "text/html");
        assert!(matches!(
            sniff(&[b"abc\xff\xfe"]),
            Err(Error::UnsupportedFileType { .. })
        ));
        assert!(matches!(
            sniff(&[b"abc", b"\0def"]),
            Err(Error::UnsupportedFileType { .. })
        ));
        assert!(
            matches!(
                sniff(&[b"abc\xe2\x9c"]),
                Err(Error::UnsupportedFileType { .. })
            ),
            "truncated sequence at end"
        );
    }

    #[test]
    fn refused_types_name_what_was_detected() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        match sniff(&[exe]) {
            Err(Error::UnsupportedFileType { detected, allowed }) => {
                assert_eq!(detected, "application/vnd.microsoft.portable-executable");
                assert!(allowed.contains("image/png"));
            }
            other => panic!("{other:?}"),
        }
        match sniff(&[b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"]) {
            Err(Error::UnsupportedFileType { detected, .. }) => {
                assert_eq!(detected, "image/svg+xml")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(sniff(&[]), Err(Error::EmptyFile)));
    }

    /// Issue 12, finding 9: an SVG that opens with a comment or a doctype was taken for HTML
    /// or text.
    #[test]
    fn svg_behind_comments_doctypes_and_prologs_is_svg() {
        let svgs: [&[u8]; 5] = [
            b"<!-- drawn by hand --><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg/>",
            b"<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE svg><svg/>",
            b"  \n<!--a--> <!--b-->\n<SVG width=\"1\"/>",
            b"<!DOCTYPE svg>",
        ];
        for svg in svgs {
            match sniff(&[svg]) {
                Err(Error::UnsupportedFileType { detected, .. }) => {
                    assert_eq!(
                        detected,
                        "image/svg+xml",
                        "{}",
                        String::from_utf8_lossy(svg)
                    )
                }
                other => panic!("{}: {other:?}", String::from_utf8_lossy(svg)),
            }
        }
        assert_eq!(sniff(&[b"<!-- note --><p>hi</p>"]).unwrap(), "text/html");
        assert_eq!(sniff(&[b"<!DOCTYPE html><svg/>"]).unwrap(), "text/html");
        assert_eq!(
            sniff(&[b"a drawing of an <svg> tag"]).unwrap(),
            "text/plain"
        );
    }

    #[test]
    fn only_raster_images_pdf_and_video_are_inline_safe() {
        assert!(
            inline_safe("image/png") && inline_safe("application/pdf") && inline_safe("video/mp4")
        );
        assert!(
            !inline_safe("text/html")
                && !inline_safe("image/svg+xml")
                && !inline_safe("text/plain")
        );
    }
}
