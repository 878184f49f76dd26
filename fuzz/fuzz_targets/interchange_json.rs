//! The slashing-protection interchange file (`vigil_slashing_protection::Interchange`,
//! EIP-3076 in form), as `import` reads it. Never panics; a parsed file writes JSON that parses
//! to the same interchange, and that JSON is a fixed point; the compatibility check never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_slashing_protection::Interchange;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    let Ok(interchange) = Interchange::from_json_str(json) else { return };
    let written = interchange.to_json_string().expect("an interchange serializes");
    let again = Interchange::from_json_str(&written).expect("written interchange parses");
    assert_eq!(again, interchange);
    assert_eq!(again.to_json_string().ok().as_deref(), Some(written.as_str()));
    let domain = interchange.metadata.domain;
    let _ = interchange.check_compatible(&domain);
});
