//! Passwords, read only from the environment or a file.

use std::{fmt, path::Path};

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// A keystore password. Zeroized on drop; never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password held in memory (tests and programmatic use).
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// Reads the password from environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self> {
        std::env::var(var)
            .map(Self::new)
            .map_err(|e| Error::Password { source_name: format!("${var}"), reason: e.to_string() })
    }

    /// Reads the password from a file; one trailing newline (`\n` or `\r\n`) is removed.
    pub fn from_file(path: &Path) -> Result<Self> {
        let raw = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::Password {
            source_name: path.display().to_string(),
            reason: e.to_string(),
        })?);
        let trimmed = raw.strip_suffix('\n').unwrap_or(&raw);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        Ok(Self::new(trimmed))
    }

    /// The password as raw UTF-8 bytes (Web3 secret storage V3 uses them as they are).
    pub(crate) fn raw_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// EIP-2335 processing: NFKD-normalize, then drop the C0 and C1 control codes and DEL.
    pub(crate) fn eip2335_bytes(&self) -> Zeroizing<Vec<u8>> {
        let normalized: Zeroizing<String> = Zeroizing::new(
            self.0
                .nfkd()
                .filter(|c| !matches!(*c as u32, 0x00..=0x1f | 0x7f | 0x80..=0x9f))
                .collect(),
        );
        Zeroizing::new(normalized.as_bytes().to_vec())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}
