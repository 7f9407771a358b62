#!/usr/bin/env bash
# Debian packages the product and its tests need. Idempotent and quiet when all are present.
set -euo pipefail
pkgs=(build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev
      redis-server postgresql postgresql-contrib snmpd snmp openssh-server frr iproute2 git fonts-dejavu-core
      fonts-noto-color-emoji
      chromium prometheus-alertmanager victoria-metrics prometheus-snmp-exporter)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
