#!/usr/bin/env bash
# Runs a command with throw-away PostgreSQL and Redis on free loopback ports, and stops them
# whatever the command's outcome. DATABASE_URL / REDIS_URL already set means: use those.
set -uo pipefail

workdir=$(mktemp -d /tmp/gatehouse-test.XXXXXX)
pg_data="$workdir/pg"
pg_started=""
redis_pidfile="$workdir/redis.pid"

free_port() {
  python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randint(20000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  if [ -n "$pg_started" ]; then as_pg "$PG_BIN/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -f "$redis_pidfile" ]; then kill "$(cat "$redis_pidfile")" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
child=""
stop_child() {
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then kill "-$1" "$child" 2>/dev/null; fi
  if [ -n "$child" ]; then wait "$child" 2>/dev/null; fi
}
on_interrupt() {
  # Ctrl-C reaches the command itself (it is in our process group): let it stop on its own
  # (pytest prints its summary) and only stop it after 10 s, so it is not interrupted twice.
  for _ in $(seq 100); do
    if [ -z "$child" ] || ! kill -0 "$child" 2>/dev/null; then break; fi
    sleep 0.1
  done
  stop_child TERM
  exit 130
}
# A signal ends the script (the EXIT trap then stops the services): a handler that does not
# exit lets bash carry on with the rest of the script. The command is stopped first, so the
# databases are not pulled from under a test that is still running.
trap cleanup EXIT
trap on_interrupt INT
trap 'stop_child TERM; exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$PG_BIN" ] || PG_BIN=$(dirname "$(command -v pg_ctl)")
  pg_port=$(free_port)
  if [ "$(id -u)" = 0 ]; then chown postgres "$workdir"; fi
  as_pg "$PG_BIN/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null \
    || { echo "initdb failed" >&2; exit 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$pg_data" -w -l "$workdir/pg.log" \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$workdir/pg.log" >&2; exit 1; }
  pg_started=1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/gatehouse"
  echo "→ PostgreSQL on 127.0.0.1:$pg_port"
fi

if [ -z "${REDIS_URL:-}" ]; then
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --pidfile "$redis_pidfile" \
    --save '' --appendonly no --dir "$workdir" --logfile "$workdir/redis.log" \
    || { echo "redis-server failed to start" >&2; exit 1; }
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "→ Redis on 127.0.0.1:$redis_port"
fi
export CELERY_BROKER_URL="$REDIS_URL" CELERY_RESULT_BACKEND="$REDIS_URL"
export DJANGO_ALLOW_ASYNC_UNSAFE=true

# In the background so that a signal runs its trap at once (bash runs traps only between
# commands) and can stop the command; SIGINT back to default (bash ignores it in background
# commands) and stdin kept, so Ctrl-C and a debugger behave as in the foreground.
( trap - INT QUIT; exec "$@" ) <&0 &
child=$!
wait "$child"
status=$?
child=""
if [ $status -eq 5 ]; then echo "No tests were collected: that is a failure." >&2; status=1; fi
exit $status
