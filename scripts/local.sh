#!/usr/bin/env bash
# `npm run local`: prepares this machine (packages, Redis, PostgreSQL, node_modules, database) and
# starts the bot and a worker against the local Slack emulator with a console.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/setup-system.sh; fi
bash scripts/services.sh >/dev/null
[ -d node_modules/.bin ] && [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
psql -h 127.0.0.1 -U root -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'netops'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U root netops
exec node --import tsx scripts/local.ts "$@"
