//! The proof-of-possession message, bound to the registering operator.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, keccak256};

/// The tag hashed into every proof-of-possession message.
pub const POP_TAG: &[u8] = b"VIGIL_POP_V1";

static POP_TYPEHASH: LazyLock<B256> = LazyLock::new(|| keccak256(POP_TAG));

/// `keccak256("VIGIL_POP_V1")`.
pub fn pop_typehash() -> B256 {
    *POP_TYPEHASH
}

/// The 32-byte message an operator signs (under the `BLS_POP_` DST) to prove it holds the secret
/// key of `pubkey_eip2537`:
/// `keccak256(abi.encode(keccak256("VIGIL_POP_V1"), uint256 l1ChainId, address registrar,
/// address operator, keccak256(pubkey)))`, with `pubkey` in the 256-byte EIP-2537 G2 encoding.
///
/// Binding the operator's address means a proof copied from another registration is worthless.
pub fn pop_message(
    l1_chain_id: u64,
    registrar: Address,
    operator: Address,
    pubkey_eip2537: &[u8; 256],
) -> B256 {
    let mut buf = [0u8; 5 * 32];
    let typehash = pop_typehash();
    let words: [&[u8]; 5] = [
        typehash.as_slice(),
        &l1_chain_id.to_be_bytes(),
        registrar.as_slice(),
        operator.as_slice(),
        &keccak256(pubkey_eip2537).0,
    ];
    for (word, bytes) in buf.chunks_exact_mut(32).zip(words) {
        let start = 32usize.saturating_sub(bytes.len());
        if let Some(dst) = word.get_mut(start..) {
            dst.copy_from_slice(bytes);
        }
    }
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{U256, address};
    use alloy_sol_types::SolValue;

    #[test]
    fn matches_abi_encode_and_binds_every_field() {
        let registrar = address!("0x00000000000000000000000000000000000000aa");
        let operator = address!("0x00000000000000000000000000000000000000bb");
        let mut pk = [0u8; 256];
        pk[17] = 1;
        let expected = keccak256(
            (keccak256(b"VIGIL_POP_V1"), U256::from(5u64), registrar, operator, keccak256(pk))
                .abi_encode(),
        );
        let m = pop_message(5, registrar, operator, &pk);
        assert_eq!(m, expected);
        assert_ne!(m, pop_message(6, registrar, operator, &pk));
        assert_ne!(m, pop_message(5, operator, operator, &pk));
        assert_ne!(m, pop_message(5, registrar, registrar, &pk));
        let mut other = pk;
        other[255] = 9;
        assert_ne!(m, pop_message(5, registrar, operator, &other));
    }
}
