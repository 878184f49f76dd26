#!/usr/bin/env bash
# Runs Vigil's whole test suite: set-up, the Rust tests (unit, integration, public vectors),
# the cross-language vector check, benchmarks compiled (not run), and the forge tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Keep build output outside the clone so fresh clones reuse compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil/target}"

step() { printf '\n==> %s\n' "$*"; }

step "set-up"
scripts/setup.sh

step "generated files are up to date (vectors, EigenLayer fixture, contract artifacts)"
cargo run --quiet -p vigil-testgen -- checkpoints --check testdata/checkpoints.json
cargo run --quiet -p vigil-testgen -- batches --check testdata/batches.json
cargo run --quiet -p vigil-testgen -- eigenlayer --check testdata/fixtures/eigenlayer-v1.3.0.json
(cd contracts && node_modules/.bin/forge build --quiet && node script/export-artifacts.mjs --check)

step "release binaries (the operator crash test, the devnet and the monitoring test use them)"
cargo build --release --quiet -p vigil-operator -p vigil-aggregator -p vigil-slasher -p vigil-devnet
export VIGIL_CRASH_BIN="$CARGO_TARGET_DIR/release/vigil-operator"
export VIGIL_BIN_DIR="$CARGO_TARGET_DIR/release"

step "Rust tests"
cargo test --workspace

step "benchmarks compile"
cargo bench --workspace --no-run

step "forge tests (contracts/README.md's commands, as written)"
(
cd contracts
npm ci
export PATH="$PWD/node_modules/.bin:$PATH"   # forge, anvil, cast 1.7.1
forge build
forge test                                  # CI profile: 64 fuzz runs, 32×16 invariant runs
forge fmt --check
forge fmt --check dev                       # dev/ (local-chain contracts) is outside the default paths
)

step "devnet end to end (README: scripts/devnet.sh, unattended, three rollups on batched certificates, byzantine)"
# As README.md writes it (the state folder is left in the temporary directory).
scripts/devnet.sh --dir "$(mktemp -d)" --fresh --rollups 3 --byzantine --exit-after 8 --timeout-secs 300

step "devnet end to end with one rollup and a veto window (README: single certificates, one slash vetoed, one executed)"
scripts/devnet.sh --dir "$(mktemp -d)" --fresh --rollups 1 --byzantine --veto-window 10 --exit-after 8 --timeout-secs 300
