#!/usr/bin/env bash
# Starts Redis and PostgreSQL on this machine if they are not already answering.
# Used by `npm run local` and .ci/run; safe to run again and again.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    echo "installing redis-server" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/netops.log
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    echo "installing postgresql" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
fi

for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not come up on 127.0.0.1:6379" >&2; exit 1; }
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }

# The tests use database "test" as user root (trust auth on this kind of machine).
if ! psql -h 127.0.0.1 -U root -d test -c 'select 1' >/dev/null 2>&1; then
  su postgres -c "psql -qc \"DO \\\$\\\$ BEGIN CREATE ROLE root SUPERUSER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \\\$\\\$\"" || true
  su postgres -c "createdb -O root test" 2>/dev/null || true
fi
echo "services: redis and postgres are up"
