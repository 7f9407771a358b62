#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest hook): everything the integration tests need on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  bash scripts/setup-system.sh
  for s in scripts/setup-*.sh; do [ "$s" = scripts/setup-system.sh ] || bash "$s" >/dev/null; done
else
  echo "not root: skipping package installs; the sshd/FRR/snmpd tests need root" >&2
fi
bash scripts/services.sh >/dev/null
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
