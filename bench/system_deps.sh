#!/usr/bin/env bash
# What `make bench` needs on this machine: PostgreSQL (server binaries), Redis and wrk (the load
# generator). Installs the missing ones with apt-get when run as root on Debian; otherwise says
# what to install. (The test suite's own list, with Chromium, is scripts/system_deps.sh.)
set -euo pipefail

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "${DATABASE_URL:-}" ] && [ ! -x "${pg_bin:-/nonexistent}/pg_ctl" ] && ! command -v pg_ctl >/dev/null; then
  need+=(postgresql)
fi
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then need+=(redis-server); fi
if ! command -v wrk >/dev/null; then need+=(wrk); fi

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "→ installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged services; the benchmark uses its own throw-away servers.
  (service postgresql stop; service redis-server stop) >/dev/null 2>&1 || true
else
  echo "The benchmark needs: ${need[*]}" >&2
  echo "Install them, e.g.:  sudo apt-get install --no-install-recommends ${need[*]}" >&2
  exit 1
fi
