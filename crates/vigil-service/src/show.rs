//! Printing a configuration for people.

use serde::Serialize;
use serde_json::Value;
use vigil_types::redact::redact_urls;

/// `config` as pretty JSON (what the binaries' `config` subcommands print), with every URL in
/// it passed through [`redact_urls`]: database passwords, RPC keys in user-info, paths and
/// queries never reach a terminal or a ticket. Passwords themselves are never configuration
/// (only the names of the variables or files holding them are).
pub fn config_json<T: Serialize>(config: &T) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(config)?;
    redact_strings(&mut value);
    serde_json::to_string_pretty(&value)
}

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = redact_urls(s),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(fields) => fields.values_mut().for_each(redact_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Config {
        database: &'static str,
        rpcs: Vec<&'static str>,
        port: u16,
        path: &'static str,
    }

    #[test]
    fn urls_are_redacted_wherever_they_are() {
        let json = config_json(&Config {
            database: "postgres://u:secret@h/db",
            rpcs: vec!["https://eth.example/v3/KEY?apikey=SECRET"],
            port: 1,
            path: "keys/a.json",
        })
        .unwrap();
        assert!(json.contains("postgres://u:***@h/db"), "{json}");
        assert!(json.contains("https://eth.example/v3/***?apikey=***"), "{json}");
        assert!(json.contains("keys/a.json"), "{json}");
        for secret in ["secret", "KEY", "SECRET"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
    }
}
