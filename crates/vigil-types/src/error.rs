//! Errors of `vigil-types`.

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can be wrong with bytes claiming to be one of Vigil's formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input ended before the named field was complete.
    #[error("truncated input: {what} needs {needed} more bytes")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// How many bytes were missing.
        needed: usize,
    },
    /// Bytes were left after a complete value.
    #[error("{count} trailing bytes after a complete {what}")]
    TrailingBytes {
        /// The value that was decoded.
        what: &'static str,
        /// How many bytes were left over.
        count: usize,
    },
    /// A field had the wrong length.
    #[error("{what}: expected {expected} bytes, got {found}")]
    WrongLength {
        /// The field.
        what: &'static str,
        /// The required length (or the largest allowed).
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A signature had a length other than 48 (compressed) or 96 (uncompressed) bytes.
    #[error("signature must be 48 (compressed) or 96 (uncompressed) bytes, got {found}")]
    SignatureLength {
        /// The length found.
        found: usize,
    },
    /// The compact encoding's version byte is not one this build reads.
    #[error("unsupported encoding version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The compact encoding's type tag does not name the expected type.
    #[error("unexpected type tag {found} for {what}")]
    UnexpectedTag {
        /// The type being decoded.
        what: &'static str,
        /// The tag found.
        found: u8,
    },
    /// A list was longer than the decoder allows.
    #[error("{what}: {found} entries exceed the limit of {max}")]
    TooMany {
        /// The list.
        what: &'static str,
        /// The count found.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// Invalid hex in a JSON field.
    #[error("invalid hex: {0}")]
    Hex(String),
    /// Evidence whose two checkpoints do not conflict (or are in different domains).
    #[error("evidence does not show a conflict: {reason}")]
    NotAConflict {
        /// Why not.
        reason: &'static str,
    },
}
