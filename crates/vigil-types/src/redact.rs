//! Credentials out of URLs, before a URL reaches a log line, an error or a printed
//! configuration. RPC providers put API keys in a URL's user-info, path or query
//! (`https://eth.example/v3/<key>`, `…?apikey=<key>`); database URLs carry passwords
//! (`postgres://user:password@host/db`). Every crate that prints a URL it was given goes through
//! here, so there is one rule:
//!
//! - user-info: a database URL keeps its user name and loses its password
//!   (`postgres://user:***@host/db`); any other URL loses all of it (`https://***@host`), since
//!   providers put keys there as a user name too;
//! - path: kept for database URLs (it names the database); otherwise each segment that does not
//!   look like a plain word (`v3`, `eth`, `rpc`, `mainnet`) becomes `***`;
//! - query: every value becomes `***` (the names stay, so one can see what was set);
//! - fragment: `***`;
//! - scheme, host and port are kept, and `sqlite:` URLs (file paths, no credentials) and text
//!   without `://` are left alone.

use std::fmt::Display;

/// What replaces a secret.
const MASK: &str = "***";

/// Schemes whose user name and path (the database) are not secrets.
const DATABASE_SCHEMES: &[&str] = &["postgres", "postgresql", "mysql", "mariadb"];

/// One URL without its credentials (see the [module docs](self)); anything that is not a
/// `scheme://…` URL is returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    if !is_scheme(scheme) || scheme.eq_ignore_ascii_case("sqlite") {
        return url.to_owned();
    }
    let database = DATABASE_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    let (rest, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };

    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    out.push_str("://");
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            match user_info.split_once(':') {
                Some((user, _password)) if database => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(MASK);
                }
                None if database => out.push_str(user_info),
                _ => out.push_str(MASK),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    if database {
        out.push_str(path);
    } else {
        let segments: Vec<&str> = path
            .split('/')
            .map(|segment| if looks_public(segment) { segment } else { MASK })
            .collect();
        out.push_str(&segments.join("/"));
    }
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _value)) => format!("{name}={MASK}"),
                None if pair.is_empty() => String::new(),
                None => MASK.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if fragment.is_some_and(|f| !f.is_empty()) {
        out.push('#');
        out.push_str(MASK);
    }
    out
}

/// `text` with every `scheme://…` URL in it passed through [`redact_url`]. A URL ends at
/// whitespace, a quote, a brace or parenthesis, `<`, `>`, `,`, `;`, `|` or a backtick (how URLs
/// sit in error messages, `for url (https://…)`, Debug strings and JSON), less any trailing
/// `.`, `:`, `!` or `?`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let before = rest.get(..at).unwrap_or_default();
        let scheme_len = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .count();
        let scheme_start = at.saturating_sub(scheme_len);
        let scheme = rest.get(scheme_start..at).unwrap_or_default();
        if !is_scheme(scheme) {
            let skip = at.saturating_add(3);
            out.push_str(rest.get(..skip).unwrap_or(rest));
            rest = rest.get(skip..).unwrap_or_default();
            continue;
        }
        out.push_str(rest.get(..scheme_start).unwrap_or_default());
        let from = rest.get(scheme_start..).unwrap_or_default();
        let body_start = scheme.len().saturating_add(3);
        let end = from
            .get(body_start..)
            .and_then(|body| body.find(ends_url))
            .map_or(from.len(), |end| end.saturating_add(body_start));
        // Sentence punctuation after a URL is not part of it (`… at https://h/KEY: refused`).
        let end = from
            .get(..end)
            .map_or(end, |url| url.trim_end_matches(['.', ':', '!', '?']).len())
            .max(body_start);
        let (url, after) = from.split_at(end);
        out.push_str(&redact_url(url));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// [`redact_urls`] of a displayed value, typically an error.
pub fn redact(value: &impl Display) -> String {
    redact_urls(&value.to_string())
}

/// RFC 3986: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '"' | '\'' | '`' | '(' | ')' | '{' | '}' | '<' | '>' | ',' | ';' | '|')
}

/// A path segment that reads like a word of an API's layout (`v3`, `eth`, `rpc`,
/// `base-mainnet`) rather than a key: short, lowercase, at most two digits. Keys are long or
/// mixed-case or full of digits (Infura's 32 hex digits, Alchemy's 32 mixed-case characters).
fn looks_public(segment: &str) -> bool {
    segment.is_empty()
        || (segment.len() <= 16
            && segment.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            })
            && segment.chars().filter(char::is_ascii_digit).count() <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_keeps_its_shape_and_loses_its_secrets() {
        for (url, want) in [
            ("postgres://u:secret@h/db", "postgres://u:***@h/db"),
            (
                "postgresql://vigil@db:5432/vigil?sslmode=require",
                "postgresql://vigil@db:5432/vigil?sslmode=***",
            ),
            ("https://eth.example/v3/KEY?apikey=SECRET", "https://eth.example/v3/***?apikey=***"),
            (
                "https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161",
                "https://mainnet.infura.io/v3/***",
            ),
            (
                "https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789",
                "https://eth-mainnet.g.alchemy.com/v2/***",
            ),
            ("https://user:pw@eth.example:8545/rpc", "https://***@eth.example:8545/rpc"),
            ("https://KEY@eth.example", "https://***@eth.example"),
            ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
            ("http://127.0.0.1:8545/", "http://127.0.0.1:8545/"),
            ("http://[::1]:8545/v1/feed?after=7", "http://[::1]:8545/v1/feed?after=***"),
            ("wss://node.example/ws#token", "wss://node.example/ws#***"),
            ("sqlite://data/agg.sqlite?mode=rwc", "sqlite://data/agg.sqlite?mode=rwc"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn every_url_in_a_text_is_redacted() {
        assert_eq!(
            redact_urls(
                "error sending request for url (https://user:pw@eth.example:8545/v3/KEY?apikey=1)"
            ),
            "error sending request for url (https://***@eth.example:8545/v3/***?apikey=***)"
        );
        assert_eq!(redact_urls("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
        assert_eq!(redact_urls("no url here"), "no url here");
        assert_eq!(
            redact_urls("a http://h/X and https://k@h2 b, \"postgres://u:p@h/db\""),
            "a http://h/*** and https://***@h2 b, \"postgres://u:***@h/db\""
        );
        assert_eq!(redact_urls("odd ://x and 1://y"), "odd ://x and 1://y");
        assert_eq!(redact(&"L1 RPC https://e.x/v3/KEY: down"), "L1 RPC https://e.x/v3/***: down");
    }
}
