//! Serde adapters shared by the wire types.

/// `u64` as a decimal string (as the beacon API and EIP-3076 do), so JavaScript clients never
/// round it. Numbers are accepted on input too.
pub(crate) mod quoted_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrNumber {
        String(String),
        Number(u64),
    }

    pub(crate) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match StringOrNumber::deserialize(d)? {
            StringOrNumber::Number(n) => Ok(n),
            StringOrNumber::String(s) => s.parse().map_err(D::Error::custom),
        }
    }
}

/// `u32` as a decimal string; numbers are accepted on input too.
pub(crate) mod quoted_u32 {
    use serde::{Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
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
