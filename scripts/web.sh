#!/usr/bin/env bash
# The production web process: the docker-compose `web` service and the
# integration test (tests/integration/test_production_stack.py) both start it.
# Migrates, collects static files for whitenoise, then replaces itself with
# gunicorn so signals (SIGTERM from docker stop) reach gunicorn directly.
#
# Environment: DJANGO_SETTINGS_MODULE (default config.settings.production),
# PORT (8000), HOST (0.0.0.0), WEB_CONCURRENCY (2 gunicorn workers),
# WEB_TIMEOUT (60 s per request), PYTHON (the interpreter; default the
# project's .venv if there is one, else `python` on PATH as in the image),
# plus everything config/settings reads (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python; fi
fi

"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput --verbosity 0

exec "$PYTHON" -m gunicorn config.wsgi \
    --workers "${WEB_CONCURRENCY:-2}" \
    --bind "${HOST:-0.0.0.0}:${PORT:-8000}" \
    --timeout "${WEB_TIMEOUT:-60}" \
    --graceful-timeout 20 \
    --access-logfile - \
    --error-logfile -
