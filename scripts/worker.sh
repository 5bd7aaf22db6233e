#!/usr/bin/env bash
# The production Celery worker: the docker-compose `worker` service and the
# integration test (tests/integration/test_production_stack.py) both start it.
# Replaces itself with celery so SIGTERM (docker stop) makes a warm shutdown.
#
# Environment: DJANGO_SETTINGS_MODULE (default config.settings.production),
# WORKER_CONCURRENCY (2 processes), PYTHON (as in scripts/web.sh), plus
# everything config/settings reads (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python; fi
fi

exec "$PYTHON" -m celery -A config worker \
    --concurrency "${WORKER_CONCURRENCY:-2}" \
    --loglevel INFO
