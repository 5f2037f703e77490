//! Turns a page's bytes into text: the size limit, byte-order marks, the declared charset, then
//! UTF-8 or windows-1252, and rejection of empty or binary files.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;

use super::{PageError, PageKind};

/// The largest page read; larger files are rejected before parsing.
pub(super) const MAX_BYTES: usize = 5 * 1024 * 1024;

/// How far into an HTML file a `<meta charset>` is looked for.
const PRESCAN: usize = 4096;

static META_CHARSET: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).ok());

/// Decodes a page, or says why it cannot be read.
pub(super) fn decode(bytes: &[u8], kind: PageKind) -> Result<String, PageError> {
    if bytes.len() > MAX_BYTES {
        return Err(error(format!(
            "file too large ({}; limit {})",
            megabytes(bytes.len()),
            megabytes(MAX_BYTES)
        )));
    }
    if bytes.is_empty() {
        return Err(error("empty file (0 bytes)".into()));
    }
    let encoding = choose(bytes, kind);
    let (text, _, _) = encoding.decode(bytes);
    if text.trim().is_empty() {
        return Err(error("empty file (only whitespace)".into()));
    }
    if looks_binary(&text) {
        return Err(error(
            "not a web page or text file (binary data; save the page as HTML or text)".into(),
        ));
    }
    Ok(text.into_owned())
}

fn error(message: String) -> PageError {
    PageError {
        line: None,
        message,
    }
}

/// "12 MB", "5 MB", "5.3 MB".
fn megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 || mb.fract() < 0.05 {
        format!("{:.0} MB", mb)
    } else {
        format!("{:.1} MB", mb)
    }
}

/// The encoding: a BOM, UTF-16 by its zero bytes, a declared charset (HTML), then UTF-8 or windows-1252.
fn choose(bytes: &[u8], kind: PageKind) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return encoding;
    }
    let declared = match kind {
        PageKind::Html => declared_charset(bytes),
        PageKind::Text => None,
    };
    match declared {
        Some(encoding) if encoding != UTF_8 => encoding,
        _ if mostly_utf8(bytes) => UTF_8,
        _ => WINDOWS_1252,
    }
}

/// UTF-16 without a BOM shows as zero bytes at every other position of ASCII text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(PRESCAN)];
    let pairs = sample.len() / 2;
    if pairs < 8 {
        return None;
    }
    let zeros_at = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The charset named by `<meta charset>` or `<meta http-equiv="Content-Type">` near the start.
/// A declared UTF-16 means UTF-8 here (the bytes had no BOM), as browsers do.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let regex = META_CHARSET.as_ref()?;
    let label = regex.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return Some(UTF_8);
    }
    Some(encoding.output_encoding())
}

/// Valid UTF-8, or UTF-8 with a few stray bytes among many well-formed non-ASCII characters.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut invalid = 0usize;
    let mut multibyte = 0usize;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    invalid == 0 || multibyte >= invalid * 4
}

/// Text with NUL bytes, or with many control characters, is not a page.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars().take(65_536) {
        total += 1;
        if c == '\0' {
            return true;
        }
        let control = c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}');
        if control || c == '\u{fffd}' {
            odd += 1;
        }
    }
    odd * 50 > total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(megabytes(12 * 1024 * 1024 + 5), "12 MB");
        assert_eq!(megabytes(MAX_BYTES), "5 MB");
        assert_eq!(megabytes(5_600_000), "5.3 MB");
    }

    #[test]
    fn charset_is_honoured() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        assert!(decode(page, PageKind::Html).unwrap().contains("café"));
        let page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">na\xefve";
        assert!(decode(page, PageKind::Html).unwrap().contains("naïve"));
    }

    #[test]
    fn fallbacks_and_boms() {
        assert_eq!(
            decode("caf\u{e9}".as_bytes(), PageKind::Text).unwrap(),
            "café"
        );
        assert_eq!(decode(b"caf\xe9", PageKind::Text).unwrap(), "café");
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("Hello kidney".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16, PageKind::Text).unwrap(), "Hello kidney");
        let no_bom: Vec<u8> = "Hello kidney patients"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            decode(&no_bom, PageKind::Text).unwrap(),
            "Hello kidney patients"
        );
    }

    #[test]
    fn rejects_empty_binary_and_huge() {
        assert!(decode(b"", PageKind::Html)
            .unwrap_err()
            .message
            .contains("0 bytes"));
        assert!(decode(b" \n ", PageKind::Text)
            .unwrap_err()
            .message
            .contains("empty"));
        let junk: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(decode(&junk, PageKind::Html)
            .unwrap_err()
            .message
            .contains("binary"));
        let huge = vec![b'a'; MAX_BYTES + 1];
        assert!(decode(&huge, PageKind::Text)
            .unwrap_err()
            .message
            .contains("too large"));
    }
}
