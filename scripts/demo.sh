#!/usr/bin/env bash
# The one-command demo (`make demo`): a hub with a few weeks of realistic CI history, on this machine.
#
# Creates .venv with python3 when it is missing, installs the hub ('.[hub]'), migrates the SQLite database
# under ./var/, seeds the demo through the real ingest API (manage.py seed_demo), then starts the task
# worker (manage.py qcluster, ORM broker) in the background and the development server in the foreground.
# Ctrl-C stops both. Seeding again is a no-op; to start over, delete ./var/ (see docs/demo.md).
# The settings it uses are written to var/demo.env, which manage.py reads in this checkout for whatever the
# environment does not set, so `python manage.py createtoken --user admin` works afterwards as it is.
#
# Usage: scripts/demo.sh [seed_demo options, e.g. --days 7 --seed 3]
# Environment: PORT (default 8000), ADMIN_PASSWORD (default admin), PYTHON (default python3),
#              VENV (default ./.venv), SKIP_INSTALL=1 to use the virtualenv as it is,
#              ORCHESTRATE_ENV_FILE (default var/demo.env) where the settings are written.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
port="${PORT:-8000}"
password="${ADMIN_PASSWORD:-admin}"
venv="${VENV:-$repo/.venv}"
py="$venv/bin/python"

log() { echo "demo: $*" >&2; }

case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

if [ ! -x "$py" ]; then
    log "creating the virtualenv $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
if [ "${SKIP_INSTALL:-0}" != "1" ]; then
    log "installing the hub into $venv (pip install -e '.[hub]')"
    "$py" -m pip install --quiet --disable-pip-version-check -e "$repo[hub]"
fi

export DEBUG="${DEBUG:-true}"  # a development secret key, static files served by runserver
export SITE_URL="${SITE_URL:-http://127.0.0.1:$port}"  # links in upload receipts and the seed summary
# The settings above, and the ones that say where the data is, for the commands run later in this checkout
# (hub/startup.py reads the file; the environment wins over it).
env_file="${ORCHESTRATE_ENV_FILE:-$repo/var/demo.env}"
mkdir -p "$(dirname "$env_file")"
{
    echo "# Written by scripts/demo.sh; manage.py reads it for what the environment does not set."
    for name in DEBUG SITE_URL DATABASE_URL REDIS_URL ORCHESTRATE_VAR_DIR MEDIA_ROOT; do
        if [ -n "${!name:-}" ]; then echo "$name=${!name}"; fi
    done
} >"$env_file"
export ORCHESTRATE_ENV_FILE="$env_file"
log "settings written to $env_file"
log "migrating the database"
"$py" manage.py migrate --noinput --verbosity 0
"$py" manage.py seed_demo --admin-password "$password" "$@"

# Job control puts the worker and the server in process groups of their own, so Ctrl-C reaches only this
# script, which then stops each of them once (the worker hangs when it gets SIGINT and SIGTERM together).
set -m
"$py" manage.py qcluster &
worker=$!
server=""
stop() {  # on any exit: Ctrl-C, a failed start, or the server ending
    trap - EXIT INT TERM
    local pid alive _
    for pid in $server $worker; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 40); do
        alive=""
        for pid in $server $worker; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        if [ -z "$alive" ]; then return 0; fi
        sleep 0.5
    done
    log "the worker or the server did not stop within 20 s; killing them"
    for pid in $server $worker; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
}
trap stop EXIT
trap 'exit 130' INT TERM

cat <<INFO

  Orchestrate demo
    Dashboard: http://127.0.0.1:$port/          (sign in as admin / $password)
    Admin:     http://127.0.0.1:$port/admin/
    API docs:  http://127.0.0.1:$port/api/docs/
    Runs API:  http://127.0.0.1:$port/api/v1/runs/  (logged in, or with an API token)
  The task worker runs in the background (pid $worker); Ctrl-C stops the server and the worker.

INFO
# In the background so a signal reaches this script at once (bash defers traps while a foreground child
# runs); the script waits on it, so the server's output still shows here and its end ends the demo.
"$py" manage.py runserver "127.0.0.1:$port" &
server=$!
wait "$server"
