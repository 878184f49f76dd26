//! Decimal-string integers, as the aggregator writes them (numbers are accepted too).

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(u64),
}

pub(crate) mod quoted_u64 {
    use serde::{Deserialize, Deserializer, de::Error as _};

    use super::StringOrNumber;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match StringOrNumber::deserialize(d)? {
            StringOrNumber::Number(n) => Ok(n),
            StringOrNumber::String(s) => s.parse().map_err(D::Error::custom),
        }
    }
}

pub(crate) mod quoted_u32 {
    use serde::{Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        u32::try_from(super::quoted_u64::deserialize(d)?).map_err(D::Error::custom)
    }
}

pub(crate) mod quoted_opt_u64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    use super::StringOrNumber;

    pub(crate) fn serialize<S: Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<StringOrNumber>::deserialize(d)? {
            None => Ok(None),
            Some(StringOrNumber::Number(n)) => Ok(Some(n)),
            Some(StringOrNumber::String(s)) => s.parse().map(Some).map_err(D::Error::custom),
        }
    }
}

pub(crate) mod quoted_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        U256::from_str_radix(&s, 10).map_err(D::Error::custom)
    }
}
