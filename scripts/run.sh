#!/usr/bin/env bash
# `make run`: migrate, seed the demo school when the database is empty, and run
# the web server, a Celery worker and Celery beat (the nightly jobs: anonymising
# students who left, purging the audit log) side by side until Ctrl-C.
# docker-compose runs the same three: web, worker and beat (scripts/beat.sh).
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
beat_pid=""
cleanup() {
    for pid in $beat_pid $worker_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
worker_pid=$!
.venv/bin/celery -A config beat --schedule var/celerybeat-schedule --loglevel=INFO >var/beat.log 2>&1 &
beat_pid=$!

echo
echo "Leerlingbespreking runs at http://127.0.0.1:${PORT}  (worker log: var/worker.log, beat log: var/beat.log)"
$PY manage.py demo_logins
echo
$PY manage.py runserver "127.0.0.1:${PORT}"
