#!/usr/bin/env bash
# Starts Vigil's devnet: L1 and L2 anvil, EigenLayer core and Vigil deployed, operators
# registered, aggregator, operators and slasher running.
set -euo pipefail
echo "The devnet is not built yet (issue 8): today the repository holds the formats, the" >&2
echo "cryptography, the keystores and the contracts toolchain. Run scripts/test.sh to test them." >&2
exit 2
