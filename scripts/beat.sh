#!/usr/bin/env bash
# Celery beat: sends the nightly jobs of CELERY_BEAT_SCHEDULE (config/settings/base.py) to the
# workers: privacy.tasks.erase_left_students_task and audit.tasks.audit_purge_task. Run exactly
# one beat per installation (the docker-compose `beat` service; `make run` starts one too).
# Replaces itself with celery so SIGTERM (docker stop) stops it cleanly.
#
# Environment: DJANGO_SETTINGS_MODULE (default config.settings.production), PYTHON (as in
# scripts/worker.sh), BEAT_SCHEDULE_FILE (where beat remembers the last runs; default
# var/celerybeat-schedule), plus everything config/settings reads (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python; fi
fi
schedule="${BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}"
mkdir -p "$(dirname "$schedule")"

exec "$PYTHON" -m celery -A config beat --schedule "$schedule" --loglevel INFO
