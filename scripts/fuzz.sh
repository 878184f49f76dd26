#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer): builds every target in fuzz/ and runs each,
# one at a time, for SECONDS (default 20) from its committed corpus (fuzz/corpus/<target>).
# Fails if any target crashes. fuzz/README.md lists the targets and the long-run command.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Stable Rust only: cargo-fuzz needs unstable rustc flags, allowed here by RUSTC_BOOTSTRAP=1.
# No sanitizer (see fuzz/README.md). Builds go to their own target dir (instrumented code cannot
# share the main cache): VIGIL_FUZZ_TARGET_DIR, default ~/.cache/vigil/fuzz-target. Cargo jobs:
# CARGO_BUILD_JOBS (default 1). New inputs found go to a temporary directory, not the corpus
# (with VIGIL_FUZZ_GROW_CORPUS=1 they are added to fuzz/corpus/<target>, for the long run);
# crash inputs go to fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${VIGIL_FUZZ_TARGET_DIR:-$HOME/.cache/vigil/fuzz-target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
export CARGO_TERM_COLOR=never
fuzz_flags=(--sanitizer none)

start=$SECONDS
step() { printf '\n==> [%ss] %s\n' "$((SECONDS - start))" "$*"; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
cargo fuzz --version

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

step "build (${#targets[@]} targets; target dir $CARGO_TARGET_DIR)"
cargo fuzz build "${fuzz_flags[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
  step "run $target for ${seconds}s"
  mkdir -p "$work/$target" "fuzz/corpus/$target"
  log="$work/$target.log"
  status=0
  # New inputs go to the first directory: scratch, unless the corpus is to grow.
  dirs=("$work/$target" "fuzz/corpus/$target")
  if [ "${VIGIL_FUZZ_GROW_CORPUS:-0}" = 1 ]; then
    dirs=("fuzz/corpus/$target")
  fi
  cargo fuzz run "${fuzz_flags[@]}" "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout=30 -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    tail -n 60 "$log"
    summary+=("$(printf '%-18s %12s  FAILED (exit %s)' "$target" "${execs:-?}" "$status")")
  else
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || tail -n 3 "$log"
    summary+=("$(printf '%-18s %12s  ok' "$target" "${execs:-?}")")
  fi
  echo "$target: ${execs:-?} executions"
done

step "summary (${seconds}s per target)"
printf '%-18s %12s\n' target executions
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
