//! Serde adapters shared by the wire types, and by every crate whose JSON follows them
//! (integers as decimal strings, numbers accepted on input).

/// `u64` as a decimal string (as the beacon API and EIP-3076 do), so JavaScript clients never
/// round it. Numbers are accepted on input too.
pub mod quoted_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrNumber {
        String(String),
        Number(u64),
    }

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    /// Accepts a decimal string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match StringOrNumber::deserialize(d)? {
            StringOrNumber::Number(n) => Ok(n),
            StringOrNumber::String(s) => s.parse().map_err(D::Error::custom),
        }
    }
}

/// `Option<u64>` as a decimal string or `null`; numbers are accepted on input too.
pub mod quoted_opt_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes `Some(v)` as `"v"`, `None` as `null`.
    pub fn serialize<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    /// Accepts `null`, a decimal string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::quoted_u64")] u64);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

/// `U256` as a decimal string (stake weights exceed what JSON numbers carry).
pub mod quoted_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    /// Accepts a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        U256::from_str_radix(&s, 10).map_err(D::Error::custom)
    }
}

/// `u32` as a decimal string; numbers are accepted on input too.
pub mod quoted_u32 {
    use serde::{Deserializer, Serializer, de::Error as _};

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    /// Accepts a decimal string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let wide = super::quoted_u64::deserialize(d)?;
        u32::try_from(wide).map_err(D::Error::custom)
    }
}

/// Fixed-size byte arrays as `0x` hex strings.
pub(crate) mod hex_array {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        value: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(value)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = super::decode_hex(&s).map_err(D::Error::custom)?;
        let found = bytes.len();
        bytes.try_into().map_err(|_| {
            D::Error::custom(crate::Error::WrongLength { what: "hex field", expected: N, found })
        })
    }
}

/// Decodes `0x`-prefixed (or bare) hex.
pub(crate) fn decode_hex(s: &str) -> crate::Result<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(s).map_err(|e| crate::Error::Hex(e.to_string()))
}
