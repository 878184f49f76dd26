#!/usr/bin/env bash
# The gas table in contracts/README.md, from one command:
#   contracts/script/gas-table.sh
# 1. forge, on EigenLayer's real v1.3.0 core: each call as forge measures it (vm.lastCallGas), and
#    `verifyCertificate` against EigenLayer's BLSSignatureChecker (159,908 gas with 0 non-signers,
#    ~18,750 per non-signer: its unit-test figures), and so `verifyBatchCertificate` (one batch of R
#    checkpoints: the same pairing over another digest);
# 2. crates/vigil-chain/benches/gas.rs on a real anvil: whole transactions (receipt gasUsed,
#    intrinsic gas and calldata included).
# Extra arguments go to cargo (e.g. `--profile dev` to reuse debug builds: gas does not depend on it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
forge_bin="$here/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
[ -x "$forge_bin" ] || forge_bin="$(command -v forge)"

echo "Calls as forge measures them (forge test --match-contract VigilGasTest -vv; osaka, real EigenLayer v1.3.0):"
echo
forge_out="$(cd "$here" && "$forge_bin" test --match-contract VigilGasTest -vv)"
printf '%s\n' "$forge_out" | awk '
    BEGIN { base = 159908; per = 18750 }
    /^  [^:]+: [0-9]+$/ {
        split($0, kv, ": "); label = substr(kv[1], 3); gas = kv[2] + 0
        if (label == "0" || label == "50") next   # the per-non-signer test repeats these
        if (label ~ /^ /) next                      # indented: detail lines (refunds)
        n = 0; r = 0
        if (match(label, /[0-9]+ non-signer/)) n = substr(label, RSTART, RLENGTH) + 0
        if (match(label, /[0-9]+ lea(f|ves)/)) r = substr(label, RSTART, RLENGTH) + 0   # batch size
        if (label ~ /^registerForOperatorSets/) rank = 1
        else if (label ~ /^verifyCertificate/) rank = 2
        else if (label == "per non-signer") rank = 3
        else if (label ~ /^verifyBatchCertificate/) rank = 4
        else if (label ~ /^submitCertificate \(/) rank = 5
        else if (label ~ /^submitBatchCertificate \(/) rank = 6
        else if (label ~ /^isCertified \(/) rank = 7
        else if (label ~ /^isCertifiedInBatch/) rank = 8
        else if (label ~ /^inclusion proof alone/) rank = 9
        else rank = 10
        if (rank == 2 || rank == 4) {
            ref = base + per * n
            row = sprintf("| `%s` | %s | %.2f (vs %s) |", label, fmt(gas), gas / ref, fmt(ref))
        } else if (rank == 3) {
            row = sprintf("| verification, per non-signer ((50 - 0) / 50) | %s | %.2f (vs %s) |", fmt(gas), gas / per, fmt(per))
        } else {
            row = sprintf("| `%s` | %s | |", label, fmt(gas))
        }
        # Sorted by kind, then non-signers, then batch size.
        printf "%012d\t%s\n", rank * 100000000 + n * 10000 + r, row
    }
    function fmt(v,   s, out) {
        s = sprintf("%d", v); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        return s out
    }' | sort -s -n -k1,1 | cut -f2- | {
    echo "| call | gas | ratio to BLSSignatureChecker |"
    echo "| --- | ---: | ---: |"
    cat
}

cd "$here/.."
# Whole transactions; its last line is amortised_gas_per_checkpoint_r100.
cargo bench -p vigil-chain --bench gas "$@"
# A rollup's inclusion check: the whole VigilBatchRoots.isCertifiedInBatch call (cold, the
# record, the thresholds and the proof) at R = 100, as forge measured it above; the dearer of the
# two cases (the default threshold, or the rollup's own: one more cold slot).
inclusion="$(printf '%s\n' "$forge_out" | sed -n 's/^  isCertifiedInBatch, 100 leaves (proof depth 7)[^:]*: \([0-9]*\)$/\1/p' | sort -n | tail -1)"
[ -n "$inclusion" ] || { echo "gas-table: no isCertifiedInBatch figure from forge" >&2; exit 1; }
echo "inclusion_check_gas: $inclusion"
