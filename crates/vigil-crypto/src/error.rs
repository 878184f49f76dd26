//! Errors of `vigil-crypto`.

use std::fmt;

use blst::BLST_ERROR;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which kind of point an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// A G1 point: a signature.
    Signature,
    /// A G2 point: a public key.
    PublicKey,
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signature => "signature (G1)",
            Self::PublicKey => "public key (G2)",
        })
    }
}

/// Everything that can go wrong decoding, accepting or verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input has a length no encoding of this point has.
    #[error("{point}: {found} bytes is not a valid encoding length")]
    WrongLength {
        /// The point.
        point: Point,
        /// The length found.
        found: usize,
    },
    /// Bad flag bits, a coordinate not below the field modulus, or bad padding.
    #[error("{point}: malformed encoding")]
    BadEncoding {
        /// The point.
        point: Point,
    },
    /// The coordinates are not a point on the curve.
    #[error("{point}: not on the curve")]
    NotOnCurve {
        /// The point.
        point: Point,
    },
    /// The point is on the curve but outside the prime-order subgroup.
    #[error("{point}: not in the prime-order subgroup")]
    NotInSubgroup {
        /// The point.
        point: Point,
    },
    /// The identity (point at infinity), refused wherever a key or signature is accepted.
    #[error("{point}: the identity is not accepted")]
    Identity {
        /// The point.
        point: Point,
    },
    /// A secret key that is zero, not below the group order, or not 32 bytes.
    #[error("invalid secret key")]
    InvalidSecretKey,
    /// Key generation input keying material shorter than 32 bytes.
    #[error("key generation needs at least 32 bytes of input keying material")]
    ShortIkm,
    /// Nothing to aggregate.
    #[error("cannot aggregate an empty set")]
    EmptyAggregate,
    /// Inputs of different lengths where one item per signer was expected.
    #[error("mismatched input lengths: {keys} keys, {messages} messages, {signatures} signatures")]
    LengthMismatch {
        /// Keys given.
        keys: usize,
        /// Messages given.
        messages: usize,
        /// Signatures given.
        signatures: usize,
    },
    /// The signature does not verify.
    #[error("signature verification failed")]
    VerificationFailed,
}

impl Error {
    /// Maps a blst error for a point of kind `point`.
    pub(crate) fn from_blst(point: Point, err: BLST_ERROR) -> Self {
        match err {
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => Self::NotOnCurve { point },
            BLST_ERROR::BLST_POINT_NOT_IN_GROUP => Self::NotInSubgroup { point },
            BLST_ERROR::BLST_PK_IS_INFINITY => Self::Identity { point },
            BLST_ERROR::BLST_BAD_SCALAR => Self::InvalidSecretKey,
            BLST_ERROR::BLST_VERIFY_FAIL => Self::VerificationFailed,
            BLST_ERROR::BLST_AGGR_TYPE_MISMATCH => Self::EmptyAggregate,
            _ => Self::BadEncoding { point },
        }
    }
}
