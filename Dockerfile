# One image for the web and worker services of docker-compose.yml: the same
# entry points as the locally tested commands (scripts/web.sh, scripts/worker.sh).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production

# WeasyPrint's system libraries (PDFs are rendered in the worker) and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them. Every wheel is
# checked against the lock's hashes.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

RUN useradd --create-home --uid 10001 --user-group app
WORKDIR /app
# The code belongs to root: the app user can read it, not change it.
COPY . /app
# var/ holds collected static files, the media volume (generated PDFs, photos)
# and, without Redis, the filesystem broker: the only place the app user writes.
RUN mkdir -p /app/var/media /app/var/staticfiles && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["scripts/web.sh"]
