//! What every article must satisfy, whichever file it came from: an http(s) address (a
//! relative one is resolved against `base_url`), and a title and address short enough for a
//! Telegram message (4,096 characters holds the title, the passage and the link). Pure.

/// Longest title accepted: titles run to about 100 characters; one of thousands is a
/// missing line break or a page whose extraction went wrong.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest address accepted (what browsers and sites reliably handle).
pub const MAX_URL_CHARS: usize = 2000;

/// The title, if it is short enough.
pub fn title(title: &str) -> Result<(), String> {
    let length = title.chars().count();
    if length > MAX_TITLE_CHARS {
        return Err(format!(
            "`title` is {length} characters long (at most {MAX_TITLE_CHARS})"
        ));
    }
    Ok(())
}

/// The article's address: `url` when it is an absolute http(s) address, `url` resolved
/// against `base_url` when it is relative, `base_url` + `id` when there is no `url`.
pub fn url(url: Option<&str>, base_url: Option<&url::Url>, id: &str) -> Result<String, String> {
    let resolved = match (url.map(str::trim).filter(|u| !u.is_empty()), base_url) {
        (Some(url), base) => match url::Url::parse(url) {
            Ok(absolute) => checked(url, &absolute).map(|()| url.to_string()),
            Err(url::ParseError::RelativeUrlWithoutBase) => match base {
                Some(base) => base
                    .join(url)
                    .map_err(|e| format!("`url` {url:?} is not a valid address: {e}"))
                    .and_then(|joined| checked(url, &joined).map(|()| joined.to_string())),
                None => Err(format!(
                    "`url` {url:?} is relative: set `base_url` in corpus.toml"
                )),
            },
            Err(e) => Err(format!("`url` {url:?} is not a valid address: {e}")),
        },
        (None, Some(base)) => Ok(format!("{base}{id}")),
        (None, None) => {
            Err("missing `url` in front matter (or set `base_url` in corpus.toml)".into())
        }
    }?;
    let length = resolved.chars().count();
    if length > MAX_URL_CHARS {
        return Err(format!(
            "`url` is {length} characters long (at most {MAX_URL_CHARS})"
        ));
    }
    Ok(resolved)
}

/// `base_url` from corpus.toml, if it is an absolute http(s) address.
pub fn base_url(base: &str) -> Result<url::Url, String> {
    url::Url::parse(base.trim())
        .ok()
        .filter(is_web_address)
        .ok_or_else(|| format!("`base_url` {base:?} is not an absolute http(s) address"))
}

fn checked(written: &str, address: &url::Url) -> Result<(), String> {
    if is_web_address(address) {
        Ok(())
    } else {
        Err(format!("`url` {written:?} is not an http(s) address"))
    }
}

fn is_web_address(address: &url::Url) -> bool {
    matches!(address.scheme(), "http" | "https") && address.has_host()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_pass_and_relative_ones_resolve() {
        let base = base_url("https://clinic.example/faq/").unwrap();
        let ok = |u: Option<&str>, b: Option<&url::Url>| url(u, b, "stones");
        assert_eq!(
            ok(None, Some(&base)).unwrap(),
            "https://clinic.example/faq/stones"
        );
        assert_eq!(
            ok(Some(" http://a.example/x "), None).unwrap(),
            "http://a.example/x"
        );
        assert_eq!(
            ok(Some("stones.html"), Some(&base)).unwrap(),
            "https://clinic.example/faq/stones.html"
        );
        assert_eq!(
            ok(Some("/x"), Some(&base)).unwrap(),
            "https://clinic.example/x"
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "mailto:a@b.example",
            "file:///etc/passwd",
            "http://",
        ] {
            assert!(ok(Some(bad), Some(&base)).is_err(), "{bad}");
        }
        assert!(ok(Some("/x"), None).unwrap_err().contains("relative"));
        assert!(ok(None, None).unwrap_err().contains("missing `url`"));
        let long = format!("https://a.example/{}", "x".repeat(MAX_URL_CHARS));
        assert!(ok(Some(&long), None).unwrap_err().contains("at most 2000"));
        assert!(base_url("javascript:x").is_err());
        assert!(base_url("/faq/").is_err());
    }

    #[test]
    fn titles_are_bounded_in_characters_not_bytes() {
        assert!(title(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert_eq!(
            title(&"x".repeat(3700)).unwrap_err(),
            "`title` is 3700 characters long (at most 200)"
        );
    }
}
