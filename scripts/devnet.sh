#!/usr/bin/env bash
# Starts Vigil's devnet: L1 and L2 anvil, EigenLayer's core and Vigil deployed, operators
# funded, staked and registered, aggregator, operator nodes, slasher and batcher running.
# Every argument goes to vigil-devnet (see `scripts/devnet.sh --help`); state lives in .devnet/
# (resumed on the next run; --fresh starts over). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil/target}"
scripts/setup.sh --devnet-only >&2
echo "devnet: building Vigil (release; the first build takes a while)" >&2
cargo build --release --quiet -p vigil-operator -p vigil-aggregator -p vigil-slasher -p vigil-devnet
export VIGIL_BIN_DIR="$CARGO_TARGET_DIR/release"
exec "$VIGIL_BIN_DIR/vigil-devnet" "$@"
