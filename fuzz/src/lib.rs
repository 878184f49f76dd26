//! Helpers shared by Vigil's fuzz targets (`fuzz_targets/`): the rollup configurations the OP
//! Stack targets decode under, and the panic policy of targets whose production code catches
//! panics itself.

use std::{cell::RefCell, panic::AssertUnwindSafe, sync::Once};

use vigil_da::op::OpRollupConfig;

/// OP Mainnet's registry file, as the repository records it.
const MAINNET_OP: &str = include_str!("../../testdata/realdata/rollup-configs/mainnet-op.toml");
/// OP Sepolia's registry file, as the repository records it.
const SEPOLIA_OP: &str = include_str!("../../testdata/realdata/rollup-configs/sepolia-op.toml");

/// The configuration an OP Stack target decodes under, chosen by one input byte: OP Mainnet,
/// OP Sepolia (the recorded batches are from these two), or a devnet whose every timestamp is an
/// L2 block time (so the fuzzer reaches block derivation without matching a real chain's clock).
pub fn op_config(selector: u8) -> OpRollupConfig {
    let toml = match selector % 3 {
        0 => MAINNET_OP,
        1 => SEPOLIA_OP,
        _ => {
            let zero = vigil_types::Address::ZERO;
            return OpRollupConfig::devnet("fuzz-devnet", 901, zero, zero, 1, 0);
        }
    };
    OpRollupConfig::from_superchain_toml(toml).expect("the recorded registry file parses")
}

thread_local! {
    /// The message of the last panic on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `body` under the panic policy of targets whose production code catches panics itself.
///
/// libFuzzer's hook aborts on *every* panic, even one the code under test catches, but
/// `decode_channel` deliberately runs kona's batch decoder under `catch_unwind` and turns a panic
/// into a refusal. Here a panic is only recorded; one that escapes the production code into
/// `body`'s caller is printed and aborts the process: a crash, as with the default hook. Set
/// `VIGIL_FUZZ_SHOW_PANICS=1` to print the caught ones too.
pub fn run_allowing_caught_panics(body: impl FnOnce()) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let show = std::env::var_os("VIGIL_FUZZ_SHOW_PANICS").is_some();
        std::panic::set_hook(Box::new(move |info| {
            if show {
                eprintln!("panic (caught by the code under test unless an abort follows): {info}");
            }
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
        }));
    });
    if std::panic::catch_unwind(AssertUnwindSafe(body)).is_err() {
        let message = LAST_PANIC.with(|last| last.borrow_mut().take()).unwrap_or_default();
        eprintln!("panic escaped the code under test: {message}");
        std::process::abort();
    }
}
