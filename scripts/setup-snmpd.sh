#!/usr/bin/env bash
# Installs Debian's net-snmp agent and tools for the SNMP integration tests and bench.
# Idempotent; tests spawn their own snmpd on a spare port, so the system service is stopped.
set -euo pipefail
if ! command -v snmpd >/dev/null || ! command -v snmpwalk >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends snmpd snmp >/dev/null
fi
# The packaged service would hold udp/161 and is not what the tests talk to.
if command -v systemctl >/dev/null && systemctl is-active --quiet snmpd 2>/dev/null; then systemctl stop snmpd || true; fi
snmpd -v | head -n 3
