#!/usr/bin/env bash
# `make run`: migrate, seed the demo school when the database is empty, and run
# the web server and a Celery worker side by side until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-1}"
export DEMO_MODE="${DEMO_MODE:-1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

mkdir -p var
$PY manage.py migrate --noinput
$PY manage.py seed_demo --if-empty

worker_pid=""
cleanup() {
    if [ -n "$worker_pid" ]; then kill "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
worker_pid=$!

echo
echo "Leerlingbespreking runs at http://127.0.0.1:${PORT}  (worker log: var/worker.log)"
$PY manage.py demo_logins
echo
$PY manage.py runserver "127.0.0.1:${PORT}"
