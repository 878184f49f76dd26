#!/usr/bin/env bash
# Installs what Vigil's builds and tests need that is not already on the machine:
# the contracts toolchain (forge, anvil, cast, solc-js, OpenZeppelin) from npm, pinned by
# contracts/package-lock.json. Idempotent: does nothing when the lockfile has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed" >&2; exit 1; }; }
need cargo
need node
need npm

stamp=contracts/node_modules/.vigil-lock-sha256
want=$(sha256sum contracts/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the contracts toolchain (npm ci)"
  (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

# The devnet needs nothing more (scripts/devnet.sh passes --devnet-only).
if [ "${1:-}" = "--devnet-only" ]; then
  exit 0
fi

# Debian packages the tests need; nothing is started here.
# - postgresql: the aggregator's and slasher's tests start private servers (vigil-test-utils);
# - prometheus (with promtool): the monitoring test scrapes a running devnet with it.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} (apt-get install)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
